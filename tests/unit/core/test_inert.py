"""Each output format's function in pipeline_harness.core.inert, on the strings a student can set."""

import csv
import io
import re

import pytest

from pipeline_harness.core import inert
from tests.hostile_text import HOSTILE, TYPOGRAPHY, markdown_is_ours, no_control_characters


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_terminal_text_is_one_line_without_escapes_controls_or_bidi_overrides(text):
    shown = inert.terminal(text)

    no_control_characters(shown)
    assert "\n" not in shown and "\t" not in shown and "\x1b" not in shown


def test_terminal_text_drops_whole_escape_sequences_and_keeps_the_words():
    shown = inert.terminal("\x1b[31mERROR\x1b[0m \x1b]52;c;cGk=\x07copied \x9b2Jcleared \x1b]8;;u\x1b\\link")

    assert shown == "ERROR copied cleared link"


def test_terminal_text_makes_line_breaks_spaces_so_no_line_can_be_forged():
    assert inert.terminal("a\n  PASS  forged\r\nb\u2028c\x85d\te") == "a   PASS  forged  b c d e"


def test_the_tutorials_typography_survives_every_format():
    assert inert.terminal(TYPOGRAPHY) == TYPOGRAPHY
    assert inert.junit(TYPOGRAPHY) == TYPOGRAPHY
    assert inert.csv_cell(TYPOGRAPHY) == TYPOGRAPHY
    assert inert.markdown(TYPOGRAPHY) == TYPOGRAPHY


def test_cleaning_twice_changes_nothing_more():
    for text in HOSTILE:
        assert inert.terminal(inert.terminal(text)) == inert.terminal(text)
        assert inert.junit(inert.junit(text)) == inert.junit(text)


def test_junit_text_keeps_its_lines_and_drops_what_xml_forbids():
    assert inert.junit("a\r\nb\rc\u2028d\x0be\tf") == "a\nb\nc\nd\ne\tf"
    assert inert.junit("x\x00\x08\x1b[31m\x7f\x9b\ufffe\uffff\ud800") == "x\ufffd"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(1)", "\t=1", "\r=1", "  =1", "\n=1"])
def test_a_csv_cell_a_spreadsheet_would_calculate_is_prefixed_with_a_quote(cell):
    shown = inert.csv_cell(cell)

    assert shown.startswith("'")
    assert next(csv.reader(io.StringIO(f'"{shown}"'))) == [shown]


def test_a_csv_cell_of_plain_text_or_a_number_is_left_as_it_is():
    assert inert.csv_cell("Ada Lovelace") == "Ada Lovelace"
    assert inert.csv_cell(-3) == -3
    assert inert.csv_cell("check-2, pipeline.source") == "check-2, pipeline.source"


@pytest.mark.parametrize("value", [h for h in HOSTILE if len(h) < 1000], ids=range(len(HOSTILE) - 1))
def test_a_code_span_shows_the_cleaned_value_and_nothing_in_it_can_close_it(value):
    # given a message quoting the value between two words
    span = inert.code(value)

    # then CommonMark's rule finds one span, holding the value
    parts = list(inert.code_spans(f"found {span} here"))
    shown = inert.terminal(value)
    assert parts == ([(False, "found "), (True, shown), (False, " here")] if shown
                     else [(False, "found `` here")])


def test_a_code_span_renders_as_one_code_element_holding_the_value():
    value = "a`b``c <img src=x> | `"

    html = markdown_is_ours(inert.markdown(f"found {inert.code(value)}"), h1=[], h2=[])

    for rendered in html.values():
        assert rendered.count("<code>") == 1
        assert "<code>a`b``c &lt;img src=x&gt; | `</code>" in rendered


def test_our_own_code_spans_and_placeholders_read_as_before():
    assert inert.markdown("found `dev-php-app-pipline`, expected `dev-php-app-pipeline`") == \
        "found `dev-php-app-pipline`, expected `dev-php-app-pipeline`"
    assert inert.markdown("S3 → Create bucket `dev-pipeline-artifacts-<your-account-id>`") == \
        "S3 → Create bucket `dev-pipeline-artifacts-<your-account-id>`"
    assert inert.markdown("found <none>") == "found &lt;none&gt;"


def test_unclosed_backticks_are_literal_text_and_what_follows_is_escaped():
    text = inert.markdown("`<img src=x onerror=alert(1)>``")

    assert text == "\\`&lt;img src=x onerror=alert(1)&gt;\\`\\`"


def test_a_pipe_in_a_table_cell_is_escaped_inside_a_code_span_too():
    assert inert.markdown("a|b `c|d`", cell=True) == "a\\|b `c\\|d`"
    assert inert.markdown("`c|d`") == "`c|d`"


def test_a_field_starting_like_a_block_is_escaped_at_its_start():
    assert inert.markdown("- item") == "\\- item"
    assert inert.markdown("12. item") == "12\\. item"
    assert inert.markdown("# Lab grade") == "\\# Lab grade"


# --- HTML ------------------------------------------------------------------------------------------

_NONCHARACTER = re.compile("[\ufdd0-\ufdef\ufffe\uffff\U0001fffe\U0001ffff\U0010fffe\U0010ffff]")


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_html_text_has_no_control_escape_bidi_or_noncharacter_and_keeps_its_lines(text):
    shown = inert.html(text)

    no_control_characters(shown)
    assert not _NONCHARACTER.search(shown) and "\r" not in shown and "\x1b" not in shown


def test_html_text_drops_noncharacters_of_every_plane_and_leaves_markup_to_the_template():
    assert inert.html("a\ufdd0b\U0001fffec\U0010ffffd\ufffe") == "abcd"
    assert inert.html("<img src=x onerror=alert(1)> & \"'") == "<img src=x onerror=alert(1)> & \"'"
    assert inert.html("x\r\ny\u2028z") == "x\ny\nz"
    assert inert.html(TYPOGRAPHY) == TYPOGRAPHY
    for text in HOSTILE:
        assert inert.html(inert.html(text)) == inert.html(text)
