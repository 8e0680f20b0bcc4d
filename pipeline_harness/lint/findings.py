"""A lint rule, and what lint reports: a finding of one.

Each rule is one `Rule` value beside the check that reports it (ruff's model): its id, its set, its
level, what it finds, why that is bad, where that is written, an example and the fix. `rules.RULES`
gathers them, and docs/lint.md's table and docs/lint-rules.md are generated from them
(`python -m pipeline_harness.lint.docs --write`). A finding is made only from a rule (`Rule.at`,
`Rule.unparsable`), so whatever id lint reports is a declared one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline_harness.core.errors import ConfigError

# generic: what the CodeBuild reference and the shell say, for any buildspec; lab: generic plus
# what the lab's tutorial asks
GENERIC, LAB = "generic", "lab"
RULE_SETS = (GENERIC, LAB)
# a note is something the reader should know that is no mistake (exit 0)
Level = Literal["error", "note"]


@dataclass(frozen=True, kw_only=True, eq=False)
class Rule:
    """One lint rule as declared beside its check; a rule is its declaration (compared by identity)."""

    id: str
    rule_set: str
    # what it finds, in one sentence: its row of the docs table ("What it does")
    summary: str
    # what goes wrong on CodeBuild, Docker or ECS when a file breaks it ("Why is this bad")
    why: str
    # the document or source that behaviour is written in
    source: str
    # a file's text that breaks it (linted by a test); None where no text can: a directory, bytes
    # that are not UTF-8, a file over a size limit
    example: str | None
    # how to fix it in general; a finding may say it for its case
    fix: str
    # the example's file name: what a file is comes from its content, except for text that
    # parses as nothing (invalid JSON), which its name decides
    example_file: str = "buildspec.yml"
    level: Level = "error"
    # a latent issue, not a failure: off in the generic set unless selected (ShellCheck's SC2046, ...)
    latent: bool = False

    def __post_init__(self) -> None:
        if self.rule_set not in RULE_SETS:
            raise ValueError(f"rule {self.id}: rule_set must be one of {RULE_SETS}, not {self.rule_set!r}")

    def at(self, path: str, line: int | None, message: str, fix: str | None = None) -> Finding:
        """A finding of this rule: where, what is wrong there, and its fix (by default the rule's)."""
        return Finding(path, line, self, message, self.fix if fix is None else fix)

    def unparsable(self, path: str, line: int | None, message: str, fix: str | None = None) -> Unparsable:
        """The file can't be read or parsed: the finding that says why, to raise."""
        return Unparsable(Finding(str(path), line, self, message, self.fix if fix is None else fix,
                                  fatal=True))


@dataclass(frozen=True)
class Finding:
    """One mistake: where it is, the rule it breaks, what is wrong, and how to fix it."""

    path: str
    line: int | None
    declared: Rule
    message: str
    fix: str
    # the file could not be read or parsed at all, so nothing else in it was checked
    fatal: bool = False
    # how many findings it counts: more than one for the one saying how many more of its rule in
    # the file lint left out (lint.capped)
    stands_for: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.declared, Rule):
            raise TypeError(f"a finding is of a declared Rule, not of {self.declared!r}")

    @property
    def rule(self) -> str:
        return self.declared.id

    @property
    def severity(self) -> Level:
        return self.declared.level

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "rule": self.rule, "message": self.message,
                "fix": self.fix, "fatal": self.fatal, "severity": self.severity}


class Unparsable(ConfigError):
    """A file that can't be read or parsed; carries the finding that says why."""

    def __init__(self, finding: Finding):
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        super().__init__(f"{where}: {finding.message} — {finding.fix}")
        self.finding = finding
