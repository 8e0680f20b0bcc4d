"""EventBridge: the rule that sends a run's pipeline, image and deployment events to its queue."""

from __future__ import annotations

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, made, tag_map
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context

TARGET_ID = "run-queue"


def read(ctx: Context, name: str) -> Found:
    events = ctx.client("events")
    try:
        rule = events.describe_rule(Name=name)
    except events.exceptions.ResourceNotFoundException:
        return MISSING
    return {"Rule": rule, "Targets": events.list_targets_by_rule(Rule=name).get("Targets", [])}


def _tags(ctx: Context, found: dict) -> dict[str, str]:
    return tag_map(ctx.client("events").list_tags_for_resource(ResourceARN=found["Rule"]["Arn"])["Tags"])


def _create(ctx: Context, name: str, desired: dict) -> dict:
    ctx.client("events").put_rule(Name=name, EventPattern=desired["EventPattern"], State="ENABLED",
                                  Description=desired["Description"], Tags=ctx.tag_list())
    return _update(ctx, made(read(ctx, name), "EventBridge rule", name), desired)


def _update(ctx: Context, found: dict, desired: dict) -> dict:
    events, name = ctx.client("events"), found["Rule"]["Name"]
    if found["Rule"].get("EventPattern") != desired["EventPattern"]:
        events.put_rule(Name=name, EventPattern=desired["EventPattern"], State="ENABLED",
                        Description=desired["Description"])
    if [t["Arn"] for t in found["Targets"]] != [desired["QueueArn"]]:
        events.put_targets(Rule=name, Targets=[{"Id": TARGET_ID, "Arn": desired["QueueArn"]}])
    return made(read(ctx, name), "EventBridge rule", name)


def _delete(ctx: Context, found: dict) -> None:
    events, name = ctx.client("events"), found["Rule"]["Name"]
    if found["Targets"]:
        events.remove_targets(Rule=name, Ids=[t["Id"] for t in found["Targets"]])
    events.delete_rule(Name=name)


def _names(target: Target) -> list[str]:
    pages = target.client("events").get_paginator("list_rules").paginate()
    return [rule["Name"] for page in pages for rule in page["Rules"]]


EVENT_RULE = Kind(
    key="event_rule", title="EventBridge rule", service="events",
    rule=NameRule(64, r"[.\-_A-Za-z0-9]+", "letters, digits and . - _"),
    actions=Actions(read=("events:DescribeRule", "events:ListTargetsByRule"),
                    owner=("events:ListTagsForResource",),
                    create=("events:PutRule", "events:TagResource", "events:PutTargets"),
                    update=("events:PutRule", "events:PutTargets"),
                    delete=("events:RemoveTargets", "events:DeleteRule"), list=("events:ListRules",)),
    read=read, tags=_tags, create=_create, update=_update, delete=_delete, names=_names,
    inventory=lambda target: set(_names(target)),
    policy_resources=("arn:aws:events:*:*:rule/*dev-php-app-events",), name_of=lambda names: names.events,
)
