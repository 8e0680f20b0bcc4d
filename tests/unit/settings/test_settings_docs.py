"""docs/configuration.md's settings table is what `Settings` and the settings' descriptions derive,
every field has a description and every description a field, and the command that checks the page
says it differs and writes it anew."""

import dataclasses
import shutil

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from pipeline_harness.settings import Settings
from pipeline_harness.settings import docs as configuration_docs
from pipeline_harness.settings.descriptions import DESCRIPTIONS
from tests.hostile_text import _Html

FIELDS = [f.name for f in dataclasses.fields(Settings)]


def test_the_page_holds_the_table_the_settings_derive():
    page = (configuration_docs.DOCS_DIR / configuration_docs.PAGE).read_text(encoding="utf-8")

    assert configuration_docs.with_table(page) == page, f"run `{configuration_docs.COMMAND}`"


def test_every_setting_has_a_description_and_every_description_a_setting():
    assert sorted(set(FIELDS) - set(DESCRIPTIONS)) == []
    assert sorted(set(DESCRIPTIONS) - set(FIELDS)) == []
    assert all(text.strip() for text in DESCRIPTIONS.values())


def test_each_row_gives_the_settings_name_type_default_and_description():
    table = configuration_docs.settings_table()

    assert "| `container_port` | whole number | `80` | " in table
    assert "| `connection_arn` | text or none | none | " in table
    assert "| `tag_immutability` | true / false | `false` | " in table
    assert "| `run_id` | text | made per run (`_new_run_id`) | " in table
    for name in FIELDS:
        assert f"| `{name}` | " in table and DESCRIPTIONS[name].replace("|", "\\|") in table


def test_the_table_renders_as_one_row_of_four_cells_per_setting():
    parsed = _Html()
    parsed.feed(cmarkgfm.github_flavored_markdown_to_html(configuration_docs.settings_table(),
                                                          options=Options.CMARK_OPT_UNSAFE))

    assert parsed.rows == [4] * (len(FIELDS) + 1)
    assert {tag for tag, _ in parsed.tags} <= {"table", "thead", "tbody", "tr", "th", "td", "a", "code"}


def test_a_stale_page_is_named_and_written_anew(tmp_path, capsys):
    # given the page with a row's description changed by hand
    page = tmp_path / configuration_docs.PAGE
    shutil.copy(configuration_docs.DOCS_DIR / configuration_docs.PAGE, page)
    page.write_text(page.read_text(encoding="utf-8").replace("Step 1: the ECR repository",
                                                             "Step 1: a repository"), encoding="utf-8")
    # when checked, then written
    checked = configuration_docs.main([], docs_dir=tmp_path)
    said = capsys.readouterr().err
    written = configuration_docs.main(["--write"], docs_dir=tmp_path)
    # then
    assert checked == 1 and f"{page} differs" in said and configuration_docs.COMMAND in said
    assert written == 0 and configuration_docs.main([], docs_dir=tmp_path) == 0
    assert page.read_text(encoding="utf-8") == (
        configuration_docs.DOCS_DIR / configuration_docs.PAGE).read_text(encoding="utf-8")


def test_a_page_without_the_markers_is_refused(tmp_path):
    (tmp_path / configuration_docs.PAGE).write_text("# Configuration\n", encoding="utf-8")

    with pytest.raises(ValueError, match="markers"):
        configuration_docs.main([], docs_dir=tmp_path)
