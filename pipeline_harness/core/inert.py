"""Text from someone else's account or files, made inert for each output format.

A student sets the free text our reports carry — a Source action's BranchName, a CodeBuild
variable, a build log, a zip entry's name, what the app answers, and the AWS errors that quote
them — and a teacher's terminal, spreadsheet, LMS or CI reads the report. Each format has one
function here, applied by its renderer to every field it prints (titles too: names come from
accounts and rosters):

- `terminal`: escape sequences (ECMA-48: CSI, OSC and the other control strings, two-character
  escapes) and every other control character (C0, DEL, C1) removed, line breaks and tabs inside a
  field made spaces, Unicode's bidirectional controls removed (Trojan Source, CVE-2021-42574),
  lone surrogates (which JSON answers can carry) replaced;
- `markdown`: the same, and nothing can become HTML, a link, an image, an autolink, a heading, a
  table cell or a line break — code spans are re-made so they cannot be closed, the rest escaped
  (CommonMark's backslash escapes, HTML's entities for `<>&`, GFM's autolink triggers broken);
- `junit`: what `terminal` removes, and what XML 1.0 forbids, removed; line breaks kept;
- `csv_cell`: `terminal`'s cleaning, and a cell a spreadsheet would take for a formula prefixed
  with `'` (OWASP, CSV injection);
- `html`: what `junit` removes, and the noncharacters HTML's parser calls errors; line breaks kept.
  Markup is escaped by the template engine (Jinja2's autoescape, `pipeline_harness.html`), which
  applies this function to every value it prints.

JSON needs nothing: `json.dumps` escapes every control and non-ASCII character.

Our messages quote a value as a CommonMark code span built by `code`, whose fence is longer than
any backtick run in the value, so the value cannot close it. `markdown` finds code spans by
CommonMark's own rule and re-makes each one, so the text reads the same in every format, and a
hostile string that never went through `code` still cannot close a span or open anything else.
"""

from __future__ import annotations

import bisect
import html as _html
import re
from collections import defaultdict
from collections.abc import Iterator

_SURROGATES = re.compile("[\ud800-\udfff]")
# ECMA-48: a control sequence (CSI, 7- or 8-bit) to its final byte; a control string (OSC, DCS,
# SOS, PM, APC) to its terminator (BEL or ST) — OSC 52 writes the clipboard; any other escape
_ESCAPES = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
                      r"|(?:\x1b[]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)"
                      r"|\x1b[ -/]*[0-~]")
# what str.splitlines breaks a line at, and the tab
_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# Unicode's Bidi_Control characters: they reorder what a reader sees
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _unescaped(text: object) -> str:
    """The text with lone surrogates replaced (no encoder writes them) and escape sequences gone."""
    return _ESCAPES.sub("", _SURROGATES.sub("\ufffd", str(text)))


def terminal(text: object) -> str:
    """One line a terminal prints as it reads: no escape, no control character, no line break."""
    return _BIDI.sub("", _CONTROLS.sub("", _BREAKS.sub(" ", _unescaped(text))))


# --- JUnit XML --------------------------------------------------------------------------------------

# XML 1.0's Char is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; DEL and
# C1 go too (a terminal obeys U+009B as CSI), and the other line breaks become newlines first
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_XML_BREAKS = re.compile("\r\n?|[\v\f\x1c-\x1e\x85\u2028\u2029]")


def junit(text: object) -> str:
    """Text any XML 1.0 parser accepts and a terminal prints as it reads; its lines kept."""
    return _BIDI.sub("", _XML_FORBIDDEN.sub("", _XML_BREAKS.sub("\n", _unescaped(text))))


# --- HTML ---------------------------------------------------------------------------------------

# HTML's parser calls controls other than ASCII white space, surrogates and noncharacters parse errors
# (HTML Living Standard, "Preprocessing the input stream"): U+FDD0..U+FDEF and the last two code
# points of every plane
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane << 16 | 0xfffe)}{chr(plane << 16 | 0xffff)}" for plane in range(1, 17)) + "]")


def html(text: object) -> str:
    """Text an HTML parser reads without a parse error and a reader sees as it is: what `junit`
    removes, and noncharacters; line breaks kept (as one newline each). Escaping `<>&"'` is the
    template engine's: this is for a template with autoescape on."""
    return _NONCHARACTERS.sub("", junit(text))


# --- CSV --------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's CSV injection triggers


def csv_cell(value: object) -> object:
    """A spreadsheet cell: text cleaned as for the terminal, prefixed with ' where a spreadsheet
    would read a formula (also after leading blanks); numbers as they are."""
    if isinstance(value, int | float):
        return value
    text = terminal(value)
    return f"'{text}" if text.lstrip(" ").startswith(_FORMULA_START) else text


# --- Markdown (CommonMark, and GitHub's extensions) ------------------------------------------------

_RUN = re.compile("`+")
# CommonMark's inline and block syntax a field could start: escapes, code, emphasis, strikethrough,
# links and images, tables, headings, math
_SYNTAX = re.compile(r"[\\`*_~\[\]|#$]")
# GFM's autolinks: a scheme's "://", "www.", an e-mail's "@" (cmark-gfm finds e-mails after the
# escapes are gone, so the "@" gets a word joiner), and other renderers' bare domains ("evil.com")
_AUTOLINK = re.compile(r":(?=/)|\.(?=[^\W_])|@")
_LINE_START = re.compile(r"^( *)([-+=>]|\d+(?=[.)]))")
_WORD_JOINER = "\u2060"


def code(value: object) -> str:
    """`value` as a code span no character of it can close: the fence is one backtick longer than
    its longest run of backticks, and padded where CommonMark would strip or join (a value
    starting or ending with a backtick, or with a space at both ends). Cleaned as for the terminal,
    so every format shows the same span."""
    text = terminal(value)
    if not text:
        return "``"
    fence = "`" * (max((len(run) for run in _RUN.findall(text)), default=0) + 1)
    spaced = text.startswith(" ") and text.endswith(" ") and text.strip(" ")
    pad = " " if text.startswith("`") or text.endswith("`") or spaced else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_spans(text: str) -> Iterator[tuple[bool, str]]:
    """(is code, text) in order, code spans found as CommonMark finds them: a backtick run opens
    one that the next run of the same length closes; a run that nothing closes is literal text.
    The code's text is what CommonMark shows (one space stripped from each padded end)."""
    runs = [(m.start(), m.end()) for m in _RUN.finditer(text)]
    of_length: dict[int, list[int]] = defaultdict(list)
    for index, (start, end) in enumerate(runs):
        of_length[end - start].append(index)
    done, index = 0, 0
    while index < len(runs):
        start, end = runs[index]
        same = of_length[end - start]
        after = bisect.bisect_right(same, index)
        if after == len(same):  # never closed: literal backticks, part of the text around them
            index += 1
            continue
        closer = same[after]
        inside = text[end:runs[closer][0]]
        if inside.startswith(" ") and inside.endswith(" ") and inside.strip(" "):
            inside = inside[1:-1]
        yield False, text[done:start]
        yield True, inside
        done, index = runs[closer][1], closer + 1
    yield False, text[done:]


def markdown(text: object, *, cell: bool = False) -> str:
    """Inline Markdown that shows `text` and nothing else: its code spans re-made with `code`,
    everything else escaped. `cell`: it goes in a table cell, where GFM splits even a code span
    at `|`."""
    parts = []
    for is_code, part in code_spans(terminal(text)):
        if is_code:
            span = code(part)
            parts.append(span.replace("|", "\\|") if cell else span)
        elif part:
            parts.append(_escaped(part))
    return _LINE_START.sub(lambda m: f"{m[1]}{m[2]}\\" if m[2][0].isdigit() else f"{m[1]}\\{m[2]}",
                           "".join(parts), count=1)


def _escaped(text: str) -> str:
    text = _SYNTAX.sub(r"\\\g<0>", text)
    text = _AUTOLINK.sub(lambda m: f"\\@{_WORD_JOINER}" if m[0] == "@" else f"\\{m[0]}", text)
    return _html.escape(text, quote=False)
