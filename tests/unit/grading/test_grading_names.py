"""Near-match resolution: a mistyped name is found, reported as found/expected, and graded as found."""

import json

import pytest
from botocore.stub import Stubber

from pipeline_harness.grading import names
from pipeline_harness.settings import Settings
from pipeline_harness.steps import CHECKS
from pipeline_harness.targets.context import Context

ACCOUNT = "123456789012"


@pytest.fixture
def ctx(stubbed_target):
    return Context(Settings(), stubbed_target(_account=ACCOUNT))


def _trust(service):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def _role(name, service):
    return {"Path": "/", "RoleName": name, "RoleId": "AROA" + "X" * 16,
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "CreateDate": "2026-11-02T12:00:00Z",
            "AssumeRolePolicyDocument": _trust(service)}


def test_a_one_letter_typo_is_the_close_match():
    assert names._closest("my-ecs-php-app", ["other-repo", "my-ecs-php-ap"], set()) == "my-ecs-php-ap"


def test_another_lab_resource_is_never_taken_for_a_typo():
    # "dev-codebuild-service-role" is 0.84 like "dev-codepipeline-service-role": excluded by name
    exclude = {"dev-codebuild-service-role"}
    assert names._closest("dev-codepipeline-service-role", ["dev-codebuild-service-role"], exclude) is None


def test_an_unrelated_name_is_no_match():
    assert names._closest("dev-cluster", ["default", "prod-php-app-alb-service"], set()) is None


def test_a_missing_repository_is_resolved_to_its_close_name(ctx):
    # given
    with Stubber(ctx.client("ecr")) as ecr:
        ecr.add_client_error("describe_repositories", "RepositoryNotFoundException",
                             expected_params={"repositoryNames": ["my-ecs-php-app"]})
        ecr.add_response("describe_repositories", {"repositories": [
            {"repositoryName": "my-ecs-php-ap"}, {"repositoryName": "legacy"}]}, {})

        # when
        found = names._ecr(ctx, set())

    # then
    assert found == [names.Rename("ecr_repository", "my-ecs-php-app", "my-ecs-php-ap",
                                  "the closest repository name", "ecr.repository")]


def test_a_missing_role_is_the_one_trusting_its_service_whatever_its_name(ctx):
    with Stubber(ctx.client("iam")) as iam:
        iam.add_client_error("get_role", "NoSuchEntity", expected_params={
            "RoleName": "dev-codebuild-service-role"})
        iam.add_response("list_roles", {"Roles": [
            _role("dev-codepipeline-service-role", "codepipeline.amazonaws.com"),
            _role("MyBuildRole", "codebuild.amazonaws.com")], "IsTruncated": False}, {})

        found = names._role(names.iam.CODEBUILD_ROLE)(ctx, {"dev-codepipeline-service-role"})

    assert [(r.found, r.how) for r in found] == [("MyBuildRole",
                                                  "the role trusting codebuild.amazonaws.com")]


def test_a_resource_found_by_its_name_needs_no_resolution(ctx):
    with Stubber(ctx.client("ecr")) as ecr:
        ecr.add_response("describe_repositories", {"repositories": [
            {"repositoryName": "my-ecs-php-app"}]}, {"repositoryNames": ["my-ecs-php-app"]})

        assert names._ecr(ctx, set()) == []


def test_found_names_become_settings_under_the_run_prefix():
    settings = Settings(prefix="s7-")
    typo = names.Rename("pipeline", "s7-dev-php-app-pipeline", "s7-dev-php-app-pipline", "", "")
    foreign = names.Rename("pipeline", "s7-dev-php-app-pipeline", "dev-php-app-pipline", "", "")
    bucket = names.Rename("artifact_bucket", "", "dev-pipeline-artifact-1-s7", "", "")

    assert names._as_setting(settings, typo) == "dev-php-app-pipline"
    assert names._as_setting(settings, foreign) is None
    assert names._as_setting(settings, bucket) == "dev-pipeline-artifact-1"


def test_the_existence_check_says_found_and_expected_with_its_hint():
    check = next(c for c in CHECKS if c.id == "codebuild.project")
    rename = names.Rename("codebuild_project", "dev-php-app-build", "dev-php-ap-build",
                          "the closest project name", "codebuild.project")

    result = names.name_result(check, [rename], 1)

    assert (result.status, result.points, result.max_points) == ("fail", 0, 1)
    assert result.message == ("found `dev-php-ap-build`, expected `dev-php-app-build` (the closest "
                              "project name) — the other checks grade what was found")
    assert result.hint == check.hint
