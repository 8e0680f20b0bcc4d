"""Event-driven waits, the consuming side: EventBridge → one SQS queue per run → the waits.

CodePipeline, ECR and ECS publish state changes to EventBridge. A run that may create resources
makes one rule (the pattern from `run_pattern`) with its SQS queue as target; the waits long-poll
that queue (`Inbox`) as their sleep, wake on the events that concern them (the `wakes_*` filters
read the AWS envelope: source, detail-type, resources, detail) and then look once at the source of
truth. An event alone never decides: events are best effort and may be lost, late or repeated.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable

from botocore.client import BaseClient

from pipeline_harness.core.errors import AWS_ERRORS
from pipeline_harness.waits.model import LONG_POLL
from pipeline_harness.waits.schedules import Clock, Sleep

PIPELINE_EXECUTION = "CodePipeline Pipeline Execution State Change"
PIPELINE_PARTS = ("CodePipeline Stage Execution State Change", "CodePipeline Action Execution State Change")
PIPELINE_DETAIL_TYPES = (PIPELINE_EXECUTION, *PIPELINE_PARTS)
ECR_DETAIL_TYPE = "ECR Image Action"
ECS_DEPLOYMENT = "ECS Deployment State Change"
ECS_SERVICE_ACTION = "ECS Service Action"
ECS_TASK = "ECS Task State Change"
# service actions that say a deployment settled or cannot start tasks
ECS_SERVICE_ACTIONS = ("SERVICE_STEADY_STATE", "SERVICE_TASK_START_IMPAIRED")
# a service's tasks: RUNNING starts the health checks' clock; STOPPED, a failed task (the circuit
# breaker counts them) or an old one drained
TASK_CHANGES = ("RUNNING", "STOPPED")
# how a stage or an action ends; their other states say nothing the execution's events do not
PART_ENDS = ("SUCCEEDED", "FAILED", "STOPPED", "CANCELED", "ABANDONED")
# the queue's client is the caller's (`Inbox(target.client("sqs"), url)`): the services its calls
# are made on, for iam.calls, which finds the calls themselves
TALKS_TO = ("sqs",)

Event = dict
Wakes = Callable[[Event], bool]


# --- the rule: what a run's EventBridge rule matches ------------------------------------------------

def pipeline_patterns(pipeline: str) -> list[dict]:
    """One pipeline's execution state changes, and how its stages and actions end."""
    return [
        {"source": ["aws.codepipeline"], "detail-type": [PIPELINE_EXECUTION],
         "detail": {"pipeline": [pipeline]}},
        {"source": ["aws.codepipeline"], "detail-type": list(PIPELINE_PARTS),
         "detail": {"pipeline": [pipeline], "state": list(PART_ENDS)}},
    ]


def ecr_patterns(repository: str) -> list[dict]:
    """Successful pushes to one repository."""
    return [{"source": ["aws.ecr"], "detail-type": [ECR_DETAIL_TYPE],
             "detail": {"action-type": ["PUSH"], "result": ["SUCCESS"], "repository-name": [repository]}}]


def ecs_patterns(cluster: str, service: str, *, region: str, account: str) -> list[dict]:
    """One service's deployment state changes, its steady state or impaired starts, and its tasks
    turning RUNNING or STOPPED."""
    cluster_arn = f"arn:aws:ecs:{region}:{account}:cluster/{cluster}"
    service_arn = f"arn:aws:ecs:{region}:{account}:service/{cluster}/{service}"
    return [
        {"source": ["aws.ecs"], "detail-type": [ECS_DEPLOYMENT], "resources": [service_arn]},
        {"source": ["aws.ecs"], "detail-type": [ECS_SERVICE_ACTION], "resources": [service_arn],
         "detail": {"eventName": list(ECS_SERVICE_ACTIONS)}},
        {"source": ["aws.ecs"], "detail-type": [ECS_TASK],
         "detail": {"clusterArn": [cluster_arn], "group": [f"service:{service}"],
                    "lastStatus": list(TASK_CHANGES)}},
    ]


def run_pattern(*, pipeline: str, repository: str, cluster: str, service: str, region: str,
                account: str) -> dict:
    """The EventPattern of a run's one rule: its pipeline, its repository, its ECS service."""
    branches = [*pipeline_patterns(pipeline), *ecr_patterns(repository),
                *ecs_patterns(cluster, service, region=region, account=account)]
    return {"source": sorted({s for b in branches for s in b["source"]}), "$or": branches}


# --- which events a wait wakes on (they may come through a wider rule) --------------------------------

def _of(event: Event, source: str, *detail_types: str) -> bool:
    return event.get("source") == source and event.get("detail-type") in detail_types


def wakes_pipeline(pipeline: str, execution: Callable[[], str | None]) -> Wakes:
    """The pipeline's executions changing state (any execution, until the wait knows which is the
    commit's), and its stages and actions ending."""
    def wakes(event: Event) -> bool:
        detail = event.get("detail", {})
        if not _of(event, "aws.codepipeline", *PIPELINE_DETAIL_TYPES) or detail.get("pipeline") != pipeline:
            return False
        ours = execution()
        if ours is not None and detail.get("execution-id") != ours:
            return False
        return event.get("detail-type") == PIPELINE_EXECUTION or detail.get("state") in PART_ENDS
    return wakes


def may_fail_pipeline(event: Event) -> bool:
    """Worth a look inside a quiet span, where only a failure can come: all but a stage or an
    action that succeeded."""
    part = event.get("detail-type") in PIPELINE_PARTS
    return not part or event.get("detail", {}).get("state") != "SUCCEEDED"


def may_fail_rollout(event: Event) -> bool:
    """Worth a look inside a quiet span: all but a task turning RUNNING (a rollback's deployment
    is IN_PROGRESS too, so deployment changes all count; a task STOPPED may be a failed one)."""
    task = event.get("detail-type") == ECS_TASK
    return not task or event.get("detail", {}).get("lastStatus") != "RUNNING"


def wakes_ecr(repository: str, tags: Iterable[str]) -> Wakes:
    """A successful push of one of the tags to the repository."""
    tags = set(tags)

    def wakes(event: Event) -> bool:
        detail = event.get("detail", {})
        return (_of(event, "aws.ecr", ECR_DETAIL_TYPE) and detail.get("action-type") == "PUSH"
                and detail.get("result") == "SUCCESS" and detail.get("repository-name") == repository
                and detail.get("image-tag") in tags)
    return wakes


def wakes_rollout(cluster: str, service: str) -> Wakes:
    """The service's deployment state changes, steady state or impaired starts, and its tasks
    turning RUNNING (the health checks' clock starts) or STOPPED (failed tasks trip the circuit
    breaker)."""
    arn_ends = (f":service/{cluster}/{service}", f":service/{service}")

    def names_service(event: Event) -> bool:
        return any(r.endswith(arn_ends) for r in event.get("resources", []))

    def wakes(event: Event) -> bool:
        detail = event.get("detail", {})
        if _of(event, "aws.ecs", ECS_DEPLOYMENT):
            return names_service(event)
        if _of(event, "aws.ecs", ECS_SERVICE_ACTION):
            return names_service(event) and detail.get("eventName") in ECS_SERVICE_ACTIONS
        return (_of(event, "aws.ecs", ECS_TASK) and detail.get("group") == f"service:{service}"
                and str(detail.get("clusterArn", "")).endswith(f"/{cluster}")
                and detail.get("lastStatus") in TASK_CHANGES)
    return wakes


# --- the queue -------------------------------------------------------------------------------------

class Inbox:
    """A run's SQS queue of EventBridge events, long-polled as the waits' sleep.

    Every event received is kept in order, so waits that run one after another each see what
    came in while another one listened. A receive hides its messages for SQS's longest visibility
    timeout: the queue lives only as long as the run, so no message is deleted one by one.
    """

    HIDE_SECONDS = 12 * 60 * 60

    def __init__(self, sqs: BaseClient, queue_url: str):
        self.sqs, self.queue_url = sqs, queue_url
        self.events: list[Event] = []
        self.ids: set[str] = set()
        self.broken: str | None = None  # why the queue can't be read: the waits then only poll

    def mark(self) -> int:
        return len(self.events)

    def receive(self, seconds: float) -> list[Event]:
        """One long poll of up to `seconds` (at most LONG_POLL); the new events it brought."""
        answer = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=self.HIDE_SECONDS,
            WaitTimeSeconds=max(0, min(LONG_POLL, math.ceil(seconds))))
        new = []
        for message in answer.get("Messages", []):
            event = envelope(message.get("Body", ""))
            if event is not None and str(event.get("id")) not in self.ids:
                self.ids.add(str(event.get("id")))
                new.append(event)
        self.events.extend(new)
        return new

    def listen(self, seconds: float, wakes: Wakes, since: int, clock: Clock,
               sleep: Sleep) -> tuple[int, bool]:
        """Long-poll for up to `seconds` until an event from number `since` on wakes the wait;
        the number after the last event looked at, and whether one woke it."""
        deadline = clock() + seconds
        cursor = since
        while not any(wakes(e) for e in self.events[cursor:]):
            cursor = len(self.events)
            left = deadline - clock()
            if left <= 0:
                return cursor, False
            if self.broken:
                sleep(left)
                return cursor, False
            try:
                self.receive(left)
            except AWS_ERRORS as err:
                self.broken = f"events unavailable ({err}); the waits only poll"
        return len(self.events), True


def envelope(body: str) -> Event | None:
    """The EventBridge event in an SQS message body (bare, or inside an SNS notification)."""
    try:
        document = json.loads(body)
    except (TypeError, ValueError):
        return None
    if isinstance(document, dict) and "Message" in document and "detail-type" not in document:
        return envelope(document["Message"])
    return document if isinstance(document, dict) and "detail-type" in document else None
