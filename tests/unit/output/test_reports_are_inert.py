"""Every report format, fed the same hostile strings in every field that can carry an account's or a
file's text: a check's title, message and hint, the target, account and region, a student's name
and reason, a lint finding's path, message and fix, what a wait last saw. Each format must show
them as text — and keep its own structure: the same lines, list items, headings and table cells.
The gradebook files and Gradescope's results.json too: a student's name, id, e-mail, section and
SIS id are a roster's, and a roster is often an LMS's export of what students typed."""

import argparse
import dataclasses
import json
import re

from pipeline_harness.cli import wait
from pipeline_harness.core import inert
from pipeline_harness.grading import classroom, gradebooks, summaries
from pipeline_harness.html import nightly
from pipeline_harness.html.board import class_board
from pipeline_harness.lint import report as lint_report
from pipeline_harness.lint.findings import Finding
from pipeline_harness.lint.lab import MISSING_TAG
from pipeline_harness.output.report import (
    MARKS,
    GradedExecution,
    Report,
    kind,
    render,
    score_line,
    section,
    step_scores,
)
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
from tests.html_pages import loads_nothing, parsed

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
                  graded_execution=execution, student=fields, diagnosis=fields,
                  running_images=(fields,))


def _in_table_order(report: Report) -> list[CheckResult]:
    return sorted(report.checks, key=lambda c: c.step)  # sorted() keeps the order within a step


def test_the_table_has_one_line_per_check_hint_and_section_and_no_escape_from_any_field():
    report = _report()

    text = render(report, "table")

    no_control_characters(text)
    assert "\t" not in text
    lines = text.split("\n")[:-1]
    hints = [c for c in report.checks if c.hint and c.status != "skip"]
    # whom and when, the diagnosis, a line per section, check and hint, the summary and the graded
    # execution
    assert len(lines) == 2 + len(step_scores(report)) + len(report.checks) + len(hints) + 2
    assert lines[-1].startswith("graded as of 2026-11-02T12:00:00Z: execution ")
    marked = [line.split()[:2] for line in lines if re.match(r"  (PASS|FAIL|SKIP|ERROR|NOTE) ", line)]
    assert marked == [[MARKS[kind(c)], c.id] for c in _in_table_order(report)]
    assert f"{TYPOGRAPHY} — {TYPOGRAPHY}" in text


def test_markdown_renders_only_our_headings_lists_and_code_whatever_each_field_holds():
    report = _report()

    text = render(report, "markdown")

    scores = step_scores(report)
    hinted = [c for c in report.checks if c.hint and c.status in ("fail", "error", "pass")]
    html = markdown_is_ours(
        text, h1=[f"Lab grade: {score_line(report)}"],
        h2=[f"{section(step)} — {points}/{most} points" for step, (points, most) in scores.items()],
        items=len(report.checks) + len(hinted))
    assert "\t" not in text
    for rendered in html.values():
        assert TYPOGRAPHY in rendered


def test_markdown_shows_a_quoted_hostile_value_whole_in_one_code_element():
    value = "x` <img src=x onerror=alert(1)> `y"
    report = Report("moto", "1", "us-east-1", [
        CheckResult("pipeline.source", 6, "Source", "fail", 0, 1, f"found BranchName {inert.code(value)}")])

    html = markdown_is_ours(render(report, "markdown"), h1=["Lab grade: 0/1 points (0 %)"],
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
    assert root.find("testsuite").get("name").startswith(f"{inert.junit(COMBINED)}: account ")
    assert cases[-1].find("failure").text == f"{TYPOGRAPHY}\nhint: {TYPOGRAPHY}"


def test_json_escapes_every_field_and_reads_back_exactly_as_the_account_held_it():
    report = _report()

    data = json_reads_back(render(report, "json"))

    assert (data["target"], data["account"], data["region"]) == (COMBINED, COMBINED, COMBINED)
    assert (data["student"], data["diagnosis"], data["running_images"]) == (COMBINED, COMBINED, [COMBINED])
    assert [(c["title"], c["hint"]) for c in data["checks"]] == [(c.title, c.hint) for c in report.checks]
    assert [c["message"] for c in data["checks"]] == [c.message for c in report.checks]
    assert set(data["checks"][0]) == {"id", "step", "title", "status", "points", "max_points",
                                      "message", "hint", "section", "note"}
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

    rows = csv_cells_are_text(summaries.as_csv(summaries.rows_of(graded)))

    header, *students = rows
    assert len(students) == len(graded) and {len(row) for row in rows} == {len(header)}
    assert [row[header.index("status")] for row in students] == ["error"] * len(graded)
    formula = HOSTILE.index("@SUM(1)")
    assert students[2 * formula + 1][header.index("reason")] == "'@SUM(1)"  # the error row's


def test_the_class_summary_markdown_is_one_table_row_per_student_whatever_they_hold():
    graded = _class()

    text = summaries.as_markdown(summaries.rows_of(graded))

    # Student, Account, Region, Status, Score, a column per section, Notes
    markdown_is_ours(text, h1=["Class summary"], h2=[], columns=5 + len(TITLES) + 1,
                     rows=len(graded) + 1)


def test_the_class_summary_json_reads_back_every_row_as_the_account_and_roster_held_it():
    graded = _class()

    data = json_reads_back(summaries.as_json(summaries.rows_of(graded)))

    assert [row["student"] for row in data["students"]] == [g.student.name for g in graded]
    assert [row["account"] for row in data["students"]] == [g.report.account if g.report else ""
                                                             for g in graded]


def test_gradescope_results_are_json_with_markdown_outputs_that_render_only_our_elements():
    report = _report()

    data = json_reads_back(render(report, "gradescope"))

    assert data["extra_data"]["student"] == COMBINED and data["extra_data"]["account"] == COMBINED
    markdown_is_ours(data["output"], h1=[], h2=[], items=0)
    for test in data["tests"]:
        no_control_characters(test["name"])
        markdown_is_ours(test["output"], h1=[], h2=[], items=0)
    assert [t["name"].split(":")[0].split(" ")[0] for t in data["tests"]] == [
        c.id for c in _in_table_order(report)]


def _roster() -> list[classroom.Student]:
    """A student per hostile string in every gradebook field (the e-mail as a roster would accept
    it: one @ and a dotted domain around the hostile text)."""
    return [classroom.Student(f"{i}{text}", profile="p", id=text, email=f"{text}@evil.example",
                              section=text, sis_id=text) for i, text in enumerate(HOSTILE)]


def _rows(students) -> dict[str, summaries.Row]:
    return {s.name: summaries.Row(s.name, "pass", "", s.id or "", s.section or "", 1, 2)
            for s in students}


def test_the_canvas_gradebook_reads_back_as_text_with_its_columns_whatever_the_roster_holds():
    students = _roster()

    header, possible, *rows = csv_cells_are_text(gradebooks.canvas(students, _rows(students), COMBINED))

    assert header[:5] == list(gradebooks.CANVAS_COLUMNS) and len(header) == 6
    assert possible == ["Points Possible", "", "", "", "", "2"]
    assert len(rows) == len(students) and {len(row) for row in rows} == {6}
    formula = HOSTILE.index("@SUM(1)")
    assert rows[formula][1] == "'@SUM(1)"  # the ID cell


def test_the_moodle_gradebook_reads_back_as_text_one_row_per_student_whatever_the_roster_holds():
    students = _roster()

    header, *rows = csv_cells_are_text(gradebooks.moodle(students, _rows(students), COMBINED))

    assert header[0] == "Email address" and len(header) == 2
    assert len(rows) == len(students) and {row[1] for row in rows} == {"1"}


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


# --- HTML: a student's report page, the class board and the nightly page ---------------------------

def _every_field(report: Report, text: str) -> Report:
    """`report` with `text` in every field the page prints, ours (the times, the version) too."""
    return dataclasses.replace(report, as_of=text, graded_at=text, harness_version=text)


def _plain(report: Report) -> Report:
    """The same report with every text field plain: the same checks, statuses, points and hints."""
    checks = [dataclasses.replace(c, title=f"title {i}", message=f"message {i}",
                                  hint=f"hint {i}" if c.hint else "")
              for i, c in enumerate(report.checks)]
    execution = GradedExecution("plain", "plain", "plain", "plain", 3600)
    return _every_field(dataclasses.replace(
        report, target="plain", account="plain", region="plain", checks=checks, graded_execution=execution,
        student="plain", diagnosis="plain", running_images=("plain",)), "plain")


def test_a_report_page_shows_every_hostile_field_as_text_with_the_shape_of_a_plain_one():
    report = _every_field(_report(), COMBINED)

    page = loads_nothing(render(report, "html"))

    # the same elements and attributes, in the same order, as the plain report's page
    assert page.shape == parsed(render(_plain(report), "html")).shape
    assert sorted(page.values("data-check")) == sorted(c.id for c in report.checks)  # each check once
    for c in report.checks:
        assert inert.html(c.title) in page.text and inert.html(c.message) in page.text
    # the student, account, region, target, times, version, execution and diagnosis: text
    assert page.text.count(inert.html(COMBINED)) >= 12
    assert f"{TYPOGRAPHY} — {TYPOGRAPHY}" in page.text


def test_the_class_board_shows_every_hostile_field_as_text_with_the_shape_of_a_plain_one():
    graded = _class()
    plain = [classroom.Graded(classroom.Student(f"plain {i}", profile="p"),
                              report=Report("moto", "1", "r", g.report.checks) if g.report else None,
                              error="" if g.report else "plain")
             for i, g in enumerate(graded)]

    def board(of):
        rows = summaries.summary_rows(summaries.rows_of(of))
        return class_board(rows, failures={r.student: r.failures for r in summaries.rows_of(of)},
                           report_files={g.student.name: f"{g.student.slug}.md" for g in of},
                           notes=[g.student.name for g in of])

    page = loads_nothing(board(graded))

    assert page.shape == parsed(board(plain)).shape
    assert [inert.html(g.student.name) for g in graded] == page.values("data-student")


def _run(text: str, long: str) -> dict:
    """A run report whose every text field holds `text` (within the report's limits) or `long`."""
    timed = {"state": "failed", "at": 1.0, "seconds": 2.0, "attempts": 3, "last_seen": long}
    return {"run_id": text, "region": text[:64], "pipeline_type": text[:16], "branch": text,
            "account": text[:64], "outcome": "failed", "commit": text[:64], "execution_id": text,
            "build_number": text[:32],
            "image": {"uri": long, "platforms": [text, long]},
            "phases": [{**timed, "name": text}], "waits": [{**timed, "name": f"{text}!"}],
            "stages": {text: {"seconds": 400.0, "outlier": text}},
            "failure": {"where": text, "error": text, "message": long,
                        "diagnosis": {"common_issue": long, "hints": [long, text]}},
            "teardown": {"errors": [long]},
            "usage": {"window_seconds": 3.0, "estimate_usd": {text: 0.5, "total": 0.5, "unpriced": [text]},
                      "prices": {"note": long}}}


def test_the_nightly_page_shows_every_hostile_field_of_a_run_report_as_text(tmp_path):
    shown = [h for h in HOSTILE if len(h) < 100]
    files = []
    for i, text in enumerate(shown):
        (tmp_path / f"{i}.json").write_text(json.dumps(_run(f"{text} {i}", COMBINED)))
        files.append(tmp_path / f"{i}.json")
        (tmp_path / f"plain-{i}.json").write_text(json.dumps(_run(f"plain {i}", "plain")))

    page = loads_nothing(nightly.page(nightly.load_all(files)))  # read back through the schema

    plains = [tmp_path / f"plain-{i}.json" for i in range(len(files))]
    plain = parsed(nightly.page(nightly.load_all(plains)))
    assert page.shape == plain.shape
    assert page.values("data-where") == [inert.html(f"{text} {i}") for i, text in enumerate(shown)][::-1]
