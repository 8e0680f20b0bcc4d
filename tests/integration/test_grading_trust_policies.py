"""Step 4's trust checks judge whether the service may assume the role, not whether the trust policy
names it. A student who writes trust policies that name the service but admit nobody loses exactly
the trust points; the confused-deputy conditions AWS recommends, a list of services and session tags
keep full marks.

The labs are built by hand with plain boto3 (student_lab), each in an account of its own on the
session's emulator; the trust policies are then replaced through IAM's API as a student would.
"""

import json

import pytest
from student_lab import CORRECT, build

from pipeline_harness.grading.grade import grade
from pipeline_harness.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("whole_lab_served")]
TRUST_CHECKS = {"iam.pipeline_role.trust", "iam.codebuild_role.trust"}


def _pipeline_arn(student) -> str:
    return f"arn:aws:codepipeline:{student.region}:{student.account}:{CORRECT.pipeline}"


def _project_arn(student, project: str = CORRECT.project) -> str:
    return f"arn:aws:codebuild:{student.region}:{student.account}:project/{project}"


def _statement(service: str, action="sts:AssumeRole", **more) -> dict:
    return {"Effect": "Allow", "Principal": {"Service": service}, "Action": action, **more}


def _graded_with(student, trust_of) -> tuple:
    """The correct lab, its two roles' trust policies replaced by trust_of(service, source ARN)."""
    build(student, CORRECT)
    iam = student.client("iam")
    roles = ((CORRECT.pipeline_role, "codepipeline.amazonaws.com", _pipeline_arn(student)),
             (CORRECT.codebuild_role, "codebuild.amazonaws.com", _project_arn(student)))
    for role, service, source in roles:
        document = {"Version": "2012-10-17", "Statement": trust_of(service, source)}
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(document))
    report = grade(Settings(region=student.region), student)
    return report, {c.id: c for c in report.checks}


def _statuses(report) -> set[tuple[str, str]]:
    return {(c.id, c.status) for c in report.checks}


@pytest.fixture
def honest(new_account):
    """The correct lab as the tutorial builds it, graded: what every forgery is compared with."""
    student = new_account()
    build(student, CORRECT)
    report = grade(Settings(region=student.region), student)
    assert {c.id for c in report.checks if c.status in ("fail", "error")} == set()
    return report


# the issue's four forgeries: (trust_of, what the trust checks' messages say, in order pipeline, codebuild)
FORGERIES = {
    "only sts:TagSession": (
        lambda service, source: [_statement(service, "sts:TagSession", Sid="Tags")],
        lambda student: ["statement Tags allows only sts:TagSession"] * 2),
    "a condition on another account": (
        lambda service, source: [_statement(service, Condition={
            "StringEquals": {"aws:SourceAccount": "999999999999"}})],
        lambda student: [f"its Condition aws:SourceAccount is `999999999999`, not the graded account "
                         f"`{student.account}`"] * 2),
    "an allow with an explicit deny": (
        lambda service, source: [_statement(service),
                                 {"Sid": "NoOne", "Effect": "Deny", "Principal": {"Service": service},
                                  "Action": "sts:AssumeRole"}],
        lambda student: ["explicitly denied by statement NoOne"] * 2),
    "another project's source ARN": (
        lambda service, source: [_statement(service, Condition={
            "ArnEquals": {"aws:SourceArn": source.replace("dev-php-app", "someone-elses")}})],
        lambda student: [f"not the graded pipeline `{_pipeline_arn(student)}`",
                         f"not the graded project `{_project_arn(student)}`"]),
}


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
def test_a_trust_policy_naming_the_service_but_admitting_nobody_loses_exactly_the_trust_points(
        honest, new_account, forgery):
    # given
    trust_of, said = FORGERIES[forgery]
    student = new_account()

    # when
    report, checks = _graded_with(student, trust_of)

    # then: the two trust checks fail, every other check is as it is in the honest lab
    expected = ({(i, s) for i, s in _statuses(honest) if i not in TRUST_CHECKS}
                | {(i, "fail") for i in TRUST_CHECKS})
    assert _statuses(report) == expected
    assert report.score == honest.score - 2 and report.max_score == honest.max_score
    pipeline, codebuild = checks["iam.pipeline_role.trust"], checks["iam.codebuild_role.trust"]
    assert pipeline.message.startswith("expected codepipeline.amazonaws.com allowed to sts:AssumeRole it")
    assert "found codepipeline.amazonaws.com may not assume it: " in pipeline.message
    assert "found codebuild.amazonaws.com may not assume it: " in codebuild.message
    for check, words in zip((pipeline, codebuild), said(student), strict=True):
        assert words in check.message, check.message


HONEST_VARIANTS = {
    "the confused-deputy conditions AWS recommends": lambda service, source: [_statement(service, Condition={
        "StringEquals": {"aws:SourceAccount": source.split(":")[4]}, "ArnLike": {"aws:SourceArn": source}})],
    "a wildcard source ARN of the account": lambda service, source: [_statement(service, Condition={
        "ArnLike": {"aws:SourceArn": ":".join(source.split(":")[:5]) + ":*"}})],
    "assume role with session tags": lambda service, source: [
        _statement(service, ["sts:AssumeRole", "sts:TagSession"])],
    "a list of services, and a deny for other accounts": lambda service, source: [
        _statement(["codebuild.amazonaws.com", "codepipeline.amazonaws.com"]),
        {"Effect": "Deny", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
         "Condition": {"StringNotEquals": {"aws:SourceAccount": source.split(":")[4]}}}],
}


@pytest.mark.parametrize("variant", HONEST_VARIANTS, ids=list(HONEST_VARIANTS))
def test_a_valid_trust_policy_of_the_students_own_keeps_full_marks(honest, new_account, variant):
    # given
    student = new_account()

    # when
    report, checks = _graded_with(student, HONEST_VARIANTS[variant])

    # then
    assert _statuses(report) == _statuses(honest)
    assert report.score == report.max_score
    assert checks["iam.codebuild_role.trust"].message.startswith(
        "found codebuild.amazonaws.com may assume it: allowed by statement #1")
