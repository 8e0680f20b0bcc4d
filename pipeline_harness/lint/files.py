"""Reading a file to lint, whatever bytes it holds: only a regular file, at most MAX_BYTES of it,
and only as UTF-8 text; anything else is a fatal finding that says why."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipeline_harness.lint.findings import GENERIC, Rule, Unparsable

# a buildspec, Dockerfile or imagedefinitions.json is a few KB; what is larger is no such file
MAX_BYTES = 1024 * 1024

UNREADABLE = Rule(
    id="unreadable", rule_set=GENERIC,
    summary="a file that cannot be read: missing, a directory, a FIFO or device (never opened) (fatal)",
    why="nothing in it can be checked. Only a regular file is opened: a FIFO would block the run "
        "and a device such as `/dev/zero` never ends",
    source="the operating system's stat(2): lint opens a path only when it is a regular file",
    example=None,
    fix="pass the path of an existing, readable file")
NOT_TEXT = Rule(
    id="not-text", rule_set=GENERIC,
    summary="a binary file: it holds a NUL byte (fatal)",
    why="a buildspec, Dockerfile or imagedefinitions.json is text; a NUL byte means the path names "
        "something else (an image, an archive), which neither YAML nor JSON reads",
    source="YAML 1.2, 5.1 \"Character Set\" (NUL is no printable character); RFC 8259 (JSON), 2 and "
           "7 (a control character is no JSON whitespace and must be escaped in a string)",
    example=None,
    fix="pass the text file itself, saved as UTF-8")
NOT_UTF8 = Rule(
    id="not-utf8", rule_set=GENERIC,
    summary="a file that is not UTF-8 text (a byte no UTF-8 character begins with) (fatal)",
    why="lint reads text as UTF-8 (with or without a byte order mark), as JSON exchanged between "
        "systems must be; a file saved in another encoding (Latin-1, UTF-16) is not checked",
    source="RFC 8259 (JSON), 8.1 \"Character Encoding\"",
    example=None,
    fix="save the file as UTF-8")
EMPTY = Rule(
    id="empty", rule_set=GENERIC,
    summary="an empty file, or a buildspec with no YAML document in it (only comments) (fatal)",
    why="there is nothing to check, and nothing for CodeBuild to run: a buildspec needs at least a "
        "version and its phases",
    source="CodeBuild User Guide, \"Build specification reference\" (version is required)",
    example="# version: 0.2\n# phases:\n#   build:\n#     commands:\n#       - make\n",
    fix="write the file's content")
TOO_LARGE = Rule(
    id="too-large", rule_set=GENERIC,
    summary="a file larger than 1 MiB (a buildspec is a few KB), counted in bytes, as UTF-8 for text "
            "held in memory; at most 1 MiB + 1 byte is read (fatal)",
    why="no buildspec, Dockerfile or imagedefinitions.json comes near that size (the largest of the "
        "93 public buildspecs in tests/data is 12 KB): a larger file is something else, or one made "
        "to slow down the grader, which lints files a student controls",
    source="lint's own bound (`files.MAX_BYTES`), for what it reads from someone else",
    example=None,
    fix="pass the buildspec itself; split a generated one, or move long scripts into files the "
        "buildspec runs")


def read_text(path: str | Path) -> str:
    """The file as text, or Unparsable saying why it isn't readable text.

    Only a regular file is opened (a FIFO would block, /dev/zero never ends), and at most
    MAX_BYTES + 1 bytes of it are read."""
    name = str(path)
    try:
        _regular(name, os.stat(path).st_mode)
        # O_NONBLOCK: should the path turn into a FIFO after the stat, open still returns
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            _regular(name, os.fstat(file.fileno()).st_mode)
            data = file.read(MAX_BYTES + 1)
    except OSError as err:
        raise UNREADABLE.unparsable(name, None, f"cannot read the file: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        raise _too_large(name)
    return decode(data, name)


def _regular(path: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise UNREADABLE.unparsable(path, None, "cannot read the file: Is a directory")
    what = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "no regular file")
    raise UNREADABLE.unparsable(path, None, f"cannot read the file: it is {what}, not a regular file",
                                "pass the path of the file itself, not of a pipe or device")


def _too_large(path: str) -> Unparsable:
    return TOO_LARGE.unparsable(path, None,
                                f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB, far more "
                                "than a buildspec, Dockerfile or imagedefinitions.json holds")


def decode(data: bytes, path: str) -> str:
    """Bytes as text, or Unparsable saying why they aren't text."""
    if b"\x00" in data:
        raise _binary(path, data[: data.index(b"\x00")].count(b"\n") + 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise NOT_UTF8.unparsable(
            path, line, f"the file is not UTF-8 text (byte 0x{data[err.start]:02x} cannot be decoded)"
        ) from None
    return checked(text, path)


def checked(text: str, path: str) -> str:
    """Text that holds something to lint, or Unparsable saying why not."""
    # MAX_BYTES counts bytes, as read_text reads them: a character is up to 4 of them in UTF-8
    if len(text) > MAX_BYTES or (len(text) * 4 > MAX_BYTES and _utf8_size(text) > MAX_BYTES):
        raise _too_large(path)
    if "\x00" in text:
        raise _binary(path, text[: text.index("\x00")].count("\n") + 1)
    if not text.strip():
        raise EMPTY.unparsable(path, None, "the file is empty")
    return text


def _utf8_size(text: str) -> int:
    # surrogatepass: text decoded with surrogateescape holds lone surrogates, 3 bytes each
    return len(text.encode("utf-8", "surrogatepass"))


def _binary(path: str, line: int) -> Unparsable:
    return NOT_TEXT.unparsable(path, line, "the file is binary (it holds a NUL byte), not text")
