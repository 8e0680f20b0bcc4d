"""The ECS rollout wait on Stubber timelines, including the circuit-breaker rollback that boto3's
services_stable reports as success — seen live, or in the service's deployment history when the
wait starts after it."""

import contextlib
import email.utils
from datetime import UTC, datetime, timedelta

import botocore.session
import botocore.waiter
import captured
import pytest
from botocore.stub import Stubber

from pipeline_harness.targets.base import Capabilities
from pipeline_harness.waits.deployments import ROLLED_BACK
from pipeline_harness.waits.model import WaitFailed, WaitTimeout
from pipeline_harness.waits.rollout import (
    Deployment,
    RolloutView,
    image_matches,
    tasks_running,
    wait_for_rollout,
)
from pipeline_harness.waits.schedules import ROLLOUT, SimulatedClock

CLUSTER, SERVICE, CONTAINER = "dev-cluster", "dev-php-app-alb-service", "php-app-container"
URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app"
NEW_IMAGE, OLD_IMAGE = f"{URI}:3f2c9a1", f"{URI}:1a2b3c4"
NEW_DIGEST = "sha256:" + "a" * 64
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/dev-php-app"
NEW_TD, OLD_TD = f"{TD}:8", f"{TD}:7"
AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/dev-php-app-tg/73e2d6bc24d8a067"
ARN = "arn:aws:ecs:us-east-1:123456789012"


def _deployment(status, td, rollout_state, running=2, desired=2):
    return {"id": f"ecs-svc/{td[-1]}{status}", "status": status, "taskDefinition": td,
            "desiredCount": desired, "runningCount": running, "rolloutState": rollout_state,
            "createdAt": AT}


def _service(*deployments, events=(), status="ACTIVE", now=None):
    """describe_services' answer; events are messages (at AT) or (seconds after AT, message);
    `now` (seconds after AT) dates the answer and gives the service the tutorial's target group."""
    timed = [e if isinstance(e, tuple) else (0, e) for e in events]
    service = {
        "serviceName": SERVICE, "clusterArn": f"{ARN}:cluster/{CLUSTER}",
        "status": status, "desiredCount": 2, "runningCount": 2, "deployments": list(deployments),
        "events": [{"id": f"{i}-{m}", "createdAt": AT + timedelta(seconds=t), "message": m}
                   for i, (t, m) in enumerate(timed)]}
    answer = {"services": [service], "failures": []}
    if now is not None:
        service["loadBalancers"] = [{"targetGroupArn": TG, "containerName": CONTAINER, "containerPort": 80}]
        answer["ResponseMetadata"] = {"HTTPStatusCode": 200, "HTTPHeaders": {
            "date": email.utils.format_datetime(AT + timedelta(seconds=now), usegmt=True)}}
    return answer


def _task_definition(arn, image, container=CONTAINER):
    return {"taskDefinition": {"taskDefinitionArn": arn,
                               "containerDefinitions": [{"name": container, "image": image}]}}


def _tasks(*images):
    arns = [f"arn:aws:ecs:us-east-1:123456789012:task/{CLUSTER}/{i}" for i in range(len(images))]
    return {"taskArns": arns}, {"tasks": [
        {"taskArn": arn, "lastStatus": "RUNNING",
         "containers": [{"name": CONTAINER, "image": image, "imageDigest": NEW_DIGEST
                         if image == NEW_IMAGE else "sha256:" + "0" * 64}]}
        for arn, image in zip(arns, images, strict=True)]}


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


def _look(ecs, *deployments, events=(), now=None):
    ecs.add_response("describe_services", _service(*deployments, events=events, now=now),
                     {"cluster": CLUSTER, "services": [SERVICE]})


def _history(ecs, *rolled_back):
    """The deployment history: rolled-back deployments as (number, image of their target revision)."""
    ecs.add_response("list_service_deployments", {"serviceDeployments": [{
        "serviceDeploymentArn": f"{ARN}:service-deployment/{CLUSTER}/{SERVICE}/{n}",
        "targetServiceRevisionArn": f"{ARN}:service-revision/{CLUSTER}/{SERVICE}/{n}",
        "status": "ROLLBACK_SUCCESSFUL",
        "statusReason": "ECS deployment circuit breaker: tasks failed to start.",
        "createdAt": AT, "finishedAt": AT + timedelta(minutes=4)} for n, _ in rolled_back]},
        {"cluster": CLUSTER, "service": SERVICE, "status": list(ROLLED_BACK)})
    if rolled_back:
        ecs.add_response("describe_service_revisions", {"serviceRevisions": [
            {"serviceRevisionArn": f"{ARN}:service-revision/{CLUSTER}/{SERVICE}/{n}",
             "containerImages": [{"containerName": CONTAINER, "image": image}]} for n, image in rolled_back],
            "failures": []})


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
    # given: old image only (and no rollback in its history), then the new deployment starts,
    # then it is done but one task is old
    _look(ecs, OLD_ONLY)
    _td(ecs, OLD_TD, OLD_IMAGE)
    _history(ecs)
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
    # given: the rollback finished between two looks, so FAILED was never seen (and the history
    # the rollback's events call for is empty)
    _look(ecs, NEW_STARTING, OLD_DRAINING)
    _td(ecs, NEW_TD, NEW_IMAGE)
    _look(ecs, OLD_ONLY, events=ROLLBACK_EVENTS)
    _td(ecs, OLD_TD, OLD_IMAGE)
    _history(ecs)

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


@pytest.mark.parametrize("controller", ["CODE_DEPLOY", "EXTERNAL"])
def test_a_service_not_on_ecs_rolling_updates_fails_at_the_first_look_naming_its_controller(target, ecs,
                                                                                            controller):
    # given a blue/green (or externally deployed) service, made by someone else: its task sets hold
    # the old image and the pipeline's ECS Deploy action cannot give it a new task definition
    answer = _service()
    answer["services"][0].update(deploymentController={"type": controller}, taskSets=[{
        "id": "ecs-svc/1", "taskSetArn": f"{ARN}:task-set/{CLUSTER}/{SERVICE}/ecs-svc/1",
        "status": "PRIMARY", "taskDefinition": OLD_TD, "runningCount": 2}])
    ecs.add_response("describe_services", answer, {"cluster": CLUSTER, "services": [SERVICE]})

    with pytest.raises(WaitFailed) as raised:
        _wait(target)

    message = str(raised.value)
    assert raised.value.outcome.attempts == 1
    assert message.startswith("wait rollout failed after 0s: the service's deployments are not ECS rolling "
                              "updates")
    assert f"last saw service ACTIVE ({controller} deployment controller)" in message


def test_a_new_deployment_with_no_task_to_run_is_a_failure_not_a_vacuous_success(target, ecs):
    # given the new image's deployment COMPLETED on a service scaled to zero
    _look(ecs, _deployment("PRIMARY", NEW_TD, "COMPLETED", running=0, desired=0))
    _td(ecs, NEW_TD, NEW_IMAGE)
    ecs.add_response("list_tasks", {"taskArns": []},
                     {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "RUNNING"})

    with pytest.raises(WaitFailed) as raised:
        _wait(target)

    assert str(raised.value).startswith("wait rollout failed after 0s: the new image's deployment completed "
                                        "with a desired count of 0: no task runs it")


def test_missing_service_fails_with_the_deploy_common_issue(target, ecs):
    ecs.add_response("describe_services", {"services": [], "failures": [
        {"arn": f"arn:aws:ecs:us-east-1:123456789012:service/{CLUSTER}/{SERVICE}", "reason": "MISSING"}]})

    with pytest.raises(WaitFailed, match='the service is missing or inactive — tutorial Common Issues '
                                         '"Deploy stage fails with permission error"'):
        _wait(target)


def test_a_missing_cluster_fails_like_a_missing_service_not_as_an_unreadable_answer(target, ecs):
    ecs.add_client_error("describe_services", "ClusterNotFoundException", "Cluster not found.")

    with pytest.raises(WaitFailed) as raised:
        _wait(target)

    message = str(raised.value)
    assert message.startswith("wait rollout failed after 0s: the service is missing or inactive")
    assert "last saw no such service in that cluster (or no such cluster)" in message
    assert "ClusterNotFoundException" not in message


def test_task_definition_without_the_lab_container_fails_with_the_old_image_issue(target, ecs):
    _look(ecs, OLD_ONLY)
    _td(ecs, OLD_TD, OLD_IMAGE, container="php-app")
    _history(ecs)

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
    _look(ecs, NEW_STARTING, OLD_DRAINING)  # at the 15 s deadline: one look per 15 s

    with pytest.raises(WaitTimeout) as raised:
        _wait(target, policy=ROLLOUT.replace(deadline=15))

    assert str(raised.value).startswith(
        f"wait rollout timed out after 15s (2 looks): last saw service ACTIVE; deployments: "
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


REGISTERED = f"(service {SERVICE}) registered 2 targets in (target-group {TG})"


@contextlib.contextmanager
def _default_target_group(target):
    """The target group's defaults, read once: 30 s × 5, no task healthy within 120 s of registering."""
    with Stubber(target.client("elbv2")) as elbv2:
        elbv2.add_response("describe_target_groups", {"TargetGroups": [
            {"TargetGroupArn": TG, "HealthCheckIntervalSeconds": 30, "HealthyThresholdCount": 5}]},
            {"TargetGroupArns": [TG]})
        yield
        elbv2.assert_no_pending_responses()


def test_the_wait_sleeps_through_the_target_groups_health_checks_from_when_the_tasks_registered(target, ecs):
    # given: the target group's defaults (30 s × 5: healthy 120 s after registering at the soonest);
    # tasks starting at 0 and 30 s, registered at 37 s (seen at 60 s by the service's event), done
    # at 158 s
    _look(ecs, NEW_STARTING, OLD_DRAINING, now=0)
    _td(ecs, NEW_TD, NEW_IMAGE)
    with _default_target_group(target):
        _look(ecs, NEW_STARTING, OLD_DRAINING, now=30)
        for now in (60, 90, 120, 150):
            _look(ecs, NEW_RUNNING, OLD_DRAINING, events=[(37, REGISTERED)], now=now)
        _look(ecs, NEW_DONE, events=[(37, REGISTERED)], now=160)
        _running(ecs, NEW_IMAGE, NEW_IMAGE)
        clock = SimulatedClock()

        # when
        outcome = wait_for_rollout(target, CLUSTER, SERVICE, NEW_IMAGE, clock=clock, sleep=clock.sleep)

    # then: nothing can end before 37 + 120 s: a look every half minute (for the failures), then the
    # first of the looks 5 s apart after it, 160 s, where polling every 15 s looks at 165 s; the
    # target group read once
    assert clock.sleeps == [30, 30, 30, 30, 30, 10] and outcome.state == "success"


def test_once_the_new_tasks_fail_the_wait_no_longer_sleeps_through_the_health_checks(target, ecs):
    # given: the target group's defaults (no success within 120 s of the tasks registering at 40 s),
    # but at 60 s a new task has failed; the circuit breaker trips at its third, by 70 s
    _look(ecs, NEW_STARTING, OLD_DRAINING, now=0)
    _td(ecs, NEW_TD, NEW_IMAGE)
    with _default_target_group(target):
        _look(ecs, NEW_STARTING, OLD_DRAINING, now=30)
        for now, failed in ((60, 1), (65, 2)):
            _look(ecs, {**NEW_RUNNING, "failedTasks": failed}, OLD_DRAINING, events=[(40, REGISTERED)],
                  now=now)
        _look(ecs, OLD_BACK, {**NEW_FAILED, "failedTasks": 3}, events=[(40, REGISTERED), *ROLLBACK_EVENTS],
              now=70)
        _td(ecs, OLD_TD, OLD_IMAGE)
        clock = SimulatedClock()

        # when
        with pytest.raises(WaitFailed) as raised:
            wait_for_rollout(target, CLUSTER, SERVICE, NEW_IMAGE, clock=clock, sleep=clock.sleep)

    # then: half-minute looks before the failures, every 5 s once they began (with the calls the
    # quiet span saved); the failures are shown
    assert clock.sleeps == [30, 30, 5, 5]
    assert "circuit breaker rolled back the new image" in str(raised.value)
    assert "FAILED 0/2 running, 3 failed" in str(raised.value)


def test_a_wait_started_after_the_rollback_completed_fails_on_its_first_look_naming_it(target, ecs):
    # given: only the old deployment is left; the history has the new image's deployment rolled back
    _look(ecs, OLD_ONLY, events=ROLLBACK_EVENTS)
    _td(ecs, OLD_TD, OLD_IMAGE)
    _history(ecs, (8, NEW_IMAGE))

    # when
    with pytest.raises(WaitFailed) as raised:
        _wait(target)

    # then
    message = str(raised.value)
    assert raised.value.outcome.attempts == 1
    assert message.startswith("wait rollout failed after 0s: the deployment circuit breaker rolled back the "
                              "new image; last saw service ACTIVE")
    rollback = (f"rolled back: service deployment {ARN}:service-deployment/{CLUSTER}/{SERVICE}/8 "
                "ROLLBACK_SUCCESSFUL at 2026-11-02 12:04:00 UTC: ECS deployment circuit breaker: tasks "
                "failed to start.")
    assert message.count(rollback) == 2  # in what it last saw, and in the explanation
    assert message.endswith("service events: " + " | ".join(ROLLBACK_EVENTS))


def test_a_rollback_of_an_older_image_in_the_history_is_not_this_waits(target, ecs):
    _look(ecs, OLD_ONLY)
    _td(ecs, OLD_TD, OLD_IMAGE)
    _history(ecs, (6, f"{URI}:0ld0ld0"))
    _look(ecs, OLD_ONLY)

    with pytest.raises(WaitTimeout):
        _wait(target, policy=ROLLOUT.replace(deadline=15))


def test_without_a_deployment_history_a_finished_rollback_only_shows_in_the_events(stubbed_target):
    # given a target that declares it has no ListServiceDeployments (moto): nothing asks for it
    target = stubbed_target(capabilities=Capabilities(missing={"ecs": {
        "ListServiceDeployments": "moto does not implement ListServiceDeployments"}}))
    with Stubber(target.client("ecs")) as ecs:
        _look(ecs, OLD_ONLY, events=ROLLBACK_EVENTS)
        _td(ecs, OLD_TD, OLD_IMAGE)
        _look(ecs, OLD_ONLY, events=ROLLBACK_EVENTS)

        # when
        with pytest.raises(WaitTimeout) as raised:
            _wait(target, policy=ROLLOUT.replace(deadline=15))

    # then: it waited for the new image (no history call: the Stubber holds none)
    assert raised.value.outcome.state == "timeout" and raised.value.outcome.attempts == 2


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


# --- a rollback in progress, as `aws ecs describe-services` showed it (tests/data/ecs) -------------

def _captured_rollback(ecs):
    """The captured answer for its one look, revision 2 on OLD_IMAGE and revision 5 on NEW_IMAGE:
    its cluster, service and container names."""
    answer, service = captured.rollback_in_progress()
    cluster = service["clusterArn"].rsplit("/", 1)[1]
    ecs.add_response("describe_services", answer, {"cluster": cluster, "services": [service["serviceName"]]})
    container = service["loadBalancers"][0]["containerName"]
    for revision, image in ((2, OLD_IMAGE), (5, NEW_IMAGE)):
        arn = service["taskDefinition"].rsplit(":", 1)[0] + f":{revision}"
        ecs.add_response("describe_task_definition", _task_definition(arn, image, container),
                         {"taskDefinition": arn})
    return cluster, service["serviceName"], container


def test_a_rollback_under_way_to_the_old_deployment_fails_the_rollout_of_the_new_image(target, ecs):
    # given: the captured service, PRIMARY back on revision 2 with the circuit breaker rolling
    # back to it, revision 5 (the image waited for) only ACTIVE, and no task failed any more
    cluster, service, container = _captured_rollback(ecs)
    clock = SimulatedClock()

    # when
    with pytest.raises(WaitFailed) as raised:
        wait_for_rollout(target, cluster, service, NEW_IMAGE, container=container,
                         clock=clock, sleep=clock.sleep)

    # then: at the first look, saying which deployment the breaker went back to
    message = str(raised.value)
    assert message.startswith("wait rollout failed after 0s: the deployment circuit breaker rolled back")
    assert f"PRIMARY news-thewest-pr713-web-app-task-definition:2 ({OLD_IMAGE}) IN_PROGRESS 1/2 running, " \
           "the circuit breaker rolling back to it" in message


def test_a_rollout_of_the_image_the_breaker_rolls_back_to_is_not_failed_for_it(target, ecs):
    # given the same service, waited on for revision 2's image: that is the deployment coming back
    cluster, service, container = _captured_rollback(ecs)
    clock = SimulatedClock()

    # when: a deadline at the first look
    with pytest.raises(WaitTimeout):
        wait_for_rollout(target, cluster, service, OLD_IMAGE, container=container,
                         policy=ROLLOUT.replace(deadline=0), clock=clock, sleep=clock.sleep)
