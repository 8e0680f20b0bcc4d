"""Check results → the report a person reads (table) or a tool reads (JSON, the DESIGN contract).

Every field that can carry an account's or a file's text — titles, messages, hints, the target,
account and region — goes through the format's function in `inert` (JSON escapes by itself)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, replace

from pipeline_harness import inert
from pipeline_harness.steps import TITLES
from pipeline_harness.steps.base import CheckResult

MARKS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "error": "ERROR"}


def section(step: int) -> str:
    """The report section of a tutorial step; 0 is the prerequisites the tutorial assumes."""
    return TITLES.get(step, f"Step {step}")


@dataclass(frozen=True)
class GradedExecution:
    """The pipeline execution a grade's Step 7 rests on: its id, commit, times (ISO 8601, UTC) and
    age at the grade's time. The id and commit are the account's: rendered inert like any field."""

    id: str
    commit: str | None
    started: str | None
    finished: str | None
    age_seconds: int | None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        commit = f" of commit {self.commit[:7]}" if self.commit else ""
        old = "" if self.age_seconds is None else f", {duration(self.age_seconds)} before the grade's time"
        return f"execution {self.id}{commit}, finished {self.finished or 'at an unknown time'}{old}"


def duration(seconds: float) -> str:
    """A duration as a person says it: 45 s, 12 min 5 s, 3 h 5 min, 40 days 2 h."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days {seconds % 86400 // 3600} h"


@dataclass(frozen=True)
class Report:
    target: str
    account: str
    region: str
    checks: list[CheckResult]
    as_of: str = ""  # the grade's time (ISO 8601, UTC): --as-of, else when it began
    graded_execution: GradedExecution | None = None  # the execution Step 7 rests on

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
        execution = self.graded_execution
        return {"target": self.target, "account": self.account, "region": self.region,
                "score": self.score, "max_score": self.max_score,
                "checks": [{**asdict(c), "section": section(c.step)} for c in self.checks],
                "as_of": self.as_of, "graded_execution": execution.as_dict() if execution else None}


def summary(report: Report) -> str:
    counts = report.counts
    return (f"{report.score}/{report.max_score} points — {counts['pass']} passed, "
            f"{counts['fail']} failed, {counts['error']} errors, {counts['skip']} skipped "
            f"({report.target}, account {report.account}, {report.region})")


def graded_line(report: Report) -> str:
    """Which execution the grade rests on, and when it was graded."""
    when = f"graded as of {report.as_of}" if report.as_of else "graded"
    if report.graded_execution is None:
        return f"{when}: no pipeline execution before it to grade"
    return f"{when}: {report.graded_execution}"


def as_table(report: Report) -> str:
    lines = []
    width = max((len(c.id) for c in report.checks), default=10)
    for step in sorted({c.step for c in report.checks}):
        lines.append(section(step))
        for c in (c for c in report.checks if c.step == step):
            lines.append(f"  {MARKS[c.status]:<5} {c.id:<{width}}  {inert.terminal(c.title)} — "
                         f"{inert.terminal(c.message)}")
            if c.hint and c.status != "skip":
                label = "tip" if c.status == "pass" else "hint"
                lines.append(f"  {'':<5} {'':<{width}}  {label}: {inert.terminal(c.hint)}")
    lines.append(inert.terminal(summary(report)))
    lines.append(inert.terminal(graded_line(report)))
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2) + "\n"


def as_junit(report: Report) -> str:
    """One testcase per check, grouped by tutorial step, for CI and LMS importers."""
    counts = report.counts
    totals: dict[str, str] = {"tests": str(len(report.checks)), "failures": str(counts["fail"]),
              "errors": str(counts["error"]), "skipped": str(counts["skip"])}
    suites = ET.Element("testsuites", {"name": "pipeline-harness", **totals})
    suite = ET.SubElement(suites, "testsuite", {
        "name": inert.junit(f"account {report.account} ({report.target}, {report.region})"), **totals})
    properties = ET.SubElement(suite, "properties")
    execution = report.graded_execution.as_dict() if report.graded_execution else {}
    for name, value in (("score", report.score), ("max_score", report.max_score), ("as_of", report.as_of),
                        *((f"graded_execution_{k}", v) for k, v in execution.items())):
        if value not in (None, ""):
            ET.SubElement(properties, "property", name=name, value=inert.junit(value))
    for c in report.checks:
        case = ET.SubElement(suite, "testcase", classname=section(c.step),
                             name=f"{c.id}: {inert.junit(c.title)}")
        message, hint = inert.junit(c.message), inert.junit(c.hint)
        if c.status == "skip":
            ET.SubElement(case, "skipped", message=message)
        elif c.status in ("fail", "error"):
            detail = ET.SubElement(case, "failure" if c.status == "fail" else "error",
                                   message=message, type=c.status)
            detail.text = f"{message}\nhint: {hint}" if hint else message
        else:
            ET.SubElement(case, "system-out").text = message
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


_SECTIONS = (  # (heading, which results, how the hint is introduced)
    ("What to fix", lambda c: c.status == "fail", "How to fix"),
    ("Could not be checked", lambda c: c.status == "error", "Note"),
    ("Optional", lambda c: c.status == "pass" and c.hint, "Tip"),
    ("Passed", lambda c: c.status == "pass" and not c.hint, ""),
    ("Skipped", lambda c: c.status == "skip", ""),
)


def step_scores(report: Report) -> dict[int, tuple[int, int]]:
    """(points, max points) per tutorial step, counted the way Report counts the whole."""
    scores = {}
    for step in sorted({c.step for c in report.checks}):
        part = replace(report, checks=[c for c in report.checks if c.step == step])
        scores[step] = (part.score, part.max_score)
    return scores


def as_markdown(report: Report) -> str:
    """Feedback a student can read: per tutorial step, what passed, what to fix and how, what was skipped."""
    lines = [f"# Lab grade: {report.score}/{report.max_score} points", "", inert.markdown(summary(report)),
             "", inert.markdown(graded_line(report))]
    scores = step_scores(report)
    for step in scores:
        checks = [c for c in report.checks if c.step == step]
        points, most = scores[step]
        lines += ["", f"## {section(step)} — {points}/{most} points"]
        for heading, belongs, hint_label in _SECTIONS:
            chosen = [c for c in checks if belongs(c)]
            if chosen:
                lines += ["", f"**{heading}**", ""]
            for c in chosen:
                lines.append(f"- **{inert.markdown(c.title)}** — {inert.markdown(c.message)}")
                if hint_label and c.hint:
                    lines.append(f"  - {hint_label}: {inert.markdown(c.hint)}")
    return "\n".join(lines) + "\n"


RENDERERS = {"table": as_table, "json": as_json, "junit": as_junit, "markdown": as_markdown}


def render(report: Report, fmt: str) -> str:
    return RENDERERS[fmt](report)
