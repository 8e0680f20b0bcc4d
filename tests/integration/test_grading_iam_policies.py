"""The Step 4 policy checks judge what a role may do on the lab's real resources, not the text of
the tutorial's JSON: least-privilege policies as a Terraform user writes them pass, a policy that
misses an action on the real resource fails naming both, `*` on `*` passes with a hint.

The labs are built by hand with plain boto3 (student_lab) and their inline policies then replaced
the way a student would, in accounts of their own on the session's emulator.
"""

import json

import pytest
from student_lab import CORRECT, build, connection_arn

from pipeline_harness.grading.grade import grade
from pipeline_harness.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("whole_lab_served")]
CHECKS = ("iam.pipeline_role.inline-policy", "iam.codebuild_role.inline-policy")


def _statement(actions, resources, effect="Allow"):
    return {"Effect": effect, "Action": actions, "Resource": resources}


def _least_privilege(account: str, region: str) -> dict[str, dict]:
    """The tutorial's two policies, each action on the lab's own resources, as Terraform's
    aws_iam_policy_document renders them."""
    bucket = f"arn:aws:s3:::dev-pipeline-artifacts-{account}"
    repository = f"arn:aws:ecr:{region}:{account}:repository/my-ecs-php-app"
    project = f"arn:aws:codebuild:{region}:{account}:project/dev-php-app-build"
    logs = f"arn:aws:logs:{region}:{account}:log-group:/aws/codebuild/dev-php-app-build"
    connection = connection_arn(region, account)  # the student's own
    pipeline = [
        _statement(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], f"{bucket}/*"),
        _statement(["s3:GetBucketLocation", "s3:ListBucket"], bucket),
        _statement(["codebuild:BatchGetBuilds", "codebuild:StartBuild"], project),
        _statement("codestar-connections:UseConnection", connection),
    ]
    codebuild = [
        _statement("ecr:GetAuthorizationToken", "*"),
        _statement(["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
                    "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload"], repository),
        _statement(["s3:GetObject", "s3:PutObject"], f"{bucket}/*"),
        _statement("logs:CreateLogGroup", f"{logs}:log-stream:"),
        _statement(["logs:CreateLogStream", "logs:PutLogEvents"], f"{logs}:log-stream:*"),
    ]
    return {"CodePipelineCustomPolicy": {"Version": "2012-10-17", "Statement": pipeline},
            "CodeBuildCustomPolicy": {"Version": "2012-10-17", "Statement": codebuild}}


def _graded_with(student, policies: dict[str, tuple[str, dict]]):
    """The correct lab, with these inline policies put on its roles: {policy name: (role, document)}."""
    build(student, CORRECT)
    iam = student.client("iam")
    for name, (role, document) in policies.items():
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))
    report = grade(Settings(region=student.region), student)
    return report, {c.id: c for c in report.checks}


def _roles(documents: dict[str, dict]) -> dict[str, tuple[str, dict]]:
    role_of = {"CodePipelineCustomPolicy": CORRECT.pipeline_role,
               "CodeBuildCustomPolicy": CORRECT.codebuild_role}
    return {name: (role_of[name], document) for name, document in documents.items()}


def test_policies_scoped_to_the_labs_own_resources_grade_full_marks(new_account):
    # given
    student = new_account()

    # when
    report, checks = _graded_with(student, _roles(_least_privilege(student.account, student.region)))

    # then
    assert [(i, checks[i].status, checks[i].hint) for i in CHECKS] == [(i, "pass", "") for i in CHECKS]
    assert "judged by the role's policy documents" in checks[CHECKS[0]].message
    assert report.score == report.max_score


def test_the_push_allowed_only_on_another_repository_fails_naming_the_action_and_resource(new_account):
    # given
    student = new_account()
    documents = _least_privilege(student.account, student.region)
    pushes = documents["CodeBuildCustomPolicy"]["Statement"][1]
    pushes["Resource"] = pushes["Resource"].replace("my-ecs-php-app", "another-app")

    # when
    report, checks = _graded_with(student, _roles(documents))

    # then
    failed = {c.id for c in report.checks if c.status in ("fail", "error")}
    assert failed == {"iam.codebuild_role.inline-policy"}
    message = checks["iam.codebuild_role.inline-policy"].message
    assert (f"ecr:PutImage on arn:aws:ecr:{student.region}:{student.account}:repository/my-ecs-php-app "
            "(no statement allows it (implicit deny))") in message


def test_an_explicit_deny_beats_the_tutorials_allow_and_is_named(new_account):
    # given: the tutorial's policy as pasted, plus a policy of the student's denying the push
    student = new_account()
    deny = {"Version": "2012-10-17", "Statement": [{
        "Sid": "NoPushes", **_statement("ecr:PutImage", "*", effect="Deny")}]}

    # when
    report, checks = _graded_with(student, {"NoPushes": (CORRECT.codebuild_role, deny)})

    # then
    message = checks["iam.codebuild_role.inline-policy"].message
    failed = {c.id for c in report.checks if c.status in ("fail", "error")}
    assert failed == {"iam.codebuild_role.inline-policy"}
    assert "ecr:PutImage on arn:aws:ecr:" in message
    assert "explicitly denied by statement NoPushes of NoPushes" in message


def test_everything_on_everything_passes_with_a_least_privilege_hint(new_account):
    # given
    student = new_account()
    everything = {"Version": "2012-10-17", "Statement": [_statement("*", "*")]}

    # when
    report, checks = _graded_with(student, _roles({"CodeBuildCustomPolicy": everything}))

    # then
    codebuild = checks["iam.codebuild_role.inline-policy"]
    assert codebuild.status == "pass" and codebuild.points == codebuild.max_points == 1
    assert codebuild.hint.startswith("Least privilege: statement #1 of CodeBuildCustomPolicy allows * on *")
    assert report.score == report.max_score
