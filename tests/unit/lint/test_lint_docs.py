"""docs/lint.md's rules table and docs/lint-rules.md are what the rules' declarations derive, and the
command that checks them says which file differs and writes both anew."""

import shutil

import cmarkgfm
from cmarkgfm.cmark import Options

from pipeline_harness.lint import docs
from pipeline_harness.lint.rules import RULES
from tests.hostile_text import _Html


def test_the_docs_equal_what_the_rules_declarations_derive():
    stale = [path.name for path, text in docs.derived_files().items()
             if path.read_text(encoding="utf-8") != text]

    assert stale == [], "run `python -m pipeline_harness.lint.docs --write`"


def test_the_table_and_the_page_hold_every_rule_with_its_set():
    table, page = docs.rules_table(), docs.rules_page()

    for rule in RULES.values():
        assert f"| [`{rule.id}`](lint-rules.md#{rule.id.lower()}) | {rule.rule_set}" in table
        assert f"## `{rule.id}`\n\n*{rule.rule_set} · {rule.level}" in page


def test_a_stale_doc_is_named_and_written_anew(tmp_path, capsys):
    # given the docs, with the table's markers kept but a row dropped
    for name in (docs.OVERVIEW, docs.REFERENCE):
        shutil.copy(docs.DOCS_DIR / name, tmp_path / name)
    overview = tmp_path / docs.OVERVIEW
    overview.write_text(overview.read_text(encoding="utf-8").replace("| [`expose`]", "| [`exposes`]"),
                        encoding="utf-8")
    # when checked, then written
    checked = docs.main([], docs_dir=tmp_path)
    said = capsys.readouterr().err
    written = docs.main(["--write"], docs_dir=tmp_path)
    # then
    assert checked == 1 and f"{overview} differs" in said and docs.OVERVIEW in said
    assert docs.REFERENCE not in said
    assert written == 0 and docs.main([], docs_dir=tmp_path) == 0
    assert overview.read_text(encoding="utf-8") == (docs.DOCS_DIR / docs.OVERVIEW).read_text(encoding="utf-8")


def _rendered(markdown: str) -> _Html:
    # GitHub's renderer, raw HTML let through: the declarations' words must not become any
    parsed = _Html()
    parsed.feed(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))
    return parsed


def test_the_rules_table_renders_as_one_row_of_three_cells_per_rule():
    parsed = _rendered(docs.rules_table())

    assert parsed.rows == [3] * (len(RULES) + 1)
    assert {tag for tag, _ in parsed.tags} <= {"table", "thead", "tbody", "tr", "th", "td", "a", "code"}


def test_the_rules_page_renders_each_rule_as_its_words_not_as_html():
    parsed = _rendered(docs.rules_page())

    assert {tag for tag, _ in parsed.tags} <= {"h1", "h2", "p", "em", "strong", "code", "pre", "a"}
    assert parsed.headings == {"h1": ["Lint rules"], "h2": [rule.id for rule in docs.ordered()]}
    assert sorted(parsed.headings["h2"]) == sorted(RULES)
