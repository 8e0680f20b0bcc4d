"""The grader against labs built by hand in fresh accounts of the emulator: a correct lab scores
full marks (skips explained), and each of the tutorial's Common Mistakes costs exactly its checks."""

import dataclasses
import json

import pytest
from student_lab import CORRECT, build, fresh_account

from pipeline_harness.cli import main
from pipeline_harness.grading.grade import grade
from pipeline_harness.grading.guard import is_read, read_only
from pipeline_harness.settings import Settings
from pipeline_harness.targets import moto

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("whole_lab_served")]



def _student(target):
    """A fresh account per lab, so each lab is alone in it."""
    return fresh_account(target)


@pytest.fixture
def student(target):
    return _student(target)


def _graded(student, lab, **names):
    build(student, lab)
    return grade(Settings(region=student.region, **names), student)


def _failed(report) -> set[str]:
    return {c.id for c in report.checks if c.status in ("fail", "error")}


def test_a_correct_lab_scores_full_marks_with_every_skip_explained(student):
    report = _graded(student, CORRECT)

    assert _failed(report) == set()
    assert report.score == report.max_score > 0
    skipped = {c.id: c.message for c in report.checks if c.status == "skip"}
    gaps = {c.id for c in report.checks if c.id.startswith("connection.")}
    assert gaps <= set(skipped) or not student.gap("codestar-connections")
    assert all(message.startswith("skipped: ") and len(message) > len("skipped: ")
               for message in skipped.values())


# the configuration mistakes (Steps 1-6) are typed with the AWS CLI in test_grading_aws_cli_lab.py,
# and what a pipeline run leaves is played in test_grading_forgeries.py (the emulator runs none);
# here: the names a student mistypes
MUTATIONS = {
    "repository name typo": (dict(repository="my-ecs-php-ap"), {"ecr.repository"},
                             "found `my-ecs-php-ap`, expected `my-ecs-php-app`"),
    # the tutorial's policies grant dev-pipeline-artifacts-*: the roles can't use the misnamed bucket
    "bucket name typo": (dict(bucket="dev-pipeline-artifact-{account}"),
                         {"artifacts.bucket", "iam.pipeline_role.inline-policy",
                          "iam.codebuild_role.inline-policy"}, "found `dev-pipeline-artifact-"),
    "role name typo": (dict(codebuild_role="dev-codebuild-servic-role"), {"iam.codebuild_role"},
                       "found `dev-codebuild-servic-role`, expected `dev-codebuild-service-role`"),
    "project name typo": (dict(project="dev-php-ap-build"), {"codebuild.project"},
                          "found `dev-php-ap-build`, expected `dev-php-app-build`"),
    "project typo, log group as the tutorial names it": (
        dict(project="dev-php-ap-build", log_group="/aws/codebuild/dev-php-app-build"),
        {"codebuild.project"}, "found `dev-php-ap-build`"),
    "pipeline name typo": (dict(pipeline="dev-php-app-pipline"), {"pipeline.exists"},
                           "found `dev-php-app-pipline`, expected `dev-php-app-pipeline`"),
    "pipeline under another name": (dict(pipeline="my-first-pipeline"), {"pipeline.exists"},
                                    "the pipeline with Source CodeStarSourceConnection"),
    "cluster name typo": (dict(cluster="dev-clustr"), {"ecs.service"}, "found `dev-clustr`"),
    # the Deploy stage's Amazon ECS action cannot roll out a blue/green service: it has no PRIMARY
    # deployment, so the rollout and the app resting on it are not the pipeline's either
    "blue/green service": (dict(deployment_controller="CODE_DEPLOY"),
                           {"ecs.service", "ecs.rollout", "app.http"}, "deployment controller CODE_DEPLOY"),
}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=list(MUTATIONS))
def test_a_common_mistake_fails_exactly_its_checks_with_the_hint(student, mutation):
    # given
    changes, expected, said = MUTATIONS[mutation]
    lab = dataclasses.replace(CORRECT, **changes)

    # when
    report = _graded(student, lab)

    # then
    assert _failed(report) == expected
    shown = " ".join(f"{c.message} {c.hint}" for c in report.checks if c.id in expected)
    assert said in shown


def test_name_overrides_in_the_settings_grade_a_renamed_lab_without_a_typo(student):
    # the instructor's per-student override: the pipeline's own name is then expected
    report = _graded(student, dataclasses.replace(CORRECT, pipeline="student-7-pipeline"),
                     pipeline="student-7-pipeline")

    assert _failed(report) == set()


def test_an_empty_account_fails_every_check_it_can_read_without_an_error(student):
    report = grade(Settings(region=student.region), student)

    statuses = {c.status for c in report.checks}
    assert "error" not in statuses and report.score == 0 and not report.ok


def test_every_call_grading_makes_is_a_read(student):
    # given: the guard counts on the target it is handed, so the calls are there to inspect
    build(student, CORRECT)
    guarded = read_only(student)

    # when
    report = grade(Settings(region=student.region), guarded)

    # then
    assert report.ok and guarded.calls
    assert [op for op in guarded.calls if not is_read(op.split(".", 1)[1])] == []


@pytest.fixture
def external_endpoint():
    """A moto server this test starts, reached only through its URL (--endpoint-url semantics)."""
    server = moto.embedded("us-east-1")  # another server of this process, reached by its URL
    yield server.endpoint_url
    server.close()


def test_grade_through_an_endpoint_url_scores_a_correct_lab_and_a_typo(external_endpoint):
    # given: two students on a moto server someone else runs
    target = moto.external("us-east-1", external_endpoint)
    good, typo = _student(target), _student(target)
    build(good, CORRECT)
    build(typo, dataclasses.replace(CORRECT, repository="my-ecs-php-ap"))

    # when
    reports = [grade(Settings(region="us-east-1", endpoint_url=external_endpoint), t)
               for t in (good, typo)]

    # then
    assert [_failed(r) for r in reports] == [set(), {"ecr.repository"}]


def test_cli_grade_on_an_endpoint_url_exits_1_with_the_json_contract(external_endpoint, capsys):
    # when: the default account there holds no lab
    code = main(["grade", "--endpoint-url", external_endpoint, "--format", "json"])

    # then
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert set(report) == {"target", "account", "region", "score", "max_score", "checks", "as_of",
                           "graded_execution", "bonus", "percentage", "student", "graded_at",
                           "harness_version", "diagnosis", "running_images"}  # the contract, and more
    assert {c["step"] for c in report["checks"]} == set(range(8))  # 0: the prerequisites
    assert all(set(c) == {"id", "step", "title", "status", "points", "max_points", "message",
                          "hint", "section", "note"} for c in report["checks"])  # the contract, and more


def test_cli_grade_as_of_before_the_execution_fails_step_7_with_no_execution_before_it(
        student, target, tmp_path, capsys):
    # given: a correct lab whose pipeline ran just now, in a class of one
    build(student, CORRECT)
    accounts = tmp_path / "class.toml"
    role = f"arn:aws:iam::{student.account}:role/grader"
    accounts.write_text(f'[[student]]\nname = "Ada"\nrole_arn = "{role}"\n')

    # when: graded as of a deadline before that run
    code = main(["grade", "--endpoint-url", target.endpoint_url, "--accounts", str(accounts), "--output-dir",
                 str(tmp_path / "out"), "--format", "json", "--as-of", "2026-01-01T00:00:00Z"])

    # then
    capsys.readouterr()
    report = json.loads((tmp_path / "out" / "Ada.json").read_text())
    step_7 = {c["id"]: c for c in report["checks"] if c["step"] == 7}
    assert code == 1 and {c["status"] for c in step_7.values()} == {"fail"}
    assert ("found link `execution` broke: no execution before 2026-01-01 00:00:00 UTC: the newest, "
            in step_7["pipeline.latest-execution"]["message"])
    assert (report["as_of"], report["graded_execution"]) == ("2026-01-01T00:00:00Z", None)
    assert {c["status"] for c in report["checks"] if c["id"].startswith("source.")} == {"skip"}
