"""The consuming side of event-driven waits: which events wake which wait (the AWS documentation's
sample events, with this lab's names), and the SQS inbox on Stubber answers."""

import copy
import json
from pathlib import Path

import botocore.parsers
import pytest
from botocore.stub import Stubber

from pipeline_harness.waits import events
from pipeline_harness.waits.events import Inbox
from pipeline_harness.waits.schedules import SimulatedClock

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "events"
PIPELINE, EXECUTION = "dev-php-app-pipeline", "11111111-2222-3333-4444-555555555555"
REPOSITORY, CLUSTER, SERVICE = "my-ecs-php-app", "dev-cluster", "dev-php-app-alb-service"
SERVICE_ARN = f"arn:aws:ecs:us-east-1:123456789012:service/{CLUSTER}/{SERVICE}"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/pht-run-events"


def sample(name, resources=None, event_id=None, **detail):
    """A documentation sample event, its names changed to the lab's (and its id, if given)."""
    event = copy.deepcopy(json.loads((SAMPLES / f"{name}.json").read_text())["event"])
    if resources is not None:
        event["resources"] = resources
    if event_id is not None:
        event["id"] = event_id
    event["detail"].update(detail)
    return event


def _pipeline_event(name, **detail):
    return sample(name, [f"arn:aws:codepipeline:us-east-1:123456789012:{PIPELINE}"],
                  **{"pipeline": PIPELINE, "execution-id": EXECUTION, **detail})


def test_every_sample_keeps_the_documented_envelope_and_its_source():
    for path in sorted(SAMPLES.glob("*.json")):
        kept = json.loads(path.read_text())
        assert kept["source"]["url"].startswith("https://docs.aws.amazon.com/"), path.name
        assert {"version", "id", "detail-type", "source", "account", "time", "region", "resources",
                "detail"} <= set(kept["event"]), path.name


@pytest.mark.parametrize("name, detail, known, wakes", [
    ("codepipeline-pipeline-succeeded", {}, True, True),
    ("codepipeline-pipeline-failed", {}, True, True),
    ("codepipeline-pipeline-succeeded", {"state": "STARTED", "execution-id": "another"}, False, True),
    ("codepipeline-pipeline-succeeded", {"execution-id": "another"}, True, False),
    ("codepipeline-stage-stopped", {}, True, True),
    ("codepipeline-stage-stopped", {"state": "STARTED"}, True, False),
    ("codepipeline-action-succeeded", {"stage": "Deploy", "action": "Deploy"}, True, True),
    ("codepipeline-action-failed", {}, True, True),
    ("codepipeline-action-succeeded", {"state": "STARTED"}, True, False),
    ("codepipeline-pipeline-succeeded", {"pipeline": "myPipeline"}, True, False),
])
def test_the_pipeline_wait_wakes_on_its_executions_and_the_ends_of_their_stages_and_actions(
        name, detail, known, wakes):
    # given the wait knows the commit's execution (or not yet)
    filter_ = events.wakes_pipeline(PIPELINE, lambda: EXECUTION if known else None)

    # then
    assert filter_(_pipeline_event(name, **detail)) is wakes


@pytest.mark.parametrize("detail, wakes", [
    ({"repository-name": REPOSITORY, "image-tag": "3f2c9a1"}, True),
    ({"repository-name": REPOSITORY, "image-tag": "1a2b3c4"}, False),
    ({"repository-name": "my-repo", "image-tag": "latest"}, False),
    ({"repository-name": REPOSITORY, "image-tag": "latest", "result": "FAILURE"}, False),
])
def test_the_ecr_tags_wait_wakes_on_a_successful_push_of_one_of_its_tags(detail, wakes):
    filter_ = events.wakes_ecr(REPOSITORY, ("3f2c9a1", "latest", "42"))

    assert filter_(sample("ecr-image-push", **detail)) is wakes


def test_a_deleted_tag_does_not_wake_the_ecr_tags_wait():
    filter_ = events.wakes_ecr(REPOSITORY, ("latest",))

    assert not filter_(sample("ecr-image-delete", **{"repository-name": REPOSITORY}))


@pytest.mark.parametrize("name, resources, detail, wakes", [
    ("ecs-deployment-completed", [SERVICE_ARN], {}, True),
    ("ecs-deployment-failed", [SERVICE_ARN], {}, True),
    ("ecs-deployment-rollback-in-progress", [SERVICE_ARN], {}, True),
    ("ecs-deployment-completed", ["arn:aws:ecs:us-west-2:111122223333:service/default/servicetest"], {},
     False),
    ("ecs-service-steady-state", [SERVICE_ARN], {}, True),
    ("ecs-service-steady-state", [SERVICE_ARN], {"eventName": "SERVICE_DESIRED_COUNT_UPDATED"}, False),
    ("ecs-task-state-change", None, {"group": f"service:{SERVICE}",
                                     "clusterArn": f"arn:aws:ecs:us-east-1:123456789012:cluster/{CLUSTER}"},
     True),
    ("ecs-task-state-change", None, {"group": f"service:{SERVICE}", "lastStatus": "STOPPED",
                                     "clusterArn": f"arn:aws:ecs:us-east-1:123456789012:cluster/{CLUSTER}"},
     True),  # a failed task, which the circuit breaker counts
    ("ecs-task-state-change", None, {"group": f"service:{SERVICE}", "lastStatus": "PROVISIONING",
                                     "clusterArn": f"arn:aws:ecs:us-east-1:123456789012:cluster/{CLUSTER}"},
     False),
    ("ecs-task-state-change", None, {}, False),  # the sample's own family:sample-fargate task
])
def test_the_rollout_wait_wakes_on_its_services_deployments_steady_state_and_running_or_stopped_tasks(
        name, resources, detail, wakes):
    filter_ = events.wakes_rollout(CLUSTER, SERVICE)

    assert filter_(sample(name, resources, **detail)) is wakes


@pytest.mark.parametrize("name, detail, may_fail", [
    ("codepipeline-pipeline-succeeded", {}, True),  # the execution's own changes always count
    ("codepipeline-pipeline-failed", {}, True),
    ("codepipeline-stage-stopped", {}, True),
    ("codepipeline-stage-stopped", {"state": "SUCCEEDED"}, False),
    ("codepipeline-action-failed", {}, True),
    ("codepipeline-action-succeeded", {}, False),
])
def test_inside_a_quiet_span_only_the_pipelines_events_that_may_be_a_failure_count(name, detail, may_fail):
    assert events.may_fail_pipeline(_pipeline_event(name, **detail)) is may_fail


@pytest.mark.parametrize("name, detail, may_fail", [
    ("ecs-deployment-failed", {}, True),
    ("ecs-deployment-rollback-in-progress", {}, True),  # IN_PROGRESS, like any new deployment's
    ("ecs-deployment-in-progress", {}, True),
    ("ecs-deployment-completed", {}, True),  # a rollback's deployment completes too
    ("ecs-service-steady-state", {}, True),
    ("ecs-task-state-change", {}, False),  # the sample: a task turning RUNNING
    ("ecs-task-state-change", {"lastStatus": "STOPPED"}, True),
])
def test_inside_a_quiet_span_a_task_turning_running_is_no_failure_of_the_rollout(name, detail, may_fail):
    assert events.may_fail_rollout(sample(name, **detail)) is may_fail


def test_the_run_pattern_joins_each_waits_patterns_under_their_sources():
    pattern = events.run_pattern(pipeline=PIPELINE, repository=REPOSITORY, cluster=CLUSTER, service=SERVICE,
                                 region="us-east-1", account="123456789012")

    assert pattern["source"] == ["aws.codepipeline", "aws.ecr", "aws.ecs"]
    assert pattern["$or"] == [*events.pipeline_patterns(PIPELINE), *events.ecr_patterns(REPOSITORY),
                              *events.ecs_patterns(CLUSTER, SERVICE, region="us-east-1",
                                                   account="123456789012")]
    assert {"source": ["aws.ecs"], "detail-type": ["ECS Deployment State Change"],
            "resources": [SERVICE_ARN]} in pattern["$or"]
    json.dumps(pattern)  # an EventPattern is JSON


# --- the inbox ------------------------------------------------------------------------------------

@pytest.fixture
def sqs(stubbed_target):
    client = stubbed_target().client("sqs")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _received(*bodies):
    return {"Messages": [{"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body}
                         for i, body in enumerate(bodies)]}


def _receive(stub, *bodies, wait=20):
    stub.add_response("receive_message", _received(*bodies), {
        "QueueUrl": QUEUE, "MaxNumberOfMessages": 10, "VisibilityTimeout": 12 * 3600,
        "WaitTimeSeconds": wait})


def test_a_receive_keeps_each_event_once_bare_or_inside_an_sns_notification(sqs):
    # given: an event, the same event again (at-least-once delivery), one wrapped by SNS, and noise
    client, stub = sqs
    pushed = sample("ecr-image-push")
    completed = sample("ecs-deployment-completed")
    _receive(stub, json.dumps(pushed), json.dumps(pushed),
             json.dumps({"Type": "Notification", "Message": json.dumps(completed)}), "not json", "{}")

    # when
    inbox = Inbox(client, QUEUE)
    new = inbox.receive(30)

    # then: a long poll of 20 s at most, hiding what it took for the queue's life
    assert [e["id"] for e in new] == [pushed["id"], completed["id"]] and inbox.events == new


def test_listening_ends_at_the_first_event_that_wakes_the_wait(sqs):
    client, stub = sqs
    _receive(stub, json.dumps(sample("ecr-image-push", event_id="other", **{"repository-name": "my-repo"})))
    _receive(stub, json.dumps(sample("ecr-image-push", event_id="ours", **{"repository-name": REPOSITORY})))
    inbox, clock = Inbox(client, QUEUE), SimulatedClock()

    heard = inbox.listen(60, events.wakes_ecr(REPOSITORY, ["latest"]), 0, clock, clock.sleep)

    assert heard == (2, True) and [e["id"] for e in inbox.events] == ["other", "ours"]


def test_listening_first_looks_at_events_another_wait_received(sqs):
    client, stub = sqs
    _receive(stub, json.dumps(sample("ecr-image-push", **{"repository-name": REPOSITORY})))
    inbox, clock = Inbox(client, QUEUE), SimulatedClock()
    inbox.receive(20)  # while another wait listened

    heard = inbox.listen(60, events.wakes_ecr(REPOSITORY, ["latest"]), 0, clock, clock.sleep)

    assert heard == (1, True)  # no receive: the Stubber holds no second answer


def test_listening_gives_up_at_its_deadline_in_long_polls_of_20_s_at_most(sqs):
    # given: each empty receive takes its whole wait, as SQS's long poll does
    client, stub = sqs
    clock = SimulatedClock()
    def long_poll(params, **_):
        clock.now += params["WaitTimeSeconds"]

    client.meta.events.register("provide-client-params.sqs.ReceiveMessage", long_poll)
    _receive(stub, wait=20)
    _receive(stub, wait=5)

    heard = Inbox(client, QUEUE).listen(25, lambda e: True, 0, clock, clock.sleep)

    assert heard == (0, False) and clock.now == 25


def test_a_queue_that_cannot_be_read_leaves_the_wait_sleeping_to_its_next_look(sqs):
    client, stub = sqs
    stub.add_client_error("receive_message", "AccessDenied", "not authorized to perform: sqs:ReceiveMessage")
    inbox, clock = Inbox(client, QUEUE), SimulatedClock()

    heard = inbox.listen(30, lambda e: True, 0, clock, clock.sleep)

    assert heard == (0, False) and clock.sleeps == [30]
    assert inbox.broken.startswith("events unavailable (An error occurred (AccessDenied)")


def test_a_queue_answering_what_botocore_cannot_parse_leaves_the_wait_polling(stubbed_target):
    # given: a queue whose answer botocore cannot parse (before any Stubber could answer)
    client = stubbed_target().client("sqs")

    def garbled(**_):
        raise botocore.parsers.ResponseParserError("Unable to parse response")

    client.meta.events.register_first("before-call.sqs.ReceiveMessage", garbled)  # the only answer
    inbox, clock = Inbox(client, QUEUE), SimulatedClock()

    # when
    heard = inbox.listen(30, lambda e: True, 0, clock, clock.sleep)

    # then
    assert heard == (0, False) and clock.sleeps == [30]
    assert inbox.broken == "events unavailable (Unable to parse response); the waits only poll"
