"""Every report format, fed the same hostile strings in every field that can carry an account's or a
file's text: a check's title, message and hint, the target, account and region, a student's name
and reason, a lint finding's path, message and fix, what a wait last saw. Each format must show
them as text — and keep its own structure: the same lines, list items, headings and table cells."""

import argparse
import re

from pipeline_harness import inert
from pipeline_harness.cli import wait
from pipeline_harness.grading import classroom
from pipeline_harness.lint import report as lint_report
from pipeline_harness.lint.findings import Finding
from pipeline_harness.lint.lab import MISSING_TAG
from pipeline_harness.report import MARKS, GradedExecution, Report, render, section, step_scores
from pipeline_harness.steps import TITLES
from pipeline_harness.steps.base import CheckResult
from tests.hostile_text import (
    COMBINED,
    HOSTILE,
    TYPOGRAPHY,
    csv_cells_are_text,
    json_reads_back,
    junit_parses,
    markdown_is_ours,
    no_control_characters,
)

STATUSES = ("pass", "fail", "skip", "error")


def _report(fields: str = COMBINED) -> Report:
    """One check per hostile string, in its title, hint and message (quoted by us and not)."""
    checks = [CheckResult(f"hostile.{i}", i % 8, text, STATUSES[i % 4], 0, 1,
                          f"expected {inert.code(text)}, found {text}", text)
              for i, text in enumerate(HOSTILE)]
    typography = CheckResult("typography.kept", 3, TYPOGRAPHY, "fail", 0, 1, TYPOGRAPHY, TYPOGRAPHY)
    # the graded execution's id and commit are the account's too (ListPipelineExecutions)
    execution = GradedExecution(fields, fields, fields, fields, 3600)
    return Report(fields, fields, fields, [*checks, typography], as_of="2026-11-02T12:00:00Z",
                  graded_execution=execution)


def _in_table_order(report: Report) -> list[CheckResult]:
    return sorted(report.checks, key=lambda c: c.step)  # sorted() keeps the order within a step


def test_the_table_has_one_line_per_check_hint_and_section_and_no_escape_from_any_field():
    report = _report()

    text = render(report, "table")

    no_control_characters(text)
    assert "\t" not in text
    lines = text.split("\n")[:-1]
    hints = [c for c in report.checks if c.hint and c.status != "skip"]
    # a line per section, check and hint, the summary and the graded execution
    assert len(lines) == len(step_scores(report)) + len(report.checks) + len(hints) + 2
    assert lines[-1].startswith("graded as of 2026-11-02T12:00:00Z: execution ")
    marked = [line.split()[:2] for line in lines if re.match(r"  (PASS|FAIL|SKIP|ERROR) ", line)]
    assert marked == [[MARKS[c.status], c.id] for c in _in_table_order(report)]
    assert f"{TYPOGRAPHY} — {TYPOGRAPHY}" in text


def test_markdown_renders_only_our_headings_lists_and_code_whatever_each_field_holds():
    report = _report()

    text = render(report, "markdown")

    scores = step_scores(report)
    hinted = [c for c in report.checks if c.hint and c.status in ("fail", "error", "pass")]
    html = markdown_is_ours(
        text, h1=[f"Lab grade: {report.score}/{report.max_score} points"],
        h2=[f"{section(step)} — {points}/{most} points" for step, (points, most) in scores.items()],
        items=len(report.checks) + len(hinted))
    assert "\t" not in text
    for rendered in html.values():
        assert TYPOGRAPHY in rendered


def test_markdown_shows_a_quoted_hostile_value_whole_in_one_code_element():
    value = "x` <img src=x onerror=alert(1)> `y"
    report = Report("moto", "1", "us-east-1", [
        CheckResult("pipeline.source", 6, "Source", "fail", 0, 1, f"found BranchName {inert.code(value)}")])

    html = markdown_is_ours(render(report, "markdown"), h1=["Lab grade: 0/1 points"],
                            h2=["Step 6: Create CodePipeline — 0/1 points"], items=1)

    for rendered in html.values():
        assert "found BranchName <code>x` &lt;img src=x onerror=alert(1)&gt; `y</code>" in rendered


def test_junit_parses_with_one_testcase_per_check_whatever_each_field_holds():
    report = _report()

    root = junit_parses(render(report, "junit"))

    cases = root.findall(".//testcase")
    assert [case.get("name").split(":")[0] for case in cases] == [c.id for c in report.checks]
    outcome = {"fail": "failure", "error": "error", "skip": "skipped", "pass": "system-out"}
    assert [[child.tag for child in case] for case in cases] == [[outcome[c.status]]
                                                                 for c in report.checks]
    assert root.find("testsuite").get("name").startswith("account ")
    assert cases[-1].find("failure").text == f"{TYPOGRAPHY}\nhint: {TYPOGRAPHY}"


def test_json_escapes_every_field_and_reads_back_exactly_as_the_account_held_it():
    report = _report()

    data = json_reads_back(render(report, "json"))

    assert (data["target"], data["account"], data["region"]) == (COMBINED, COMBINED, COMBINED)
    assert [(c["title"], c["hint"]) for c in data["checks"]] == [(c.title, c.hint) for c in report.checks]
    assert [c["message"] for c in data["checks"]] == [c.message for c in report.checks]
    assert set(data["checks"][0]) == {"id", "step", "title", "status", "points", "max_points",
                                      "message", "hint", "section"}
    assert data["graded_execution"] == {"id": COMBINED, "commit": COMBINED, "started": COMBINED,
                                        "finished": COMBINED, "age_seconds": 3600}


def _class() -> list[classroom.Graded]:
    """A student per hostile string: graded (with an unreadable check, so the reason quotes it),
    or not gradable at all (the reason is the error)."""
    graded = []
    for i, text in enumerate(HOSTILE):
        unreadable = CheckResult("x.read", 1, text, "error", 0, 1, f"could not read: {text}", text)
        report = Report(text, text, text, [unreadable])
        graded.append(classroom.Graded(classroom.Student(f"{text}{i}", profile="p"), report=report))
        graded.append(classroom.Graded(classroom.Student(f"{i}{text}", profile="p"), error=text))
    return graded


def test_the_class_summary_csv_reads_back_as_text_one_row_per_student():
    graded = _class()

    rows = csv_cells_are_text(classroom.as_csv(graded))

    header, *students = rows
    assert len(students) == len(graded) and {len(row) for row in rows} == {len(header)}
    assert [row[header.index("status")] for row in students] == ["error"] * len(graded)
    formula = HOSTILE.index("@SUM(1)")
    assert students[2 * formula + 1][header.index("reason")] == "'@SUM(1)"  # the error row's


def test_the_class_summary_markdown_is_one_table_row_per_student_whatever_they_hold():
    graded = _class()

    text = classroom.as_markdown(graded)

    # Student, Account, Status, Score, a column per section, Notes
    markdown_is_ours(text, h1=["Class summary"], h2=[], columns=4 + len(TITLES) + 1,
                     rows=len(graded) + 1)


def _findings() -> tuple[list[str], list[Finding]]:
    paths = [f"{i}/{text}" for i, text in enumerate(HOSTILE)]
    return paths, [MISSING_TAG.at(path, i + 1, text, text) for i, (path, text)
                   in enumerate(zip(paths, HOSTILE, strict=True))]


def test_lint_table_json_junit_and_markdown_show_hostile_paths_messages_and_fixes_as_text():
    paths, findings = _findings()

    table = lint_report.render("table", paths, findings)
    data = json_reads_back(lint_report.render("json", paths, findings))
    root = junit_parses(lint_report.render("junit", paths, findings))
    markdown = lint_report.render("markdown", paths, findings)

    no_control_characters(table)
    assert len(table.split("\n")[:-1]) == 2 * len(findings) + 1
    assert [f["message"] for f in data["findings"]] == list(HOSTILE) and data["paths"] == paths
    assert len(root.findall(".//failure")) == len(findings)
    markdown_is_ours(markdown, h1=[f"Lint: {len(findings)} finding(s)"],
                     h2=[inert.terminal(path) for path in paths], columns=4, rows=2 * len(paths))


def test_what_a_wait_last_saw_is_one_line_per_key_in_the_table_and_escaped_in_json(capsys):
    report = {"wait": "pipeline", "state": "failure", "attempts": 3, "elapsed_seconds": 1.0,
              "last_seen": COMBINED, "message": HOSTILE[-1], "scans": list(HOSTILE),
              "stage_durations": {text: 1.0 for text in HOSTILE[:10]}}

    wait._write(argparse.Namespace(format="table", output=None), report)
    table = capsys.readouterr().out
    wait._write(argparse.Namespace(format="json", output=None), report)
    data = json_reads_back(capsys.readouterr().out)

    no_control_characters(table)
    assert [line.split(" ", 1)[0] for line in table.split("\n")[:-1]] == list(report)
    assert data == report
