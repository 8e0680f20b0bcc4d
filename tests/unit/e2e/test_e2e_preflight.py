"""The preflight against AWS as Stubber timelines (every request and answer checked against the AWS
models) and GitHub's REST API as `responses`: a well set-up sandbox passes every line; each thing a
first real run would trip over is named on its own line, with what to do."""

import nightly_timeline as tl
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from pipeline_harness.output.report import Report
from pipeline_harness.preflight import permissions, region, repository
from pipeline_harness.preflight.run import preflight
from pipeline_harness.targets import aws
from pipeline_harness.targets.context import Context

ENVIRON = {"GITHUB_TOKEN": tl.TOKEN, "AWS_REGION": tl.REGION}
SERVICE_ARN = f"arn:aws:ecs:{tl.REGION}:{tl.ACCOUNT}:service/{tl.CLUSTER}/{tl.SERVICE}"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{tl.ACCOUNT}:role/{tl.ROLES['execution']}"


def _ctx(run_inputs, target) -> Context:
    return Context(run_inputs.settings, target)


def _answers(timeline, github, ctx, *, denied=frozenset(), status="AVAILABLE", push=True, codebuild=True,
             vpcs_in_use=1):
    tl.preflight_region(timeline, codebuild=codebuild)
    tl.preflight_simulator(timeline, permissions.needs(ctx.names), denied)
    tl.preflight_connection(timeline, status)
    tl.preflight_repository(github, push)
    tl.preflight_quotas(timeline, vpcs_in_use, applied=("L-F678F1CE", "L-53DA6B97"))


def _by_id(checks) -> dict:
    return {c.id: c for c in checks}


def test_a_well_set_up_sandbox_passes_every_line(run_inputs, aws_target, timeline, github):
    # given
    ctx = _ctx(run_inputs, aws_target)
    _answers(timeline, github, ctx)

    # when
    checks = preflight(ctx, ENVIRON)

    # then
    report = Report("aws", tl.ACCOUNT, tl.REGION, checks)
    assert [c for c in checks if c.status != "pass"] == []
    assert report.ok
    timeline.assert_done()
    found = _by_id(checks)
    assert found["quota.vpcs"].message == "1 of 5 in use; the run needs 1"
    assert found["quota.albs"].message == "1 of 50 in use; the run needs 1"  # the NLB is not an ALB
    assert found["quota.fargate-vcpu"].message.startswith("quota 6 (no cheap read")
    assert found["quota.fargate-vcpu"].message.endswith("the run needs 0.5")
    assert found["connection"].message == "connection github-connection is GitHub's and AVAILABLE"
    assert {c.id for c in checks} >= {f"permissions.step{n}" for n in range(8)} | {"permissions.preflight"}


@pytest.mark.parametrize("action, resource, line", [
    ("ecs:CreateService", SERVICE_ARN, "permissions.step0"),
    ("iam:PassRole", EXECUTION_ROLE_ARN, "permissions.step0"),
    ("codepipeline:CreatePipeline", f"arn:aws:codepipeline:{tl.REGION}:{tl.ACCOUNT}:{tl.PIPELINE}",
     "permissions.step6"),
])
def test_a_role_missing_an_action_of_the_run_is_named_with_the_resource(
        run_inputs, aws_target, timeline, github, action, resource, line):
    # given: the simulator finds no statement allowing one request of the run
    ctx = _ctx(run_inputs, aws_target)
    _answers(timeline, github, ctx, denied={(action, resource)})

    # when
    found = _by_id(preflight(ctx, ENVIRON))

    # then: that step's line fails, naming the action, its resource and the simulator's reason
    assert found[line].status == "fail"
    assert found[line].message.startswith("denied 1 of ")
    assert f"{action} on {resource} (the policy simulator finds no statement that allows it" in (
        found[line].message)
    assert "nightly-role-policy-*.json" in found[line].hint
    assert [c.id for c in found.values() if c.status == "fail"] == [line]
    timeline.assert_done()


def test_passing_a_role_is_simulated_with_the_service_it_is_passed_to(run_inputs, aws_target, timeline,
                                                                     github):
    # given: the nightly policy allows iam:PassRole only under iam:PassedToService
    ctx = _ctx(run_inputs, aws_target)
    passed = [n for n in permissions.needs(ctx.names) if n.action == "iam:PassRole"]
    _answers(timeline, github, ctx)

    # when
    preflight(ctx, ENVIRON)

    # then: each role's calls carried its service (the Stubber checked the ContextEntries)
    assert sorted((n.resource.rsplit("/", 1)[1], dict(n.context)["iam:PassedToService"]) for n in passed) == [
        (tl.ROLES["codebuild"], "codebuild.amazonaws.com"),
        (tl.ROLES["pipeline"], "codepipeline.amazonaws.com"),
        (tl.ROLES["execution"], "ecs-tasks.amazonaws.com")]
    timeline.assert_done()


def test_a_pending_connection_fails_with_the_handshake_to_finish(run_inputs, aws_target, timeline, github):
    # given
    ctx = _ctx(run_inputs, aws_target)
    _answers(timeline, github, ctx, status="PENDING")

    # when
    found = _by_id(preflight(ctx, ENVIRON))["connection"]

    # then
    assert found.status == "fail"
    assert found.message == "connection github-connection is PENDING, expected AVAILABLE"
    assert "Update pending connection" in found.hint


def test_a_token_github_does_not_let_push_fails_without_pushing(run_inputs, aws_target, timeline, github):
    # given: GitHub shows the repository to the token, read-only
    ctx = _ctx(run_inputs, aws_target)
    _answers(timeline, github, ctx, push=False)

    # when
    found = _by_id(preflight(ctx, ENVIRON))["github.push"]

    # then: one GET, nothing written
    assert found.status == "fail"
    assert found.message == "GitHub says the token may not push (its permissions: pull, triage)"
    assert [(c.request.method, c.request.url) for c in github.calls] == [("GET", tl.API)]
    assert github.calls[0].request.headers["Authorization"] == f"Bearer {tl.TOKEN}"


def test_a_repository_the_token_cannot_see_fails_with_githubs_answer(run_inputs, aws_target, timeline,
                                                                    github):
    # given
    ctx = _ctx(run_inputs, aws_target)
    tl.preflight_region(timeline)
    tl.preflight_simulator(timeline, permissions.needs(ctx.names))
    tl.preflight_connection(timeline)
    tl.preflight_quotas(timeline)
    github.get(tl.API, status=404, json={"message": "Not Found"})

    # when
    found = _by_id(preflight(ctx, ENVIRON))["github.push"]

    # then
    assert found.status == "fail"
    assert f"repository {tl.REPO} not found or the token may not push to it" in found.message


def test_a_region_without_codebuild_is_named(run_inputs, stubbed_target, github):
    # given: no CodeBuild endpoint in the region (botocore cannot connect), and no retry of it
    target = stubbed_target(name="aws", region=tl.REGION, quirks=aws.QUIRKS,
                            allowed_accounts=frozenset(run_inputs.settings.allowed_account_ids),
                            client_config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
    timeline = tl.Timeline(target)
    timeline.add("sts", "get_caller_identity", {"Account": tl.ACCOUNT, "Arn": tl.CALLER, "UserId": "AROA1"})
    timeline.stubs["codebuild"].deactivate()
    url = f"https://codebuild.{tl.REGION}.amazonaws.com/"

    def no_endpoint(**_):
        raise EndpointConnectionError(endpoint_url=url)

    target.client("codebuild").meta.events.register("before-send.codebuild", no_endpoint)
    ctx = _ctx(run_inputs, target)
    _answers(timeline, github, ctx, codebuild=False)

    # when
    checks = preflight(ctx, ENVIRON)

    # then
    found = _by_id(checks)["region.codebuild"]
    assert found.status == "fail"
    assert found.message == ("nothing answers at its endpoint (Could not connect to the endpoint URL: "
                             f'"{url}"): codebuild is not offered in {tl.REGION}')
    assert [c.id for c in checks if c.status == "fail"] == ["region.codebuild"]


def test_a_region_whose_endpoint_refuses_the_role_still_serves_the_service(run_inputs, aws_target, timeline,
                                                                          github):
    # given: the role may not list projects, but CodeBuild's endpoint answered
    ctx = _ctx(run_inputs, aws_target)
    timeline.error("codebuild", "list_projects", "AccessDeniedException")
    _answers(timeline, github, ctx, codebuild=False)

    # when
    found = _by_id(preflight(ctx, ENVIRON))["region.codebuild"]

    # then
    assert (found.status, found.message) == ("pass", "ListProjects answered (AccessDeniedException)")


def test_a_full_vpc_quota_fails_with_what_is_in_use_and_where_to_ask(run_inputs, aws_target, timeline,
                                                                     github):
    # given: five VPCs of five
    ctx = _ctx(run_inputs, aws_target)
    _answers(timeline, github, ctx, vpcs_in_use=5)

    # when
    found = _by_id(preflight(ctx, ENVIRON))["quota.vpcs"]

    # then
    assert found.status == "fail"
    assert found.message == "5 of 5 in use; the run needs 1 more"
    assert "Service Quotas → vpc → VPCs per Region (L-F678F1CE)" in found.hint


def test_an_account_outside_the_allow_list_fails_its_line_and_the_rest_still_read(
        run_inputs, aws_target, timeline, github):
    # given: the target carries the allow-list the settings give (make_target passes it)
    aws_target.allowed_accounts = frozenset({"999999999999"})
    ctx = Context(run_inputs.settings.replace(allowed_accounts="999999999999"), aws_target)
    _answers(timeline, github, ctx)

    # when
    checks = preflight(ctx, ENVIRON)

    # then
    found = _by_id(checks)["account.allowed"]
    assert found.status == "fail"
    assert found.message.startswith(f"account {tl.ACCOUNT} is not in the allow-list")
    assert [c.id for c in checks if c.status == "fail"] == ["account.allowed"]


def test_missing_inputs_on_aws_are_failures_each_named(nightly_settings, aws_target, timeline):
    # given: no connection ARN, no repository, no token
    settings = nightly_settings.replace(connection_arn=None, github_repository="larsappel/my-ecs-php-app")
    ctx = Context(settings, aws_target)
    tl.preflight_region(timeline)
    tl.preflight_simulator(timeline, permissions.needs(ctx.names))
    tl.preflight_quotas(timeline, applied=())

    # when
    found = _by_id(preflight(ctx, {"AWS_REGION": tl.REGION}))

    # then
    assert found["inputs"].status == "fail"
    assert "PIPELINE_HARNESS_CONNECTION_ARN" in found["inputs"].message
    assert "PIPELINE_HARNESS_GITHUB_REPOSITORY" in found["inputs"].message
    assert (found["connection"].status, found["connection"].message) == (
        "fail", "the connection's ARN (PIPELINE_HARNESS_CONNECTION_ARN) is not given")
    assert found["github.push"].status == "fail"
    timeline.assert_done()


def test_an_assumed_role_session_is_simulated_as_its_role():
    assert permissions.principal(tl.CALLER) == tl.ROLE_ARN
    assert permissions.principal(f"arn:aws:iam::{tl.ACCOUNT}:user/ci") == f"arn:aws:iam::{tl.ACCOUNT}:user/ci"
    assert permissions.principal(f"arn:aws:iam::{tl.ACCOUNT}:root") is None


def test_checks_not_begun_within_the_budget_are_errors_saying_so(run_inputs, aws_target, timeline, github):
    # given: a clock on which the region's reads take the whole minute (checked before each line)
    ctx = _ctx(run_inputs, aws_target)
    tl.preflight_region(timeline)
    ticks = iter([0.0] * (3 + len(region.services())) + [61.0] * 10)

    # when
    checks = preflight(ctx, ENVIRON, clock=lambda: next(ticks))

    # then: what began ran; the rest say why they did not, and fail the preflight
    errors = {c.id: c.message for c in checks if c.status == "error"}
    assert list(errors) == ["permissions", "connection", "github.push", "quota"]
    assert set(errors.values()) == {"not run: the preflight's 60 s were spent before it began"}
    assert not Report("aws", tl.ACCOUNT, tl.REGION, checks).ok
    assert len(github.calls) == 0


def test_github_that_does_not_answer_is_asked_twice_within_its_timeout_then_fails_the_line(
        run_inputs, aws_target, timeline, github):
    # given: every request to GitHub times out
    ctx = _ctx(run_inputs, aws_target)
    github.get(tl.API, body=requests.exceptions.ReadTimeout("read timed out"))
    made = repository.client(tl.REPO, tl.TOKEN, sleep=lambda seconds: None)  # no backoff pause here

    # when
    found = repository.check(ctx, tl.TOKEN, lambda repo, token: made)

    # then
    assert (made.attempts, made.timeout) == (2, (5, 10))
    assert len(github.calls) == 2
    assert found.status == "fail"
    assert found.message.startswith("GitHub does not answer at https://api.github.com")
