import pytest
import requests
import responses
from localstack_client import config as localstack_config

from pipeline_harness.core.errors import EXIT_UNREACHABLE, ConfigError, TargetUnreachable
from pipeline_harness.targets import localstack

ENDPOINT = "http://127.0.0.1:4566"
COMMUNITY_INFO = {"version": "2026.3.0", "edition": "unknown", "is_license_activated": False}
COMMUNITY_SERVICES = {
    "s3": "running", "iam": "available", "sts": "available", "logs": "available",
    "ec2": "available", "sqs": "available", "events": "available",
}
SERVES = "this instance (community 2026.3.0) serves s3, iam, sts, logs, ec2 and 2 other services"


def fake_instance(services=None, info=None):
    responses.get(f"{ENDPOINT}/_localstack/health",
                  json={"services": COMMUNITY_SERVICES if services is None else services,
                        "edition": "unknown", "version": "2026.3.0"})
    responses.get(f"{ENDPOINT}/_localstack/info", json=COMMUNITY_INFO if info is None else info)


@responses.activate
def test_services_reported_available_or_running_are_served():
    # given
    fake_instance()
    # when
    capabilities = localstack.localstack_capabilities(ENDPOINT)
    # then
    assert capabilities.services == frozenset(COMMUNITY_SERVICES)
    for service in ("s3", "iam", "sts", "logs"):
        assert capabilities.gap(service) is None


@responses.activate
def test_a_paid_service_is_skipped_with_its_plan_and_what_the_instance_serves():
    fake_instance()

    capabilities = localstack.localstack_capabilities(ENDPOINT)

    assert capabilities.gap("ecr") == f"ECR needs a LocalStack paid plan; {SERVES}"
    assert capabilities.gap("ecs", "ListClusters") == f"ECS needs a LocalStack paid plan; {SERVES}"


@pytest.mark.parametrize("service, title", [
    ("elbv2", "ELBv2"), ("codebuild", "CodeBuild"), ("codeconnections", "CodeConnections"),
    ("codestar-connections", "CodeStar Connections"),
])
@responses.activate
def test_every_paid_lab_service_names_the_paid_plan(service, title):
    fake_instance()

    capabilities = localstack.localstack_capabilities(ENDPOINT)

    assert capabilities.gap(service) == f"{title} needs a LocalStack paid plan; {SERVES}"


@responses.activate
def test_codepipeline_names_the_top_plan_and_that_it_runs_v1_pipelines_only():
    fake_instance()

    capabilities = localstack.localstack_capabilities(ENDPOINT)

    assert capabilities.gap("codepipeline") == (
        "CodePipeline needs LocalStack's top (Ultimate) plan, which runs V1 pipelines only; "
        f"{SERVES}"
    )


@responses.activate
def test_a_service_in_another_state_is_not_served_and_its_state_is_the_reason():
    fake_instance({**COMMUNITY_SERVICES, "s3": "error", "logs": "disabled"})

    capabilities = localstack.localstack_capabilities(ENDPOINT)

    serves = "this instance (community 2026.3.0) serves iam, sts, ec2 and 2 other services"
    assert capabilities.gap("s3") == f"LocalStack reports s3 as 'error'; {serves}"
    assert capabilities.gap("logs") == f"LocalStack reports logs as 'disabled'; {serves}"


@responses.activate
def test_a_service_outside_the_lab_that_is_not_reported_gets_the_general_reason():
    fake_instance()

    capabilities = localstack.localstack_capabilities(ENDPOINT)

    assert capabilities.gap("xray") == f"LocalStack does not serve xray; {SERVES}"


@responses.activate
def test_a_service_is_served_only_under_the_botocore_name_the_health_endpoint_lists():
    fake_instance({**COMMUNITY_SERVICES, "codeconnections": "available"})

    capabilities = localstack.localstack_capabilities(ENDPOINT)

    assert capabilities.gap("codeconnections") is None
    assert capabilities.gap("codestar-connections").startswith(
        "CodeStar Connections needs a LocalStack paid plan; this instance (community 2026.3.0) "
        "serves codeconnections, s3, iam")


@responses.activate
def test_a_licensed_instance_is_named_by_its_edition_and_version():
    fake_instance({"s3": "running", "ecr": "available"},
                  {"version": "4.9.2", "edition": "pro", "is_license_activated": True})

    capabilities = localstack.localstack_capabilities(ENDPOINT)

    assert capabilities.gap("ecr") is None
    assert capabilities.gap("codepipeline") == (
        "CodePipeline needs LocalStack's top (Ultimate) plan, which runs V1 pipelines only; "
        "this instance (pro 4.9.2) serves ecr, s3"
    )


@responses.activate
def test_braces_in_what_the_server_reports_stay_literal_in_the_reason():
    fake_instance(info={"version": "{dev}", "edition": "unknown"})

    capabilities = localstack.localstack_capabilities(ENDPOINT)

    assert capabilities.gap("xray").endswith("this instance (community {dev}) serves "
                                             "s3, iam, sts, logs, ec2 and 2 other services")


@responses.activate
def test_iam_simulate_principal_policy_is_declared_missing_where_iam_is_served():
    fake_instance()

    capabilities = localstack.localstack_capabilities(ENDPOINT)

    assert capabilities.gap("iam", "SimulatePrincipalPolicy") == (
        "LocalStack's IAM fails SimulatePrincipalPolicy"
    )
    assert capabilities.gap("iam", "CreateRole") is None


@responses.activate
def test_an_endpoint_that_does_not_answer_is_unreachable_with_exit_code_3():
    responses.get(f"{ENDPOINT}/_localstack/health", body=requests.ConnectionError("refused"))

    with pytest.raises(TargetUnreachable) as raised:
        localstack.localstack_capabilities(ENDPOINT)

    assert str(raised.value) == (
        "LocalStack does not answer at http://127.0.0.1:4566 (ConnectionError); start it with "
        "`.ci/localstack start` or point AWS_ENDPOINT_URL / LOCALSTACK_HOST at it"
    )
    assert raised.value.exit_code == EXIT_UNREACHABLE


@responses.activate
def test_a_timeout_is_unreachable_too():
    responses.get(f"{ENDPOINT}/_localstack/health", body=requests.ReadTimeout("slow"))

    with pytest.raises(TargetUnreachable, match=r"does not answer at .* \(ReadTimeout\)"):
        localstack.localstack_capabilities(ENDPOINT)


@responses.activate
def test_an_endpoint_that_is_not_localstack_is_unreachable_with_what_it_answered():
    responses.get(f"{ENDPOINT}/_localstack/health", status=404, body="<html>Not Found</html>")

    with pytest.raises(TargetUnreachable) as raised:
        localstack.localstack_capabilities(ENDPOINT)

    assert str(raised.value) == (
        "http://127.0.0.1:4566 answers, but not as LocalStack: GET /_localstack/health gave "
        "HTTP 404 without a JSON object"
    )


@responses.activate
def test_the_capability_requests_carry_a_bounded_timeout():
    fake_instance()

    localstack.localstack_capabilities(ENDPOINT)

    assert [call.request.req_kwargs["timeout"] for call in responses.calls] == [
        localstack.TIMEOUT, localstack.TIMEOUT]


@responses.activate
def test_connect_gives_a_localstack_target_with_the_instance_capabilities():
    fake_instance()

    target = localstack.connect("eu-north-1", ENDPOINT)

    assert target.name == "localstack"
    assert (target.region, target.endpoint_url) == ("eu-north-1", ENDPOINT)
    assert target.gap("s3") is None
    assert target.gap("ecr").startswith("ECR needs a LocalStack paid plan")


@pytest.mark.parametrize("environ, expected", [
    ({}, "http://localhost:4566"),
    ({"LOCALSTACK_HOST": "ls.internal:4599"}, "http://ls.internal:4599"),
    ({"LOCALSTACK_HOST": "127.0.0.1"}, "http://127.0.0.1:4566"),
    ({"LOCALSTACK_HOST": "127.0.0.1:4510", "USE_SSL": "1"}, "https://127.0.0.1:4510"),
    ({"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "LOCALSTACK_HOST": "x:1"},
     "http://127.0.0.1:5000"),
    ({"AWS_ENDPOINT_URL": "  ", "LOCALSTACK_HOST": "x:1"}, "http://x:1"),
])
def test_the_endpoint_follows_localstack_client_rules(environ, expected, monkeypatch):
    # given: the same environment for localstack-client itself
    for name in ("AWS_ENDPOINT_URL", "LOCALSTACK_HOST", "USE_SSL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    # when
    ours = localstack.localstack_endpoint(environ)
    # then
    assert ours == expected
    assert ours == localstack_config.get_service_endpoint("s3")


def test_a_malformed_localstack_host_is_a_config_error():
    with pytest.raises(ConfigError) as raised:
        localstack.localstack_endpoint({"LOCALSTACK_HOST": "localhost:port"})

    assert str(raised.value) == "LOCALSTACK_HOST must be host or host:port, not 'localhost:port'"
