"""What a student can type into any free-text field of their account or files, and how to tell that
an output format showed it as text — not as an instruction to the terminal, the Markdown renderer
an LMS runs, the XML parser of a CI server, or the spreadsheet that opens the class summary.

The Markdown is rendered by two real renderers: cmark-gfm (GitHub's, with its autolink, table,
strikethrough and tag-filter extensions) and markdown-it-py with linkify (fuzzy links and e-mails),
both with raw HTML let through, as an LMS that does not sanitise would.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options
from markdown_it import MarkdownIt

HOSTILE = (
    "\x1b]52;c;cGlwZWxpbmUtaGFybmVzcw==\x07",  # OSC 52: writes the reader's clipboard (BEL-ended)
    "\x1b]52;c;cGlwZWxpbmUtaGFybmVzcw==\x1b\\",  # the same, ended by ST
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8: a terminal hyperlink
    "\x1b[2J\x1b[H",  # CSI: clears the screen, cursor home
    "\x9b2J\x9d0;title\x9c",  # the 8-bit CSI and OSC (C1)
    "\x1b[31mERROR\x1b[0m build failed",  # a build log's colours
    "\n  PASS  forged.check       Forged check — found everything",  # a forged line
    "\r  PASS  overwritten",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<a href=\"https://evil.example\">grade appeal</a>",
    "[click](https://evil.example)",
    "![x](https://evil.example/x.png)",
    "[ref]: https://evil.example",
    "https://evil.example/phish",  # GFM's URL autolink
    "www.evil.example/phish",  # GFM's www autolink
    "student@evil.example",  # GFM's e-mail autolink
    "mailto:student@evil.example",
    "evil.com/phish",  # linkify's fuzzy link
    "<https://evil.example>",  # CommonMark's autolink
    "# Lab grade: 34/34",
    "\n# Lab grade: 34/34",
    "\n\nLab grade: 34/34\n===",  # a setext heading
    "`", "``", "```", "````", "`` ` ``", "a`b``c```d", "x` <img src=x onerror=alert(1)> `y",
    "```\n# fenced\n```", "`` ``` ` ``",
    "`<img src=x onerror=alert(1)>``",  # counted one by one, the backticks leave the <img> outside
    "a | b | c", "|---|---|", "\\|",
    "trailing  \nbreak", "trailing\\\nbreak",  # hard line breaks
    "*bold* _it_ **strong** ~~gone~~ $x$",
    "&lt;img src=x onerror=alert(1)&gt; &#60;b&#62; &amp;",
    "\\", "\\`", "x\\",
    "- item", "1. item", "> quote", "    indented code", "---", "***",
    "".join(map(chr, range(0x20))) + "\x7f\x85",  # every C0 control, DEL, NEL
    "\u2028# Lab grade: 34/34\u2029",  # Unicode's line and paragraph separators
    "\ud800lone\udfff",  # lone surrogates: JSON answers can carry them
    "\u202eevil\u202c \u2066x\u2069 \u200f",  # bidi overrides, isolates, marks
    "=HYPERLINK(\"https://evil.example\",\"click\")", "+1", "-1", "@SUM(1)", "\t=1", "\r=1",
    " =1+1",
    "x" * 100_000 + "`" * 50 + "<img>",  # very long
)
# typography the tutorial's titles and messages use, which must survive every format
TYPOGRAPHY = "Steps 1–6 — S3 → Create bucket “quoted” …"
# every hostile string but the very long one, in one field
COMBINED = " ".join(h for h in HOSTILE if len(h) < 1000)

_GFM_OPTIONS = Options.CMARK_OPT_UNSAFE  # raw HTML let through: our escaping must stop it
_MARKDOWN_IT = MarkdownIt("commonmark", {"linkify": True, "html": True}).enable(
    ["table", "strikethrough", "linkify"])
RENDERERS = {
    "cmark-gfm": lambda text: cmarkgfm.github_flavored_markdown_to_html(text, options=_GFM_OPTIONS),
    "markdown-it": _MARKDOWN_IT.render,
}
# what our Markdown is made of; anything else came from someone's text
OUR_TAGS = {"p", "h1", "h2", "ul", "li", "strong", "code", "table", "thead", "tbody", "tr", "th", "td"}
# tabs and newlines aside (XML keeps them; single-line formats are checked for them apart)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069]")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class _Html(HTMLParser):
    """The elements of rendered HTML: tags with attributes, heading texts, cells per table row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.headings: dict[str, list[str]] = {"h1": [], "h2": []}
        self.rows: list[int] = []
        self._heading: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag in self.headings:
            self._heading = tag
            self.headings[tag].append("")
        if tag == "tr":
            self.rows.append(0)
        if tag in ("td", "th"):
            self.rows[-1] += 1

    def handle_endtag(self, tag):
        if tag == self._heading:
            self._heading = None

    def handle_data(self, data):
        if self._heading:
            self.headings[self._heading][-1] += data


def no_control_characters(text: str) -> None:
    """No escape or control character (tabs and newlines aside), surrogate or bidi control."""
    found = _CONTROL.search(text)
    around = text[max(0, found.start() - 40):found.start() + 40] if found else ""
    assert found is None, f"{found[0]!r} at {found.start()}: {around!r}"


def markdown_is_ours(text: str, *, h1: list[str], h2: list[str], items: int | None = None,
                     columns: int | None = None, rows: int | None = None) -> dict[str, str]:
    """Rendered by both renderers: only our elements, no attribute, our headings, list items and
    table rows exactly; returns the HTML per renderer."""
    no_control_characters(text)
    rendered = {}
    for name, render in RENDERERS.items():
        html = render(text)
        parsed = _Html()
        parsed.feed(html)
        tags = {tag for tag, _ in parsed.tags}
        assert tags <= OUR_TAGS, f"{name}: {sorted(tags - OUR_TAGS)} in the HTML"
        assert [attrs for _, attrs in parsed.tags if attrs] == [], f"{name}: attributes"
        assert parsed.headings == {"h1": h1, "h2": h2}, f"{name}: {parsed.headings}"
        if items is not None:
            assert sum(tag == "li" for tag, _ in parsed.tags) == items, f"{name}: list items"
        if columns is not None:
            assert parsed.rows and set(parsed.rows) == {columns}, f"{name}: cells per row {parsed.rows}"
            assert rows is None or len(parsed.rows) == rows, f"{name}: {len(parsed.rows)} rows"
        rendered[name] = html
    return rendered


def junit_parses(text: str) -> ET.Element:
    """The file a CI server reads: well-formed XML 1.0, with no control character in it."""
    no_control_characters(text)
    return ET.fromstring(text.encode("utf-8"))


def csv_cells_are_text(text: str) -> list[list[str]]:
    """Every cell read back: no control character and no formula start, also after blanks."""
    no_control_characters(text.replace("\n", " "))
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(_FORMULA), f"a formula cell: {cell[:40]!r}"
    return rows


def json_reads_back(text: str) -> object:
    """ASCII only (json.dumps escapes the rest), and what it holds comes back as given."""
    assert text.isascii()
    no_control_characters(text.replace("\n", " "))
    return json.loads(text)
