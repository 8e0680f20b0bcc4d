"""What lint reports, and reading a file whatever bytes it holds."""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline_harness.errors import ConfigError


@dataclass(frozen=True)
class Finding:
    """One mistake: where it is, what is wrong, and how to fix it."""

    path: str
    line: int | None
    rule: str
    message: str
    fix: str
    # the file could not be read or parsed at all, so nothing else in it was checked
    fatal: bool = False
    # "note": something the reader should know that is no mistake (exit 0)
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict:
        return asdict(self)


class Unparsable(ConfigError):
    """A file that can't be read or parsed; carries the finding that says why."""

    def __init__(self, finding: Finding):
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        super().__init__(f"{where}: {finding.message} — {finding.fix}")
        self.finding = finding


def fatal(path: str, line: int | None, rule: str, message: str, fix: str) -> Unparsable:
    return Unparsable(Finding(str(path), line, rule, message, fix, fatal=True))


# a buildspec, Dockerfile or imagedefinitions.json is a few KB; what is larger is no such file
MAX_BYTES = 1024 * 1024
_READABLE = "pass the path of an existing, readable file"


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
        raise fatal(name, None, "unreadable", f"cannot read the file: {err.strerror or err}",
                    _READABLE) from None
    if len(data) > MAX_BYTES:
        raise _too_large(name)
    return decode(data, name)


def _regular(path: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise fatal(path, None, "unreadable", "cannot read the file: Is a directory", _READABLE)
    what = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "no regular file")
    raise fatal(path, None, "unreadable", f"cannot read the file: it is {what}, not a regular file",
                "pass the path of the file itself, not of a pipe or device")


def _too_large(path: str) -> Unparsable:
    return fatal(path, None, "too-large",
                 f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB, far more than a "
                 "buildspec, Dockerfile or imagedefinitions.json holds",
                 "pass the buildspec itself; split a generated one, or move long scripts into "
                 "files the buildspec runs")


def decode(data: bytes, path: str) -> str:
    """Bytes as text, or Unparsable saying why they aren't text."""
    if b"\x00" in data:
        raise _binary(path, data[: data.index(b"\x00")].count(b"\n") + 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise fatal(path, line, "not-utf8",
                    f"the file is not UTF-8 text (byte 0x{data[err.start]:02x} cannot be decoded)",
                    "save the file as UTF-8") from None
    return checked(text, path)


def checked(text: str, path: str) -> str:
    """Text that holds something to lint, or Unparsable saying why not."""
    if len(text) > MAX_BYTES:
        raise _too_large(path)
    if "\x00" in text:
        raise _binary(path, text[: text.index("\x00")].count("\n") + 1)
    if not text.strip():
        raise fatal(path, None, "empty", "the file is empty", "write the file's content")
    return text


def _binary(path: str, line: int) -> Unparsable:
    return fatal(path, line, "not-text", "the file is binary (it holds a NUL byte), not text",
                 "pass the text file itself, saved as UTF-8")
