"""A student's report as a self-contained page (`--format html`, and the pages the class board links
to): whom, where and when it graded and the execution it rests on, the score apart from its
maximum, percentage and bonus, then per tutorial step the sections the Markdown report has — what
to fix and how, what could not be checked, notes, optional items, what passed, what was skipped.

It only arranges the Report; every value is printed through the HTML layer (autoescape and
`inert.html`), so what a student's account put in a title, message, hint, name or execution id is
text on the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_harness.html import render
from pipeline_harness.output.report import (
    FEEDBACK_SECTIONS,
    MARKS,
    CheckResult,
    Report,
    duration,
    kind,
    score_line,
    section,
    step_scores,
    summary,
)


@dataclass(frozen=True)
class Shown:
    """One check as the page shows it."""

    id: str
    kind: str  # pass | fail | skip | error | note: its badge
    mark: str
    title: str
    message: str
    points: str  # "1/1"; "" for a skip (not assessed)
    hint_label: str
    hint: str


@dataclass(frozen=True)
class Group:
    heading: str
    checks: list[Shown]


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    points: int
    most: int
    groups: list[Group]


def _shown(check: CheckResult, hint_label: str) -> Shown:
    points = "" if check.status == "skip" else f"{check.points}/{check.max_points}"
    hint = check.hint if hint_label else ""  # a section without a label shows no hint, as in Markdown
    return Shown(check.id, kind(check), MARKS[kind(check)], check.title, check.message, points,
                 hint_label if hint else "", hint)


def steps(report: Report) -> list[Step]:
    """Per tutorial step, its checks in the Markdown report's sections (empty ones left out)."""
    made = []
    for number, (points, most) in step_scores(report).items():
        checks = [c for c in report.checks if c.step == number]
        groups = [Group(heading, [_shown(c, label) for c in checks if belongs(c)])
                  for heading, belongs, label in FEEDBACK_SECTIONS]
        made.append(Step(number, section(number), points, most, [g for g in groups if g.checks]))
    return made


def facts(report: Report) -> list[tuple[str, str]]:
    """The header: whom, where, when, by what, and the execution the grade rests on."""
    execution = report.graded_execution
    rows = [("Student", report.student or "—"), ("Account", report.account), ("Region", report.region),
            ("Target", report.target), ("Graded at", report.graded_at),
            ("Harness version", f"pipeline-harness {report.harness_version}"),
            ("Graded as of", report.as_of or "—")]
    if execution is None:
        return [*rows, ("Graded execution", "no pipeline execution before the grade's time")]
    age = "—" if execution.age_seconds is None else \
        f"{duration(execution.age_seconds)} before the grade's time"
    return [*rows, ("Graded execution", execution.id), ("Its commit", execution.commit or "—"),
            ("Finished", execution.finished or "at an unknown time"), ("Its age", age)]


def page(report: Report) -> str:
    """The student's report as one HTML page."""
    title = f"{report.student}: lab grade" if report.student else "Lab grade"
    return render("feedback.html.j2", page_title=title, facts=facts(report), report=report,
                  score_line=score_line(report), summary=summary(report), steps=steps(report))
