"""What the preflight asks IAM's simulator about is what the nightly policy is derived from: the same
actions, each on an ARN of the run's own resource that the policy's pattern for its kind covers."""

import pytest

from pipeline_harness import kinds
from pipeline_harness.iam import files as policy_files
from pipeline_harness.iam.evaluation import evaluate
from pipeline_harness.preflight import arns, permissions
from pipeline_harness.settings import Settings
from pipeline_harness.steps import events, verification

ACCOUNT = "123456789012"
CONNECTION = f"arn:aws:codeconnections:eu-north-1:{ACCOUNT}:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"


def _names(**settings):
    return Settings(target="aws", region="eu-north-1", prefix="n1a2b3c4d-", wait_events=True,
                    **settings).names(ACCOUNT)


def test_every_kind_of_the_registry_has_an_arn_of_its_own():
    assert set(arns.TEMPLATES) == {kind.key for kind in kinds.REGISTRY}


@pytest.mark.parametrize("kind", kinds.REGISTRY, ids=lambda kind: kind.key)
def test_each_kinds_arn_is_one_its_policy_pattern_covers(kind):
    # given: the kind's statement as the nightly policy grants it
    statement = {"Effect": "Allow", "Action": "*", "Resource": list(kind.policy_resources)}
    policy = {"p": {"Statement": [statement]}}
    names = _names(connection_arn=CONNECTION)

    # when / then
    for action in kind.actions.every():
        arn = arns.of(kind, action, names)
        assert evaluate(policy, action, arn).allowed, f"{action} on {arn}"


def test_the_run_asks_the_simulator_about_exactly_the_actions_its_policy_grants():
    # given
    needs = permissions.needs(_names(connection_arn=CONNECTION))
    granted = {a for s in policy_files.nightly_role_policy()["Statement"] for a in s["Action"]}

    # when
    asked = {need.action for need in needs}

    # then: the policy also lets CreatePipeline pass a codestar-connections ARN, and says who it is
    assert granted - asked == {"codestar-connections:PassConnection", "sts:GetCallerIdentity"}
    assert asked <= granted


def test_the_runs_resources_are_named_by_the_runs_prefix_account_and_region():
    # given
    names = _names()

    # when
    keys = ("service", "artifact_bucket", "event_rule", "execution_role")
    by_kind = {key: arns.of(kinds.BY_KEY[key], "x:Any", names) for key in keys}

    # then
    assert by_kind == {
        "service": f"arn:aws:ecs:eu-north-1:{ACCOUNT}:service/n1a2b3c4d-dev-cluster/"
                   "n1a2b3c4d-dev-php-app-alb-service",
        "artifact_bucket": f"arn:aws:s3:::dev-pipeline-artifacts-{ACCOUNT}-n1a2b3c4d",
        "event_rule": f"arn:aws:events:eu-north-1:{ACCOUNT}:rule/n1a2b3c4d-dev-php-app-events",
        "execution_role": f"arn:aws:iam::{ACCOUNT}:role/n1a2b3c4d-dev-php-app-task-execution-role"}
    assert arns.of(kinds.BY_KEY["artifact_bucket"], "s3:DeleteObject", names).endswith("-n1a2b3c4d/*")


def test_passing_the_connection_is_asked_by_the_service_its_arn_names():
    needs = permissions.needs(_names(connection_arn=CONNECTION))

    passing = [n.action for n in needs if n.resource == CONNECTION and n.action.endswith("PassConnection")]
    assert passing == ["codeconnections:PassConnection"]



def test_the_deploy_stages_update_service_is_the_pipeline_roles_request_not_the_nightly_roles():
    # given: what the nightly role itself requests, and what the pipeline's role may do
    needs = {n.action for n in permissions.needs(_names(connection_arn=CONNECTION))}

    # then: ECS's rolling update is CodePipeline's Deploy action, made with the pipeline role
    # (AmazonECS_FullAccess, Step 4), so neither the nightly policy nor the preflight asks for it
    assert "ecs:UpdateService" not in needs
    assert "ecs:UpdateService" not in {a for s in policy_files.nightly_role_policy()["Statement"]
                                       for a in s["Action"]}
    assert "ecs:CreateService" in needs and "ecs:DeleteService" in needs


def test_the_event_sources_requests_are_its_own_not_step_7s():
    # given
    needs = permissions.needs(_names(connection_arn=CONNECTION))
    event_source = {*kinds.BY_KEY["event_queue"].actions.every(), *kinds.BY_KEY["event_rule"].actions.every()}

    # when
    by_step = {step: {n.action for n in needs if n.step is step} for step in (events.STEP, verification.STEP)}

    # then
    assert by_step[events.STEP] == event_source
    assert by_step[verification.STEP] == set(policy_files.wait_reads())
    assert [permissions._id(step) for step in (events.STEP, verification.STEP, None)] == [
        "permissions.event-source", "permissions.step7", "permissions.preflight"]
