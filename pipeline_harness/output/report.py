"""Check results → the report a person reads (table, Markdown, a self-contained HTML page) or a tool
reads (JSON, the DESIGN contract; JUnit; Gradescope's autograder results.json).

Every field that can carry an account's or a file's text — titles, messages, hints, the student's
name, the target, account and region — goes through the format's function in `inert` (JSON escapes
by itself).

Scores: `score` is what was earned without the bonus, never above `max_score`; the optional items'
bonus points are `bonus`, apart. A check worth no points that did not pass (`source.lint`'s hints)
is a note: it keeps its status (`fail`, the JSON contract's) but is counted, shown and exited on as
a note, never as a failure.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, field, replace

from pipeline_harness.core import inert
from pipeline_harness.core.stamps import harness_version, now
from pipeline_harness.steps import TITLES
from pipeline_harness.steps.base import CheckResult

MARKS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "error": "ERROR", "note": "NOTE"}


def is_note(check: CheckResult) -> bool:
    """A finding worth no points that did not pass: a hint to fix at no cost, shown as a note."""
    return check.status == "fail" and check.max_points == 0


# a check failed or not read, as a class keeps it: (check id, tutorial step, fail | error)
Failure = tuple[str, int, str]
FAILED = ("fail", "error")


def failures(report: Report) -> tuple[Failure, ...]:
    """The checks the student failed or whose reads failed; a note (no points at stake) is not one."""
    return tuple((c.id, c.step, c.status) for c in report.checks if c.status in FAILED and not is_note(c))


def kind(check: CheckResult) -> str:
    """How the check is counted and shown: its status, or `note`."""
    return "note" if is_note(check) else check.status


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
    student: str = ""  # whom it grades: the roster's name, or --student; "" when not given
    graded_at: str = field(default_factory=now)  # when it was made (ISO 8601, UTC)
    harness_version: str = field(default_factory=harness_version)
    diagnosis: str = ""  # one finding that explains many failures (the lab in another region)
    # the image digests the service's running tasks run (the chain of evidence's `tasks` link)
    running_images: tuple[str, ...] = ()

    @property
    def score(self) -> int:
        """Points earned, the bonus apart: never more than max_score."""
        return sum(min(c.points, c.max_points) for c in self.checks if c.status != "skip")

    @property
    def bonus(self) -> int:
        """Points earned beyond a check's maximum: the optional items the tutorial names."""
        return sum(max(0, c.points - c.max_points) for c in self.checks)

    @property
    def max_score(self) -> int:
        """Points that could be earned: a skipped check was not assessed, so it counts in neither."""
        return sum(c.max_points for c in self.checks if c.status != "skip")

    @property
    def percentage(self) -> float | None:
        """score of max_score, in percent to one decimal (None: nothing could be earned)."""
        return round(100 * self.score / self.max_score, 1) if self.max_score else None

    @property
    def counts(self) -> Counter:
        return Counter(kind(c) for c in self.checks)

    @property
    def ok(self) -> bool:
        return not (self.counts["fail"] or self.counts["error"])

    def as_dict(self) -> dict:
        execution = self.graded_execution
        return {"target": self.target, "account": self.account, "region": self.region,
                "score": self.score, "max_score": self.max_score, "bonus": self.bonus,
                "percentage": self.percentage,
                "checks": [{**asdict(c), "section": section(c.step), "note": is_note(c)}
                           for c in self.checks],
                "as_of": self.as_of, "graded_execution": execution.as_dict() if execution else None,
                "student": self.student, "graded_at": self.graded_at,
                "harness_version": self.harness_version, "diagnosis": self.diagnosis,
                "running_images": list(self.running_images)}


def score_line(report: Report) -> str:
    """`33/34 points (97.1 %), +1 bonus point` — the score, its maximum, percentage and bonus apart."""
    share = "" if report.percentage is None else f" ({report.percentage:g} %)"
    bonus = f", +{report.bonus} bonus point{'s' if report.bonus > 1 else ''}" if report.bonus else ""
    return f"{report.score}/{report.max_score} points{share}{bonus}"


def summary(report: Report) -> str:
    counts = report.counts
    notes = f", {counts['note']} note{'s' if counts['note'] > 1 else ''}" if counts["note"] else ""
    return (f"{score_line(report)} — {counts['pass']} passed, "
            f"{counts['fail']} failed, {counts['error']} errors, {counts['skip']} skipped{notes} "
            f"({report.target}, account {report.account}, {report.region})")


def graded_by(report: Report) -> str:
    """Whom, where and when: the student, the account and region, the time graded, the harness."""
    who = f"{report.student}: " if report.student else ""
    return (f"{who}account {report.account}, region {report.region}, graded {report.graded_at} by "
            f"pipeline-harness {report.harness_version}")


def graded_line(report: Report) -> str:
    """Which execution the grade rests on, and when it was graded."""
    when = f"graded as of {report.as_of}" if report.as_of else "graded"
    if report.graded_execution is None:
        return f"{when}: no pipeline execution before it to grade"
    return f"{when}: {report.graded_execution}"


def as_table(report: Report) -> str:
    lines = [inert.terminal(graded_by(report))]
    if report.diagnosis:
        lines.append(inert.terminal(report.diagnosis))
    width = max((len(c.id) for c in report.checks), default=10)
    for step in sorted({c.step for c in report.checks}):
        lines.append(section(step))
        for c in (c for c in report.checks if c.step == step):
            lines.append(f"  {MARKS[kind(c)]:<5} {c.id:<{width}}  {inert.terminal(c.title)} — "
                         f"{inert.terminal(c.message)}")
            if c.hint and c.status != "skip":
                label = "tip" if c.status == "pass" or is_note(c) else "hint"
                lines.append(f"  {'':<5} {'':<{width}}  {label}: {inert.terminal(c.hint)}")
    lines.append(inert.terminal(summary(report)))
    lines.append(inert.terminal(graded_line(report)))
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2) + "\n"


def as_junit(report: Report) -> str:
    """One testcase per check, grouped by tutorial step, for CI (a note is a passing testcase that
    says so)."""
    counts = report.counts
    totals: dict[str, str] = {"tests": str(len(report.checks)), "failures": str(counts["fail"]),
              "errors": str(counts["error"]), "skipped": str(counts["skip"])}
    suites = ET.Element("testsuites", {"name": "pipeline-harness", **totals})
    who = f"{report.student}: " if report.student else ""
    suite = ET.SubElement(suites, "testsuite", {
        "name": inert.junit(f"{who}account {report.account} ({report.target}, {report.region})"),
        "timestamp": inert.junit(report.graded_at), **totals})
    properties = ET.SubElement(suite, "properties")
    execution = report.graded_execution.as_dict() if report.graded_execution else {}
    for name, value in (("student", report.student), ("score", report.score),
                        ("max_score", report.max_score), ("bonus", report.bonus),
                        ("percentage", report.percentage), ("as_of", report.as_of),
                        ("graded_at", report.graded_at), ("harness_version", report.harness_version),
                        ("diagnosis", report.diagnosis),
                        *((f"graded_execution_{k}", v) for k, v in execution.items())):
        if value not in (None, ""):
            ET.SubElement(properties, "property", name=name, value=inert.junit(value))
    for c in report.checks:
        case = ET.SubElement(suite, "testcase", classname=section(c.step),
                             name=f"{c.id}: {inert.junit(c.title)}")
        message, hint = inert.junit(c.message), inert.junit(c.hint)
        if is_note(c):
            ET.SubElement(case, "system-out").text = f"note: {message}\nhint: {hint}" if hint else \
                f"note: {message}"
        elif c.status == "skip":
            ET.SubElement(case, "skipped", message=message)
        elif c.status in ("fail", "error"):
            detail = ET.SubElement(case, "failure" if c.status == "fail" else "error",
                                   message=message, type=c.status)
            detail.text = f"{message}\nhint: {hint}" if hint else message
        else:
            ET.SubElement(case, "system-out").text = message
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


# a step's checks as feedback shows them (Markdown, the HTML page): (heading, which results, how
# the hint is introduced)
FEEDBACK_SECTIONS = (
    ("What to fix", lambda c: c.status == "fail" and not is_note(c), "How to fix"),
    ("Notes (no points)", is_note, "Hint"),
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
    lines = [f"# Lab grade: {score_line(report)}", "", inert.markdown(graded_by(report)), "",
             inert.markdown(summary(report)), "", inert.markdown(graded_line(report))]
    if report.diagnosis:
        lines += ["", f"**{inert.markdown(report.diagnosis)}**"]
    scores = step_scores(report)
    for step in scores:
        checks = [c for c in report.checks if c.step == step]
        points, most = scores[step]
        lines += ["", f"## {section(step)} — {points}/{most} points"]
        for heading, belongs, hint_label in FEEDBACK_SECTIONS:
            chosen = [c for c in checks if belongs(c)]
            if chosen:
                lines += ["", f"**{heading}**", ""]
            for c in chosen:
                lines.append(f"- **{inert.markdown(c.title)}** — {inert.markdown(c.message)}")
                if hint_label and c.hint:
                    lines.append(f"  - {hint_label}: {inert.markdown(c.hint)}")
    return "\n".join(lines) + "\n"


# Gradescope's autograder results.json ("Autograder Specifications", gradescope-autograders.readthedocs.io
# /en/latest/specs/): a test's status is passed or failed; one without a score is informational
GRADESCOPE_STATUS = {"pass": "passed", "fail": "failed", "error": "failed"}


def _gradescope_test(number: str, c: CheckResult) -> dict:
    output = inert.markdown(c.message)
    if c.hint and c.status != "skip":
        label = "Tip" if c.status == "pass" else "Hint" if is_note(c) else "How to fix"
        output += f"\n\n{label}: {inert.markdown(c.hint)}"
    test: dict = {"number": number, "name": inert.terminal(f"{c.id}: {c.title}"), "name_format": "text",
                  "output": output, "output_format": "md", "visibility": "visible",
                  "tags": [inert.terminal(section(c.step))]}
    if c.status == "skip":  # not assessed: no score, no status (informational)
        test["name"] = inert.terminal(f"{c.id} (skipped): {c.title}")
    elif c.max_points == 0:  # a note, or an optional item: no points at stake, informational
        test["name"] = inert.terminal(f"{c.id} ({'note' if is_note(c) else 'optional'}): {c.title}")
        if not is_note(c) and c.points:
            test["status"] = "passed"
    else:
        test.update(score=float(min(c.points, c.max_points)), max_score=float(c.max_points),
                    status=GRADESCOPE_STATUS[c.status])
    return test


def as_gradescope(report: Report) -> str:
    """Gradescope's autograder results.json: the score (the bonus apart, in extra_data), one test per
    check with its points, status and Markdown output; skips and notes are informational tests."""
    numbered: Counter = Counter()
    tests = []
    for c in sorted(report.checks, key=lambda c: c.step):
        numbered[c.step] += 1
        tests.append(_gradescope_test(f"{c.step}.{numbered[c.step]}", c))
    output = [inert.markdown(graded_by(report)), inert.markdown(summary(report)),
              inert.markdown(graded_line(report))]
    if report.diagnosis:
        output.append(f"**{inert.markdown(report.diagnosis)}**")
    execution = report.graded_execution
    extra = {"student": report.student, "account": report.account, "region": report.region,
             "target": report.target, "max_score": report.max_score, "bonus": report.bonus,
             "percentage": report.percentage,
             "as_of": report.as_of, "graded_at": report.graded_at,
             "harness_version": report.harness_version,
             "graded_execution": execution.as_dict() if execution else None}
    # the specification has no top-level maximum: the tests' max_score add up to it (extra_data too)
    results = {"score": float(report.score), "output": "\n\n".join(output), "output_format": "md",
               "visibility": "visible", "extra_data": extra, "tests": tests}
    return json.dumps(results, indent=2) + "\n"


def as_html(report: Report) -> str:
    """Feedback a student can read in a browser: the Markdown's sections, as a self-contained page."""
    # imported here: the HTML layer's pages import this module (Report, section, the scores)
    from pipeline_harness.html import feedback

    return feedback.page(report)


RENDERERS = {"table": as_table, "json": as_json, "junit": as_junit, "markdown": as_markdown,
             "gradescope": as_gradescope, "html": as_html}


def render(report: Report, fmt: str) -> str:
    return RENDERERS[fmt](report)
