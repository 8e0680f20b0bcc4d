"""Step 4's trust checks on a role as IAM returns it (Stubber-validated): what the message says of the
service's right to assume the role, and the least-privilege tip of a wildcard principal."""

import json

import pytest
from botocore.stub import Stubber

from pipeline_harness.settings import Settings
from pipeline_harness.steps import iam
from pipeline_harness.steps.base import run_check
from pipeline_harness.targets.context import Context

ACCOUNT = "123456789012"
PROJECT = f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/dev-php-app-build"


@pytest.fixture
def ctx(stubbed_target):
    return Context(Settings(), stubbed_target(_account=ACCOUNT))


def _graded(ctx, *statements: dict):
    """The CodeBuild role's trust check, on a role whose trust policy holds these statements."""
    role = {"Path": "/", "RoleName": "dev-codebuild-service-role", "RoleId": "AROAEXAMPLE12345",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/dev-codebuild-service-role",
            "CreateDate": "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}
    check = next(c for c in iam.CHECKS if c.id == "iam.codebuild_role.trust")
    with Stubber(ctx.client("iam")) as stub:
        stub.add_response("get_role", {"Role": role})
        stub.add_response("list_role_policies", {"PolicyNames": []})
        stub.add_response("list_attached_role_policies", {"AttachedPolicies": []})
        return run_check(check, ctx)


def test_the_tutorials_trust_passes_saying_which_statement_admits_the_service(ctx):
    result = _graded(ctx, {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"},
                           "Action": "sts:AssumeRole"})

    assert (result.status, result.points, result.hint) == ("pass", 1, "")
    assert result.message == "found codebuild.amazonaws.com may assume it: allowed by statement #1"


def test_a_refused_service_fails_with_the_graded_account_and_project_and_the_tutorials_hint(ctx):
    result = _graded(ctx, {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"},
                           "Action": "sts:AssumeRole",
                           "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}}})

    assert result.status == "fail"
    assert result.message == (
        f"expected codebuild.amazonaws.com allowed to sts:AssumeRole it for the graded account `{ACCOUNT}` "
        f"and the graded project `{PROJECT}`, found codebuild.amazonaws.com may not assume it: statement #1: "
        f"its Condition aws:SourceAccount is `999999999999`, not the graded account `{ACCOUNT}`")
    assert result.hint == ("Create the role with \"AWS service\" → \"CodeBuild\" so CodeBuild can assume it "
                           "(Step 4)")


def test_a_wildcard_principal_passes_with_a_least_privilege_tip(ctx):
    result = _graded(ctx, {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"})

    assert (result.status, result.points) == ("pass", 1)
    assert result.hint == ("Least privilege: statement #1 lets any principal assume the role "
                           '(Principal "*"): name codebuild.amazonaws.com instead (Step 4)')


def test_a_renamed_project_is_the_source_arn_the_condition_must_allow(ctx):
    # given the student's project found under another name (the grader's near-match resolution)
    ctx = Context(Settings(codebuild_project="php-build"), ctx.target)
    renamed = f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/php-build"

    # when
    result = _graded(ctx, {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"},
                           "Action": "sts:AssumeRole",
                           "Condition": {"ArnEquals": {"aws:SourceArn": renamed}}})

    # then
    assert result.status == "pass"
