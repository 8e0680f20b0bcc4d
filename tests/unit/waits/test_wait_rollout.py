"""The ECS rollout wait on Stubber timelines, including the circuit-breaker rollback that boto3's
services_stable reports as success."""

from datetime import datetime, timezone

import botocore.session
import botocore.waiter
import pytest
from botocore.stub import Stubber

from pipeline_harness.waits.model import WaitFailed, WaitTimeout
from pipeline_harness.waits.policies import ROLLOUT, SimulatedClock
from pipeline_harness.waits.rollout import (Deployment, RolloutView, image_matches, tasks_running,
                                            wait_for_rollout)

CLUSTER, SERVICE, CONTAINER = "dev-cluster", "dev-php-app-alb-service", "php-app-container"
URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app"
NEW_IMAGE, OLD_IMAGE = f"{URI}:3f2c9a1", f"{URI}:1a2b3c4"
NEW_DIGEST = "sha256:" + "a" * 64
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/dev-php-app"
NEW_TD, OLD_TD = f"{TD}:8", f"{TD}:7"
AT = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)


def _deployment(status, td, rollout_state, running=2, desired=2):
    return {"id": f"ecs-svc/{td[-1]}{status}", "status": status, "taskDefinition": td,
            "desiredCount": desired, "runningCount": running, "rolloutState": rollout_state}


def _service(*deployments, events=(), status="ACTIVE"):
    return {"services": [{
        "serviceName": SERVICE, "clusterArn": f"arn:aws:ecs:us-east-1:123456789012:cluster/{CLUSTER}",
        "status": status, "desiredCount": 2, "runningCount": 2, "deployments": list(deployments),
        "events": [{"id": str(i), "createdAt": AT, "message": m} for i, m in enumerate(events)]}],
        "failures": []}


def _task_definition(arn, image, container=CONTAINER):
    return {"taskDefinition": {"taskDefinitionArn": arn,
                               "containerDefinitions": [{"name": container, "image": image}]}}


def _tasks(*images):
    arns = [f"arn:aws:ecs:us-east-1:123456789012:task/{CLUSTER}/{i}" for i in range(len(images))]
    return {"taskArns": arns}, {"tasks": [
        {"taskArn": arn, "lastStatus": "RUNNING",
         "containers": [{"name": CONTAINER, "image": image, "imageDigest": NEW_DIGEST
                         if image == NEW_IMAGE else "sha256:" + "0" * 64}]}
        for arn, image in zip(arns, images)]}


OLD_ONLY = _deployment("PRIMARY", OLD_TD, "COMPLETED")
NEW_STARTING = _deployment("PRIMARY", NEW_TD, "IN_PROGRESS", running=0)
OLD_DRAINING = _deployment("ACTIVE", OLD_TD, "COMPLETED")
NEW_RUNNING = _deployment("PRIMARY", NEW_TD, "IN_PROGRESS")  # tasks RUNNING, health checks pending
NEW_DONE = _deployment("PRIMARY", NEW_TD, "COMPLETED")
NEW_FAILED = _deployment("ACTIVE", NEW_TD, "FAILED", running=0)
OLD_BACK = _deployment("PRIMARY", OLD_TD, "IN_PROGRESS")
ROLLBACK_EVENTS = ("(service dev-php-app-alb-service) rolling back to deployment ecs-svc/7PRIMARY.",
                   "(service dev-php-app-alb-service) deployment ecs-svc/8PRIMARY deployment failed: "
                   "tasks failed to start.")


@pytest.fixture
def target(stubbed_target):
    return stubbed_target()


@pytest.fixture
def ecs(target):
    with Stubber(target.client("ecs")) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _look(ecs, *deployments, events=()):
    ecs.add_response("describe_services", _service(*deployments, events=events),
                     {"cluster": CLUSTER, "services": [SERVICE]})


def _td(ecs, arn, image, container=CONTAINER):
    ecs.add_response("describe_task_definition", _task_definition(arn, image, container),
                     {"taskDefinition": arn})


def _running(ecs, *images):
    listed, described = _tasks(*images)
    ecs.add_response("list_tasks", listed,
                     {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "RUNNING"})
    ecs.add_response("describe_tasks", described, {"cluster": CLUSTER, "tasks": listed["taskArns"]})


def _wait(target, image=NEW_IMAGE, policy=ROLLOUT):
    clock = SimulatedClock()
    return wait_for_rollout(target, CLUSTER, SERVICE, image, policy=policy, clock=clock,
                            sleep=clock.sleep)


def test_succeeds_when_primary_completed_alone_and_every_task_runs_the_new_image(target, ecs):
    # given: old image only, then the new deployment starts, then it is done but one task is old
    _look(ecs, OLD_ONLY)
    _td(ecs, OLD_TD, OLD_IMAGE)
    _look(ecs, NEW_STARTING, OLD_DRAINING)
    _td(ecs, NEW_TD, NEW_IMAGE)
    _look(ecs, NEW_DONE)
    _running(ecs, NEW_IMAGE, OLD_IMAGE)
    _look(ecs, NEW_DONE)
    _running(ecs, NEW_IMAGE, NEW_IMAGE)

    # when
    outcome = _wait(target)

    # then: task definitions were read once each
    assert outcome.attempts == 4 and outcome.observation.primary.task_definition == NEW_TD


def test_rollout_state_failed_is_a_rollback_failure_with_the_service_events(target, ecs):
    _look(ecs, NEW_STARTING, OLD_DRAINING)
    _td(ecs, NEW_TD, NEW_IMAGE)
    _look(ecs, OLD_BACK, NEW_FAILED, events=ROLLBACK_EVENTS)
    _td(ecs, OLD_TD, OLD_IMAGE)

    with pytest.raises(WaitFailed) as raised:
        _wait(target)

    message = str(raised.value)
    assert "the deployment circuit breaker rolled back the new image" in message
    assert f"ACTIVE dev-php-app:8 ({NEW_IMAGE}) FAILED 0/2 running" in message
    assert message.endswith("service events: " + " | ".join(ROLLBACK_EVENTS))


def test_primary_switching_back_to_the_old_task_definition_is_a_rollback_failure(target, ecs):
    # given: the rollback finished between two looks, so FAILED was never seen
    _look(ecs, NEW_STARTING, OLD_DRAINING)
    _td(ecs, NEW_TD, NEW_IMAGE)
    _look(ecs, OLD_ONLY, events=ROLLBACK_EVENTS)
    _td(ecs, OLD_TD, OLD_IMAGE)

    with pytest.raises(WaitFailed, match="the deployment circuit breaker rolled back the new image; "
                                         f"last saw service ACTIVE; deployments: PRIMARY dev-php-app:7 "
                                         rf"\({OLD_IMAGE}\) COMPLETED 2/2 running"):
        _wait(target)


def test_boto3_services_stable_calls_that_rolled_back_service_a_success():
    # given boto3's own acceptors for ECS ServicesStable
    model = botocore.session.get_session().get_waiter_model("ecs")
    config = botocore.waiter.SingleWaiterConfig(model._waiter_config["ServicesStable"])

    # when fed the service after the circuit breaker restored the old task definition
    state = next(a.state for a in config.acceptors if a.matcher_func(_service(OLD_ONLY)))

    # then it says success: the case the rollout wait above turns into a failure
    assert state == "success"


def test_missing_service_fails_with_the_deploy_common_issue(target, ecs):
    ecs.add_response("describe_services", {"services": [], "failures": [
        {"arn": f"arn:aws:ecs:us-east-1:123456789012:service/{CLUSTER}/{SERVICE}", "reason": "MISSING"}]})

    with pytest.raises(WaitFailed, match='the service is missing or inactive — tutorial Common Issues '
                                         '"Deploy stage fails with permission error"'):
        _wait(target)


def test_task_definition_without_the_lab_container_fails_with_the_old_image_issue(target, ecs):
    _look(ecs, OLD_ONLY)
    _td(ecs, OLD_TD, OLD_IMAGE, container="php-app")

    with pytest.raises(WaitFailed, match="the service's task definition has no container "
                                         "'php-app-container' — tutorial Common Issues \"Deployment "
                                         "succeeds but old image still running\": Check imagedefinitions"):
        _wait(target)


def test_throttling_and_5xx_in_the_middle_are_retried(target, ecs):
    _look(ecs, NEW_STARTING, OLD_DRAINING)
    _td(ecs, NEW_TD, NEW_IMAGE)
    ecs.add_client_error("describe_services", "ThrottlingException", "Rate exceeded", 400)
    ecs.add_client_error("describe_services", "ServerException", "internal", 500)
    _look(ecs, NEW_DONE)
    _running(ecs, NEW_IMAGE, NEW_IMAGE)

    assert _wait(target).attempts == 4


def test_expected_digest_is_checked_on_the_running_tasks(target, ecs):
    _look(ecs, NEW_DONE)
    _td(ecs, NEW_TD, NEW_IMAGE)
    _running(ecs, NEW_IMAGE, NEW_IMAGE)

    assert _wait(target, image=NEW_DIGEST).state == "success"


def test_timeout_while_old_tasks_drain_shows_both_deployments(target, ecs):
    _look(ecs, NEW_STARTING, OLD_DRAINING)
    _td(ecs, NEW_TD, NEW_IMAGE)
    _look(ecs, NEW_STARTING, OLD_DRAINING)  # at the 60 s deadline: Deploy takes 1-2 minutes

    with pytest.raises(WaitTimeout) as raised:
        _wait(target, policy=ROLLOUT.replace(deadline=60))

    assert str(raised.value).startswith(
        f"wait rollout timed out after 60s (2 looks): last saw service ACTIVE; deployments: "
        f"PRIMARY dev-php-app:8 ({NEW_IMAGE}) IN_PROGRESS 0/2 running; ACTIVE dev-php-app:7 "
        f"(image not read) COMPLETED 2/2 running; expected service {SERVICE} in cluster {CLUSTER}")


@pytest.mark.parametrize("expected, image, digest, matches", [
    ("3f2c9a1", NEW_IMAGE, None, True),
    ("3f2c9a1", OLD_IMAGE, None, False),
    (NEW_IMAGE, NEW_IMAGE, None, True),
    (f"{URI}:latest", NEW_IMAGE, None, False),
    (NEW_DIGEST, NEW_IMAGE, NEW_DIGEST, True),
    (NEW_DIGEST, f"{URI}@{NEW_DIGEST}", None, True),
    (f"{URI}@{NEW_DIGEST}", NEW_IMAGE, NEW_DIGEST, True),
    (f"{URI}@{NEW_DIGEST}", NEW_IMAGE, "sha256:" + "b" * 64, False),
    ("3f2c9a1", None, None, False),
])
def test_image_matches_a_tag_a_reference_or_a_digest(expected, image, digest, matches):
    assert image_matches(expected, image, digest) is matches


def test_once_the_new_tasks_run_the_wait_polls_densely_where_their_health_checks_end(target, ecs):
    # given: tasks starting at 0, 60 and 75 s; all RUNNING at 90 s; done at 195 + 4.3 s
    _look(ecs, NEW_STARTING, OLD_DRAINING)
    _td(ecs, NEW_TD, NEW_IMAGE)
    for _ in range(2):
        _look(ecs, NEW_STARTING, OLD_DRAINING)
    for _ in range(2):
        _look(ecs, NEW_RUNNING, OLD_DRAINING)
    _look(ecs, NEW_DONE)
    _running(ecs, NEW_IMAGE, NEW_IMAGE)
    clock = SimulatedClock()

    # when
    outcome = wait_for_rollout(target, CLUSTER, SERVICE, NEW_IMAGE, policy=ROLLOUT.replace(jitter=0),
                               clock=clock, sleep=clock.sleep)

    # then: scouting every 15 s from 60 s; one sleep to 75 + 120 s (the last look without RUNNING
    # tasks plus the 2 minutes health checks take at least); then dense; tasks read once, at the end
    assert clock.sleeps == [60, 15, 15, 105, 4.3] and outcome.state == "success"


def _view(*deployments):
    return RolloutView("ACTIVE", tuple(deployments))


@pytest.mark.parametrize("deployment, running", [
    (Deployment("n", "PRIMARY", NEW_TD, "IN_PROGRESS", 2, 2, NEW_IMAGE, new=True), True),
    (Deployment("n", "PRIMARY", NEW_TD, "IN_PROGRESS", 1, 2, NEW_IMAGE, new=True), False),
    (Deployment("n", "PRIMARY", NEW_TD, "IN_PROGRESS", 0, 0, NEW_IMAGE, new=True), False),
    (Deployment("o", "PRIMARY", OLD_TD, "IN_PROGRESS", 2, 2, OLD_IMAGE, new=False), False),
])
def test_tasks_running_is_every_task_of_the_new_primary_running(deployment, running):
    assert tasks_running(_view(deployment)) is running
