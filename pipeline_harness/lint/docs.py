"""The lint rules' documentation, derived from their declarations: the rules table of docs/lint.md
(between its markers) and docs/lint-rules.md, a section per rule.

    python -m pipeline_harness.lint.docs          # exit 1 and say which file differs
    python -m pipeline_harness.lint.docs --write  # write both anew
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline_harness.lint import kind
from pipeline_harness.lint.findings import GENERIC, Rule
from pipeline_harness.lint.rules import RULES
from pipeline_harness.output import marked

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
OVERVIEW, REFERENCE = "lint.md", "lint-rules.md"
COMMAND = "python -m pipeline_harness.lint.docs --write"
BEGIN = f"<!-- the rules table, generated from the rules' declarations by `{COMMAND}` -->"
END = "<!-- end of the rules table -->"
_FENCES = {kind.BUILDSPEC: "yaml", kind.DOCKERFILE: "dockerfile", kind.DEFINITIONS: "json"}


def _markdown(text: str) -> str:
    """The declaration's words as Markdown text: outside `code`, `<account>` is no HTML tag and
    `phases/*/commands` no emphasis."""
    parts = text.split("`")
    return "`".join(part if n % 2 else part.replace("<", "&lt;").replace("*", "\\*")
                    for n, part in enumerate(parts))


def _sentence(text: str) -> str:
    """The declaration's words as a sentence: a capital first, a full stop last."""
    text = _markdown(text[:1].upper() + text[1:])
    return text if text.endswith((".", "?", "!")) else text + "."


def _cell(text: str) -> str:
    return _markdown(text).replace("|", "\\|")


def _set(rule: Rule) -> str:
    return f"{rule.rule_set}, latent" if rule.latent else rule.rule_set


def ordered() -> list[Rule]:
    """The rules as the docs list them: the generic ones first, then the lab's, each as gathered."""
    return sorted(RULES.values(), key=lambda r: r.rule_set != GENERIC)


def rules_table() -> str:
    """The table docs/lint.md holds between BEGIN and END."""
    rows = [f"| [`{r.id}`]({REFERENCE}#{r.id.lower()}) | {_set(r)} "
            f"| {'note: ' if r.level == 'note' else ''}{_cell(r.summary)} |" for r in ordered()]
    return "\n".join(["| rule | set | finds |", "| --- | --- | --- |", *rows])


def _section(rule: Rule) -> str:
    label = f"{rule.rule_set} · {rule.level}"
    if rule.latent:
        label += f" · latent: off in generic unless selected (`--select {rule.id}` or `SC`)"
    lines = [f"## `{rule.id}`", "", f"*{label}*", "",
             f"**What it does.** {_sentence('finds ' + rule.summary)}", "",
             f"**Why is this bad.** {_sentence(rule.why)}", "",
             f"**Where it is written.** {_sentence(rule.source)}", ""]
    if rule.example is not None:
        fence = _FENCES[kind.of(rule.example, rule.example_file)]
        lines += [f"**Example** (`{rule.example_file}`):", "", f"```{fence}",
                  rule.example.rstrip("\n"), "```", ""]
    return "\n".join([*lines, f"**Fix.** {_sentence(rule.fix)}", ""])


def rules_page() -> str:
    """docs/lint-rules.md: every rule as declared, in the table's order."""
    head = ["# Lint rules", "",
            f"<!-- generated from the rules' declarations by `{COMMAND}`: edit those, not this file -->",
            "",
            "Every rule `pipeline-harness lint` reports, as declared beside the check that reports it "
            "(a `Rule` in `pipeline_harness/lint/`): its set and level, what it finds, why that is bad "
            "and where that is written, an example that breaks it (a test lints each one) and the fix. "
            f"[lint.md]({OVERVIEW}) says how to choose rules.", ""]
    return "\n".join([*head, *(_section(r) for r in ordered())])


def with_table(overview: str) -> str:
    """docs/lint.md with the rules table between its markers made anew."""
    return marked.with_part(overview, BEGIN, END, rules_table(), OVERVIEW)


def derived_files(docs_dir: Path = DOCS_DIR) -> dict[Path, str]:
    overview = docs_dir / OVERVIEW
    return {overview: with_table(overview.read_text(encoding="utf-8")), docs_dir / REFERENCE: rules_page()}


def main(argv: list[str] | None = None, docs_dir: Path = DOCS_DIR) -> int:
    write = "--write" in (sys.argv[1:] if argv is None else argv)
    stale = []
    for path, text in derived_files(docs_dir).items():
        if write:
            path.write_text(text, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    for path in stale:
        print(f"{path} differs from what the rules' declarations derive; run `{COMMAND}`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
