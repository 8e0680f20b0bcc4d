"""A service's deployment history on Stubber answers shaped by botocore's ECS model: which rolled-back
deployment carried which image."""

from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from pipeline_harness.targets.base import Capabilities
from pipeline_harness.waits.deployments import ROLLED_BACK, History
from pipeline_harness.waits.tally import Tally

CLUSTER, SERVICE = "dev-cluster", "dev-php-app-alb-service"
ARN = "arn:aws:ecs:us-east-1:123456789012"
URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app"
AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _deployment(number, status, created, finished=None):
    listed = {"serviceDeploymentArn": f"{ARN}:service-deployment/{CLUSTER}/{SERVICE}/{number}",
              "serviceArn": f"{ARN}:service/{CLUSTER}/{SERVICE}", "status": status,
              "targetServiceRevisionArn": f"{ARN}:service-revision/{CLUSTER}/{SERVICE}/{number}",
              "statusReason": "ECS deployment circuit breaker: tasks failed to start.",
              "createdAt": AT.replace(minute=created)}
    return {**listed, "finishedAt": AT.replace(minute=finished)} if finished is not None else listed


def _revision(number, image, container="php-app-container"):
    return {"serviceRevisionArn": f"{ARN}:service-revision/{CLUSTER}/{SERVICE}/{number}",
            "containerImages": [{"containerName": container, "image": image}]}


def _ours(tag):
    return lambda image: (image.get("containerName") == "php-app-container"
                          and image.get("image") == f"{URI}:{tag}")


@pytest.fixture
def target(stubbed_target):
    return stubbed_target()


@pytest.fixture
def ecs(target):
    with Stubber(target.client("ecs")) as stub:
        yield stub
        stub.assert_no_pending_responses()


def test_the_newest_rolled_back_deployment_that_carried_the_image_is_named(target, ecs):
    # given: two rollbacks; the newer one carried 3f2c9a1
    ecs.add_response("list_service_deployments", {"serviceDeployments": [
        _deployment(5, "ROLLBACK_SUCCESSFUL", 1, 4), _deployment(8, "ROLLBACK_SUCCESSFUL", 10, 14)]},
        {"cluster": CLUSTER, "service": SERVICE, "status": list(ROLLED_BACK)})
    ecs.add_response("describe_service_revisions", {"serviceRevisions": [
        _revision(8, f"{URI}:3f2c9a1"), _revision(5, f"{URI}:0ld0ld0")], "failures": []},
        {"serviceRevisionArns": [f"{ARN}:service-revision/{CLUSTER}/{SERVICE}/{n}" for n in (8, 5)]})

    # when
    rollback = History(Tally(target), CLUSTER, SERVICE).rollback_of(_ours("3f2c9a1"))

    # then
    assert str(rollback) == (f"service deployment {ARN}:service-deployment/{CLUSTER}/{SERVICE}/8 "
                             "ROLLBACK_SUCCESSFUL at 2026-11-02 12:14:00 UTC: ECS deployment circuit "
                             "breaker: tasks failed to start.")


def test_a_rollback_of_another_image_is_not_ours(target, ecs):
    ecs.add_response("list_service_deployments",
                     {"serviceDeployments": [_deployment(5, "ROLLBACK_IN_PROGRESS", 1)]})
    ecs.add_response("describe_service_revisions", {"serviceRevisions": [_revision(5, f"{URI}:0ld0ld0")],
                                                    "failures": []})

    assert History(Tally(target), CLUSTER, SERVICE).rollback_of(_ours("3f2c9a1")) is None


def test_no_rollback_at_all_costs_one_call(target, ecs):
    ecs.add_response("list_service_deployments", {"serviceDeployments": []})

    assert History(Tally(target), CLUSTER, SERVICE).rollback_of(_ours("3f2c9a1")) is None


def test_a_target_that_declares_no_deployment_history_is_not_asked(stubbed_target):
    target = stubbed_target(capabilities=Capabilities(missing={"ecs": {
        "ListServiceDeployments": "moto does not implement ListServiceDeployments"}}))
    history = History(Tally(target), CLUSTER, SERVICE)

    with Stubber(target.client("ecs")):
        assert history.rollback_of(_ours("3f2c9a1")) is None
    assert history.unserved == "moto does not implement ListServiceDeployments"


def test_an_operation_the_server_does_not_know_is_asked_once(target, ecs):
    # given a server that answers the way an endpoint without the operation does
    ecs.add_client_error("list_service_deployments", "UnknownOperationException", "", 400)
    history = History(Tally(target), CLUSTER, SERVICE)

    # when asked twice
    found = [history.rollback_of(_ours("3f2c9a1")) for _ in range(2)]

    # then: one call, and the reason kept
    assert found == [None, None] and history.unserved == "stubbed does not serve ECS service deployments"


def test_a_history_the_caller_may_not_read_leaves_the_wait_to_what_it_sees(target, ecs):
    ecs.add_client_error("list_service_deployments", "AccessDeniedException",
                         "not authorized to perform: ecs:ListServiceDeployments", 400)
    history = History(Tally(target), CLUSTER, SERVICE)

    assert history.rollback_of(_ours("3f2c9a1")) is None
    assert history.unserved == "service deployments unreadable: AccessDeniedException"
