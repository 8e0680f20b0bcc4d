"""docs/configuration.md's table of settings, derived from `Settings` (each field's name, type and
default) and `settings.descriptions.DESCRIPTIONS` (what it is), between the page's markers.

    python -m pipeline_harness.settings.docs          # exit 1 and say the page differs
    python -m pipeline_harness.settings.docs --write  # write the table anew
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from pipeline_harness.output import marked
from pipeline_harness.settings import Settings
from pipeline_harness.settings.descriptions import DESCRIPTIONS

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
PAGE = "configuration.md"
COMMAND = "python -m pipeline_harness.settings.docs --write"
BEGIN = f"<!-- the settings table, generated from `Settings` by `{COMMAND}` -->"
END = "<!-- end of the settings table -->"
# the field's annotation as the config file and the environment write its value
_TYPES = {"str": "text", "str | None": "text or none", "bool": "true / false", "int": "whole number"}


def _default(field: dataclasses.Field[Any]) -> str:
    if field.default_factory is not dataclasses.MISSING:
        return f"made per run (`{getattr(field.default_factory, '__name__', 'a factory')}`)"
    value = field.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`" if value != "" else "empty"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def settings_table() -> str:
    """The table docs/configuration.md holds between BEGIN and END: one row per field, in the class's
    order."""
    rows = [f"| `{f.name}` | {_TYPES.get(str(f.type), str(f.type))} | {_cell(_default(f))} "
            f"| {_cell(DESCRIPTIONS[f.name])} |" for f in dataclasses.fields(Settings)]
    return "\n".join(["| setting | type | default | what it is |", "| --- | --- | --- | --- |", *rows])


def with_table(page: str) -> str:
    """The page with the settings table between its markers made anew."""
    return marked.with_part(page, BEGIN, END, settings_table(), PAGE)


def main(argv: list[str] | None = None, docs_dir: Path = DOCS_DIR) -> int:
    write = "--write" in (sys.argv[1:] if argv is None else argv)
    path = docs_dir / PAGE
    text = path.read_text(encoding="utf-8")
    derived = with_table(text)
    if write:
        path.write_text(derived, encoding="utf-8")
        return 0
    if derived != text:
        print(f"{path} differs from what `Settings` derives; run `{COMMAND}`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
