"""A student who attacks the teacher through the free text of their own lab. The lab is built by hand
(student_lab); then, through the API as the student would, the pipeline's Source action gets a
hostile BranchName and FullRepositoryId, the CodeBuild project is made again with a hostile image
and environment variable values, and the artifact zip in their own bucket is overwritten with the
buildspec under a hostile folder name. Graded, every report format shows that text as text, and
the JSON report still carries it whole."""

import pipeline_run
import pytest
from student_lab import CORRECT, ROOT, SAMPLE_APP, build

from pipeline_harness.core import inert
from pipeline_harness.grading import classroom, summaries
from pipeline_harness.grading.grade import grade
from pipeline_harness.grading.guard import read_only
from pipeline_harness.output.report import render, score_line, section, step_scores
from pipeline_harness.settings import Settings
from pipeline_harness.steps import TITLES
from tests.hostile_text import (
    COMBINED,
    csv_cells_are_text,
    json_reads_back,
    junit_parses,
    markdown_is_ours,
    no_control_characters,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("whole_lab_served")]

# a zip entry's name can hold anything but NUL (zipfile ends a name there) and lone surrogates
ZIP_FOLDER = "".join(c for c in COMBINED if c != "\x00" and not "\ud800" <= c <= "\udfff")


def _sets_hostile_fields(student) -> None:
    """What the student types into their own account, through the API."""
    pipelines = student.client("codepipeline")
    pipeline = pipelines.get_pipeline(name=CORRECT.pipeline)["pipeline"]
    source = pipeline["stages"][0]["actions"][0]["configuration"]
    source.update(FullRepositoryId=COMBINED, BranchName=COMBINED)
    pipelines.update_pipeline(pipeline=pipeline)

    builds = student.client("codebuild")
    project = builds.batch_get_projects(names=[CORRECT.project])["projects"][0]
    environment = {**project["environment"], "image": COMBINED, "environmentVariables": [
        {**variable, "value": COMBINED} for variable in project["environment"]["environmentVariables"]]}
    builds.delete_project(name=CORRECT.project)
    builds.create_project(name=CORRECT.project, source=project["source"], artifacts=project["artifacts"],
                          environment=environment, serviceRole=project["serviceRole"],
                          logsConfig=project["logsConfig"])

    files = {path: (ROOT / path).read_text() for path in SAMPLE_APP}
    files[f"{ZIP_FOLDER}/buildspec.yml"] = (ROOT / "buildspec.yml").read_text()
    s3, bucket = student.client("s3"), CORRECT.bucket.format(account=student.account)
    prefix = pipeline_run.artifact_key(CORRECT.pipeline, "SourceArtifact").rsplit("/", 1)[0]
    (artifact,) = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/")["Contents"]
    s3.put_object(Bucket=bucket, Key=artifact["Key"], Body=pipeline_run.zipped(files))  # overwritten


@pytest.fixture
def hostile_report(new_account):
    student = new_account()
    build(student, CORRECT)
    _sets_hostile_fields(student)
    return grade(Settings(region=student.region), read_only(student))


def test_hostile_fields_set_through_the_api_are_inert_in_every_format(hostile_report):
    report = hostile_report
    by_id = {c.id: c for c in report.checks}
    # the hostile text did reach the grade: each field costs its check, quoting it
    assert {"pipeline.source", "codebuild.image", "codebuild.environment-variables",
            "source.buildspec"} <= {c.id for c in report.checks if c.status == "fail"}

    table, junit = render(report, "table"), render(report, "junit")
    markdown, data = render(report, "markdown"), json_reads_back(render(report, "json"))

    no_control_characters(table)
    # whom and when, a line per section, check and hint, then the summary and the graded execution
    assert len(table.split("\n")[:-1]) == 1 + len(step_scores(report)) + len(report.checks) + sum(
        1 for c in report.checks if c.hint and c.status != "skip") + 2
    assert len(junit_parses(junit).findall(".//testcase")) == len(report.checks)
    hinted = sum(1 for c in report.checks if c.hint and c.status in ("fail", "error", "pass"))
    markdown_is_ours(markdown, h1=[f"Lab grade: {score_line(report)}"],
                     h2=[f"{section(step)} — {points}/{most} points"
                         for step, (points, most) in step_scores(report).items()],
                     items=len(report.checks) + hinted)
    messages = {c["id"]: c["message"] for c in data["checks"]}
    assert COMBINED in messages["pipeline.source"]  # quoted as it was typed
    assert messages["codebuild.image"].endswith(f"found {inert.code(COMBINED)}")  # as one code span
    assert messages["source.buildspec"] == by_id["source.buildspec"].message


def test_a_class_summary_of_the_hostile_student_is_inert_too(hostile_report):
    graded = [classroom.Graded(classroom.Student("Mallory", profile="m"), report=hostile_report),
              classroom.Graded(classroom.Student(COMBINED, profile="n"), error=COMBINED)]

    rows = csv_cells_are_text(summaries.as_csv(summaries.rows_of(graded)))
    assert len(rows) == len(graded) + 1
    markdown_is_ours(summaries.as_markdown(summaries.rows_of(graded)), h1=["Class summary"], h2=[],
                     columns=5 + len(TITLES) + 1, rows=len(graded) + 1)
