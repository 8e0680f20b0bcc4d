"""pipeline.source judges what the tutorial asks — not the harness's own connection or repository —
and Step 2 grades the connection the pipeline actually uses (Stubber-validated shapes; the AWS
CLI's example GetConnection output)."""

import copy
import json
from pathlib import Path

import pytest
from botocore.stub import Stubber

from pipeline_harness.settings import Settings
from pipeline_harness.steps import codepipeline, connection
from pipeline_harness.steps.base import run_check
from pipeline_harness.targets.base import Capabilities
from pipeline_harness.targets.context import Context

DATA = Path(__file__).resolve().parents[2] / "data" / "grading"
ACCOUNT = "123456789012"  # the AWS CLI example's account
PIPELINE = "dev-php-app-pipeline"
OWN_ARN = f"arn:aws:codeconnections:us-east-1:{ACCOUNT}:connection/5f8a1c2e-7d1b-4a8e-9a43-0c2d9e1b7f60"
SOURCE = next(c for c in codepipeline.CHECKS if c.id == "pipeline.source")
STEP2 = {c.id: c for c in connection.CHECKS}


@pytest.fixture
def ctx(stubbed_target):
    """A target that serves no connections API (as the emulator), unless a test says otherwise."""
    return Context(Settings(), stubbed_target(
        _account=ACCOUNT, capabilities=Capabilities(services=frozenset({"codepipeline"}))))


def _pipeline(**configuration) -> dict:
    config = {"ConnectionArn": OWN_ARN, "FullRepositoryId": "student-42/my-ecs-php-app",
              "BranchName": "main", "OutputArtifactFormat": "CODE_ZIP", **configuration}
    return {"pipeline": {
        "name": PIPELINE, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/dev-codepipeline-service-role",
        "artifactStore": {"type": "S3", "location": f"dev-pipeline-artifacts-{ACCOUNT}"},
        "stages": [{"name": "Source", "actions": [{
            "name": "GitHub-Source", "configuration": {k: v for k, v in config.items() if v is not None},
            "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection",
                             "version": "1"}, "outputArtifacts": [{"name": "source_output"}]}]}]}}


def _source(ctx, check=SOURCE, **configuration):
    with Stubber(ctx.client("codepipeline")) as stub:
        stub.add_response("get_pipeline", _pipeline(**configuration), {"name": PIPELINE})
        return run_check(check, ctx)


def test_the_students_own_connection_and_repository_pass(ctx):
    result = _source(ctx)

    assert result.status == "pass"
    assert f"`student-42/my-ecs-php-app` on `main` through `{OWN_ARN}`" in result.message
    assert "not looked up: the target does not serve codeconnections" in result.message


@pytest.mark.parametrize(("configuration", "says"), [
    (dict(ConnectionArn=OWN_ARN.replace(ACCOUNT, "210987654321")),
     "a connection of another account 210987654321 (the lab's is 123456789012)"),
    (dict(ConnectionArn=OWN_ARN.replace("us-east-1", "eu-west-1")),
     "a connection of another region eu-west-1 (the lab's is us-east-1)"),
    (dict(ConnectionArn="arn:aws:codestar:us-east-1:123456789012:project/x"),
     "not a codestar-connections or codeconnections connection ARN"),
    (dict(FullRepositoryId="my-ecs-php-app"), "FullRepositoryId `my-ecs-php-app` is not owner/repo"),
    (dict(FullRepositoryId="https://github.com/student-42/my-ecs-php-app"), "is not owner/repo"),
    (dict(BranchName="master"), "BranchName `master`"),
    (dict(OutputArtifactFormat="CODEBUILD_CLONE_REF"), "OutputArtifactFormat `CODEBUILD_CLONE_REF`"),
])
def test_a_source_the_tutorial_does_not_ask_for_fails_saying_what_is_wrong(ctx, configuration, says):
    result = _source(ctx, **configuration)

    assert result.status == "fail"
    assert says in result.message
    assert "Common Issues: ensure repository name format is correct (owner/repo)" in result.hint


def test_the_format_left_out_is_the_apis_default_codepipeline_default(ctx):
    assert _source(ctx, OutputArtifactFormat=None).status == "pass"


def test_a_roster_repository_must_match_and_the_message_names_both(ctx):
    pinned = codepipeline.pinned_source("student-42/my-php-app")

    result = _source(ctx, pinned)

    assert result.status == "fail"
    assert "FullRepositoryId `student-42/my-ecs-php-app`, not the class roster's `student-42/my-php-app`" \
        in result.message
    assert "repository `student-42/my-php-app`" in pinned.title


def test_a_roster_repository_matches_whatever_its_case(ctx):
    assert _source(ctx, codepipeline.pinned_source("Student-42/My-ECS-PHP-App")).status == "pass"


def _served(ctx):
    ctx.target.capabilities = Capabilities(services=frozenset({"codepipeline", "codeconnections",
                                                               "codestar-connections"}))


def test_where_the_api_is_served_a_connection_arn_naming_nothing_fails(ctx):
    # given
    _served(ctx)
    with Stubber(ctx.client("codeconnections")) as stub:
        stub.add_client_error("get_connection", "ResourceNotFoundException", "Connection not found",
                              expected_params={"ConnectionArn": OWN_ARN})

        # when
        result = _source(ctx)

    # then
    assert result.status == "fail" and f"ConnectionArn `{OWN_ARN}` names no connection" in result.message


def test_step_2_grades_the_connection_the_pipeline_uses_a_bitbucket_one_fails_provider(ctx):
    # given: the pipeline names the AWS CLI example's connection, a Bitbucket one
    _served(ctx)
    example = json.loads((DATA / "get-connection.json").read_text())
    arn = example["Connection"]["ConnectionArn"]
    with Stubber(ctx.client("codepipeline")) as pipelines, \
            Stubber(ctx.client("codestar-connections")) as connections:
        pipelines.add_response("get_pipeline", _pipeline(ConnectionArn=arn), {"name": PIPELINE})
        connections.add_response("get_connection", copy.deepcopy(example), {"ConnectionArn": arn})

        # when
        results = {i: run_check(c, ctx) for i, c in STEP2.items()}

    # then
    assert results["connection.available"].status == "pass"
    assert results["connection.provider"].status == "fail"
    assert results["connection.provider"].message == "expected `GitHub`, found `Bitbucket`"


def test_step_2_falls_back_to_the_connection_of_the_labs_name_without_a_pipeline(ctx):
    # given
    _served(ctx)
    pending = {"ConnectionName": "github-connection", "ConnectionArn": OWN_ARN.replace(
        "codeconnections", "codestar-connections"), "ProviderType": "GitHub",
        "OwnerAccountId": ACCOUNT, "ConnectionStatus": "PENDING"}
    with Stubber(ctx.client("codepipeline")) as pipelines, \
            Stubber(ctx.client("codestar-connections")) as connections:
        pipelines.add_client_error("get_pipeline", "PipelineNotFoundException", "no such pipeline",
                                   expected_params={"name": PIPELINE})
        connections.add_response("list_connections", {"Connections": [pending]},
                                 {"ProviderTypeFilter": "GitHub"})

        # when
        result = run_check(STEP2["connection.available"], ctx)

    # then
    assert result.status == "fail", result.message
    assert result.message == "expected `AVAILABLE`, found `PENDING`"
    assert "complete the GitHub authorization" in result.hint
