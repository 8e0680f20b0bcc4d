"""The class as evidence: shared accounts, commits and running images noted in every row that shares
them, no points taken, and given as data."""

import json

from pipeline_harness.grading import classroom, summaries
from pipeline_harness.grading.classroom import Graded, Student
from pipeline_harness.output.report import GradedExecution, Report
from pipeline_harness.steps.base import CheckResult

COMMIT = "3f2c9a1d0b7e4c21a9f0e8d7c6b5a4f3e2d1c0b9"
DIGEST = "sha256:" + "b9e8" * 16


def _role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/lab-grader"


def _report(account: str, commit: str | None = None, images: tuple[str, ...] = ()) -> Report:
    execution = GradedExecution("e-1", commit, None, None, None) if commit else None
    check = CheckResult("ecr.repository", 1, "ECR repository exists", "pass", 1, 1, "found it")
    return Report("aws", account, "eu-north-1", [check], graded_execution=execution, running_images=images)


def test_two_roster_entries_on_one_account_are_noted_in_both_rows_even_when_neither_was_graded():
    # given: two entries whose role ARNs name one account; neither role could be assumed
    graded = [Graded(Student("Ada", role_arn=_role("111122223333")), error="cannot assume it"),
              Graded(Student("Bob", role_arn=_role("444455556666")), report=_report("444455556666")),
              Graded(Student("Cy", role_arn=_role("111122223333")), error="cannot assume it")]

    # when
    rows = {r["student"]: r for r in summaries.summary_rows(summaries.rows_of(graded))}

    # then
    assert rows["Ada"]["class_notes"] == "same AWS account 111122223333 as Cy"
    assert rows["Cy"]["class_notes"] == "same AWS account 111122223333 as Ada"
    assert rows["Bob"]["class_notes"] == ""


def test_the_same_commit_and_the_same_running_image_are_noted_and_take_no_points():
    graded = [Graded(Student("Ada", profile="a"), report=_report("111111111111", COMMIT, (DIGEST,))),
              Graded(Student("Bob", profile="b"), report=_report("222222222222", COMMIT, (DIGEST,))),
              Graded(Student("Cy", profile="c"), report=_report("333333333333", COMMIT[::-1]))]

    rows = {r["student"]: r for r in summaries.summary_rows(summaries.rows_of(graded))}

    image = f"same running image {DIGEST[:19]}…"
    assert rows["Ada"]["class_notes"] == f"same commit 3f2c9a1 as Bob; {image} as Bob"
    assert rows["Bob"]["class_notes"] == f"same commit 3f2c9a1 as Ada; {image} as Ada"
    assert rows["Cy"]["class_notes"] == ""
    assert rows["Ada"]["score"] == rows["Cy"]["score"] == 1  # noted, no points taken


def test_the_notes_are_data_in_the_class_summary_json(tmp_path):
    graded = [Graded(Student("Ada", role_arn=_role("111122223333")), report=_report("111122223333")),
              Graded(Student("Bob", role_arn=_role("111122223333")), report=_report("111122223333"))]

    classroom.write_summaries(summaries.rows_of(graded), tmp_path)

    notes = json.loads((tmp_path / "class-summary.json").read_text())["notes"]
    assert notes == {
        "Ada": [{"kind": "account", "value": "111122223333", "others": ["Bob"],
                 "says": "same AWS account 111122223333 as Bob"}],
        "Bob": [{"kind": "account", "value": "111122223333", "others": ["Ada"],
                 "says": "same AWS account 111122223333 as Ada"}]}
    assert "same AWS account 111122223333 as Bob" in (tmp_path / "class-summary.md").read_text()
