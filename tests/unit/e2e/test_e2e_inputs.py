"""What the nightly run needs from a person, and the one message that lists all that is missing."""

import pytest

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.e2e.inputs import gather
from pipeline_harness.settings import Settings


def test_nothing_given_names_every_missing_input_in_one_message():
    # when
    with pytest.raises(ConfigError) as raised:
        gather(Settings(target="aws"), environ={})

    # then
    assert raised.value.exit_code == 2
    assert str(raised.value) == (
        "the nightly end-to-end run needs: the AWS region (--region, PIPELINE_HARNESS_REGION or "
        "AWS_REGION); the ARN of an AVAILABLE CodeStar connection (PIPELINE_HARNESS_CONNECTION_ARN; "
        "its GitHub handshake can only be done in the console); the GitHub repository owner/repo to "
        "push to (PIPELINE_HARNESS_GITHUB_REPOSITORY); a GitHub token allowed to push to that "
        "repository (GITHUB_TOKEN or PIPELINE_HARNESS_GITHUB_TOKEN); existing ECS cluster, service "
        "and ALB names (PIPELINE_HARNESS_CLUSTER, _SERVICE, _LOAD_BALANCER) or "
        "--provision-prerequisites")


def test_existing_prerequisites_and_an_explicit_default_region_are_enough():
    # given: the tutorial's region, given on the command line; the user's own ECS service
    settings = Settings(target="aws",
                        connection_arn="arn:aws:codestar-connections:us-east-1:123456789012:connection/x",
                        github_repository="me/app", cluster="prod-like", service="svc",
                        load_balancer="alb")

    # when
    made = gather(settings, {"PIPELINE_HARNESS_GITHUB_TOKEN": "t"}, explicit=frozenset({"region"}))

    # then
    assert made.github_token == "t" and made.settings.region == "us-east-1"


def test_region_comes_from_the_sdk_variables_and_names_get_a_run_prefix_and_branch():
    # given
    settings = Settings(target="aws", run_id="abcdef012345", provision_prerequisites=True,
                        connection_arn="arn:aws:codestar-connections:eu-north-1:123456789012:connection/x",
                        github_repository="me/app")

    # when
    made = gather(settings, {"GITHUB_TOKEN": "t", "AWS_REGION": "eu-north-1"})

    # then
    assert made.settings.region == "eu-north-1"
    assert made.settings.prefix == "nabcdef01-"
    assert made.settings.branch == made.run_branch == "pipeline-harness/run-abcdef012345"
