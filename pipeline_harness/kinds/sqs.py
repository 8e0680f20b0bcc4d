"""SQS: the queue a run's EventBridge rule delivers to, long-polled by the Step 7 waits."""

from __future__ import annotations

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, error_code, made
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context

_ABSENT = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def read(ctx: Context, name: str) -> Found:
    sqs = ctx.client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.ClientError as err:
        if error_code(err) in _ABSENT:
            return MISSING
        raise
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return {"QueueUrl": url, "Attributes": attributes}


def _create(ctx: Context, name: str, desired: dict) -> dict:
    ctx.client("sqs").create_queue(QueueName=name, Attributes=desired["Attributes"], tags=ctx.settings.tags)
    return made(read(ctx, name), "SQS queue", name)


def _update(ctx: Context, queue: dict, desired: dict) -> dict:
    wrong = {k: v for k, v in desired["Attributes"].items() if queue["Attributes"].get(k) != v}
    if wrong:
        ctx.client("sqs").set_queue_attributes(QueueUrl=queue["QueueUrl"], Attributes=wrong)
    return {**queue, "Attributes": {**queue["Attributes"], **wrong}}


def _names(target: Target) -> list[str]:
    pages = target.client("sqs").get_paginator("list_queues").paginate()
    return [url.rsplit("/", 1)[-1] for page in pages for url in page.get("QueueUrls", [])]


EVENT_QUEUE = Kind(
    key="event_queue", title="SQS queue", service="sqs",
    rule=NameRule(80, r"[A-Za-z0-9_-]+", "letters, digits, _ and -"),
    actions=Actions(read=("sqs:GetQueueUrl", "sqs:GetQueueAttributes"), owner=("sqs:ListQueueTags",),
                    create=("sqs:CreateQueue", "sqs:TagQueue", "sqs:SetQueueAttributes"),
                    update=("sqs:SetQueueAttributes",), delete=("sqs:DeleteQueue",),
                    list=("sqs:ListQueues",)),
    read=read,
    tags=lambda ctx, queue: ctx.client("sqs").list_queue_tags(QueueUrl=queue["QueueUrl"]).get("Tags", {}),
    create=_create, update=_update,
    delete=lambda ctx, queue: ctx.client("sqs").delete_queue(QueueUrl=queue["QueueUrl"]),
    names=_names, inventory=lambda target: set(_names(target)),
    policy_resources=("arn:aws:sqs:*:*:*dev-php-app-events",), name_of=lambda names: names.events,
)
