"""The HTML layer itself: every value a template prints is made inert and escaped, a name the
template does not get is an error, and no template can load, run or link anything."""

import re
from importlib import resources

import jinja2
import pytest

from pipeline_harness import html
from pipeline_harness.core import inert, stamps
from tests.hostile_text import HOSTILE
from tests.html_pages import loads_nothing, parsed

TEMPLATES = resources.files("pipeline_harness.html").joinpath("templates")


def _templates() -> dict[str, str]:
    return {t.name: t.read_text(encoding="utf-8") for t in TEMPLATES.iterdir() if t.name.endswith(".j2")}


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_a_value_printed_in_text_or_an_attribute_is_inert_and_escaped(text):
    marked = f"«{text}»"

    page = html.render("board.html.j2", page_title=marked, rows=[], columns=[], failed=[], notes=[marked],
                       counts={"pass": 0, "fail": 0, "error": 0}, scale=[])

    shown = loads_nothing(page)
    assert shown.text.count(f"«{inert.html(text)}»") == 3  # the <title>, the <h1>, the note
    assert [tag for tag, _ in shown.tags].count("title") == 1


def test_a_name_the_template_is_not_given_is_an_error_not_an_empty_string():
    with pytest.raises(jinja2.UndefinedError):
        html.render("board.html.j2", page_title="x")


def test_no_template_marks_a_value_safe_turns_escaping_off_or_names_a_url():
    for name, text in _templates().items():
        assert not re.search(r"\|\s*safe\b|autoescape\s+false|Markup", text), name
        loads = r"https?:|//[a-z]|<script|<img|<link|<iframe|url\(|@import|\son\w+="
        assert not re.search(loads, text, re.I), name


def test_every_page_carries_the_content_security_policy_that_blocks_any_load():
    base = _templates()["base.html.j2"]

    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src '
            "'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">") in base
    assert all("{% extends \"base.html.j2\" %}" in text for name, text in _templates().items()
               if name != "base.html.j2")


def test_the_footer_names_the_harness_version():
    page = html.render("board.html.j2", page_title="x", rows=[], columns=[], failed=[], notes=[],
                       counts={"pass": 0, "fail": 0, "error": 0}, scale=[])

    assert f"Made by pipeline-harness {stamps.harness_version()}." in parsed(page).text
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", stamps.harness_version())
