"""Check results → the report a person reads (table) or a tool reads (JSON, the DESIGN contract)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

from pipeline_harness.steps import TITLES
from pipeline_harness.steps.base import CheckResult

MARKS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "error": "ERROR"}


@dataclass(frozen=True)
class Report:
    target: str
    account: str
    region: str
    checks: list[CheckResult]

    @property
    def score(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> int:
        """Points that could be earned: a skipped check was not assessed, so it counts in neither."""
        return sum(c.max_points for c in self.checks if c.status != "skip")

    @property
    def counts(self) -> Counter:
        return Counter(c.status for c in self.checks)

    @property
    def ok(self) -> bool:
        return not (self.counts["fail"] or self.counts["error"])

    def as_dict(self) -> dict:
        return {"target": self.target, "account": self.account, "region": self.region,
                "score": self.score, "max_score": self.max_score,
                "checks": [asdict(c) for c in self.checks]}


def summary(report: Report) -> str:
    counts = report.counts
    return (f"{report.score}/{report.max_score} points — {counts['pass']} passed, "
            f"{counts['fail']} failed, {counts['error']} errors, {counts['skip']} skipped "
            f"({report.target}, account {report.account}, {report.region})")


def as_table(report: Report) -> str:
    lines = []
    width = max((len(c.id) for c in report.checks), default=10)
    for step in sorted({c.step for c in report.checks}):
        lines.append(f"Step {step}: {TITLES.get(step, '')}")
        for c in (c for c in report.checks if c.step == step):
            lines.append(f"  {MARKS[c.status]:<5} {c.id:<{width}}  {c.title} — {c.message}")
            if c.hint and c.status in ("fail", "error"):
                lines.append(f"  {'':<5} {'':<{width}}  hint: {c.hint}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2) + "\n"


RENDERERS = {"table": as_table, "json": as_json}


def render(report: Report, fmt: str) -> str:
    return RENDERERS[fmt](report)
