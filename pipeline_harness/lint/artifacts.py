"""The artifact paths a buildspec names, and a quote inside one, which no file name holds.

CodeBuild reads each `files` entry as a path or glob relative to the source (or base-directory)
directory (buildspec reference, artifacts/files). YAML's quotes only delimit a scalar that starts
with one (`- "**/*"` is the glob `**/*`); a quote anywhere else is part of the text
(`- imagedefinitions.json"`), so the glob looks for a file whose name holds a quote, finds none,
and the files never reach the artifact.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline_harness.lint import yamlnodes
from pipeline_harness.lint.document import Buildspec
from pipeline_harness.lint.findings import GENERIC, Finding, Rule

# straight and typographic quotes, and the backtick
_QUOTES = "\"'`\u2018\u2019\u201c\u201d"

GLOB_QUOTE = Rule(
    id="glob-quote", rule_set=GENERIC,
    summary="a quote (`\"`, `'`, a backtick, typographic quotes) inside an `artifacts.files` entry, "
            "a secondary artifact's too",
    why="YAML keeps the quote in the path, since its quotes delimit a scalar only when it starts with "
        "one; the glob then looks for a file whose name holds a quote, matches nothing, and the files "
        "never reach the artifact",
    source="YAML 1.2, \"Flow Scalar Styles\" (plain scalars may hold quote characters); CodeBuild "
           "User Guide, \"Build specification reference\", artifacts/files (each entry a path or glob)",
    example="version: 0.2\nphases:\n  build:\n    commands:\n      - make\nartifacts:\n  files:\n"
            "    - imagedefinitions.json\"\n",
    fix="remove the quote, or quote the whole entry")


def files(spec: Buildspec) -> Iterator[tuple[str, str, int]]:
    """(where, path, line) of every artifacts.files entry, the secondary artifacts' too."""
    for path, line in spec.strings("artifacts", "files"):
        yield "artifacts.files", path, line
    found = spec.get("artifacts", "secondary-artifacts")
    for name, _, _ in yamlnodes.items(found[1]) if found else []:
        for path, line in spec.strings("artifacts", "secondary-artifacts", name, "files"):
            yield f"artifacts.secondary-artifacts.{name}.files", path, line


def check(spec: Buildspec) -> list[Finding]:
    return [GLOB_QUOTE.at(spec.path, line,
                          f"{where} entry {path!r} holds a quote ({_first_quote(path)}), which YAML "
                          "keeps as part of the path: no file name holds it, so the glob matches "
                          "nothing and the files never reach the artifact",
                          f"write {_unquoted(path)!r}, or quote the whole entry: - \"{_unquoted(path)}\"")
            for where, path, line in files(spec) if _first_quote(path)]


def _first_quote(path: str) -> str:
    return next((char for char in path if char in _QUOTES), "")


def _unquoted(path: str) -> str:
    return "".join(char for char in path if char not in _QUOTES)
