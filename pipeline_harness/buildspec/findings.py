"""What lint reports, and reading a file whatever bytes it holds."""

from __future__ import annotations

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


def read_text(path: str | Path) -> str:
    """The file as text, or Unparsable saying why it isn't readable text."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise fatal(str(path), None, "unreadable", f"cannot read the file: {err.strerror or err}",
                    "pass the path of an existing, readable file") from None
    return decode(data, str(path))


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
    if "\x00" in text:
        raise _binary(path, text[: text.index("\x00")].count("\n") + 1)
    if not text.strip():
        raise fatal(path, None, "empty", "the file is empty", "write the file's content")
    return text


def _binary(path: str, line: int) -> Unparsable:
    return fatal(path, line, "not-text", "the file is binary (it holds a NUL byte), not text",
                 "pass the text file itself, saved as UTF-8")
