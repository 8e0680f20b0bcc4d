"""The run's event source, made only when waits may use events (the nightly run, `wait --events`):
one EventBridge rule for the run's pipeline, repository and ECS service, delivering to one SQS
queue that only EventBridge, and only this rule, may send to. The harness's plumbing for Step 7's
waits, not a step of the tutorial: no number, no checks; torn down with everything else.
"""

from __future__ import annotations

import json

from pipeline_harness.kinds.events import EVENT_RULE
from pipeline_harness.kinds.sqs import EVENT_QUEUE
from pipeline_harness.steps.base import Resource, Step
from pipeline_harness.targets.context import Context
from pipeline_harness.waits import events


def _made(ctx: Context) -> bool:
    return ctx.settings.wait_events


def _arns(ctx: Context) -> tuple[str, str]:
    names, name = ctx.names, EVENT_RULE.name(ctx.names)
    return (f"arn:aws:events:{names.region}:{names.account_id}:rule/{name}",
            f"arn:aws:sqs:{names.region}:{names.account_id}:{EVENT_QUEUE.name(ctx.names)}")


def _queue(ctx: Context) -> dict:
    rule, queue = _arns(ctx)
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "OnlyTheRunsRule", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue, "Condition": {"ArnEquals": {"aws:SourceArn": rule}}}]}
    return {"Attributes": {"Policy": json.dumps(policy), "MessageRetentionPeriod": "86400"}}


def _rule(ctx: Context) -> dict:
    names = ctx.names
    pattern = events.run_pattern(pipeline=names.pipeline, repository=names.ecr_repository,
                                 cluster=names.cluster, service=names.service, region=names.region,
                                 account=names.account_id)
    return {"EventPattern": json.dumps(pattern), "QueueArn": _arns(ctx)[1],
            "Description": f"pipeline-harness run {ctx.settings.run_id}: Step 7 events"}


RESOURCES = (Resource(EVENT_QUEUE, _queue, _made), Resource(EVENT_RULE, _rule, _made))


def handle(ctx: Context) -> dict:
    if EVENT_QUEUE.key not in ctx.found:
        return {}
    return {"queue_url": ctx.found[EVENT_QUEUE.key]["QueueUrl"],
            "rule": ctx.found[EVENT_RULE.key]["Rule"]["Arn"]}


STEP = Step(name="event_source", number=None,
            title="The run's event source: an EventBridge rule and its SQS queue",
            resources=RESOURCES, outputs=handle)
