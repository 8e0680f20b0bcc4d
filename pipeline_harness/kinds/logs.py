"""CloudWatch Logs: the log group the CodeBuild project's builds write to, and the one the ECS
service's containers write to."""

from __future__ import annotations

import dataclasses

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, made
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context


def read(ctx: Context, name: str) -> Found:
    groups = ctx.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return next((g for g in groups if g["logGroupName"] == name), MISSING)


def _tags(ctx: Context, group: dict) -> dict[str, str]:
    arn = group["arn"].removesuffix(":*")
    return dict(ctx.client("logs").list_tags_for_resource(resourceArn=arn)["tags"])


def _create(ctx: Context, name: str, desired: dict) -> dict:
    logs = ctx.client("logs")
    logs.create_log_group(logGroupName=name, tags=ctx.settings.tags, **desired)
    return made(read(ctx, name), "log group", name)


def _names(target: Target) -> list[str]:
    pages = target.client("logs").get_paginator("describe_log_groups").paginate()
    return [g["logGroupName"] for page in pages for g in page["logGroups"]]


def _after_project(name: str, base: str) -> str | None:
    """/aws/codebuild/<run prefix>dev-php-app-build: the prefix sits after the path."""
    head, _, project = base.rpartition("/")
    if not name.startswith(head + "/") or not name.endswith(project):
        return None
    return name[len(head) + 1: -len(project)]


LOG_GROUP = Kind(
    key="log_group", title="log group", service="logs",
    rule=NameRule(512, r"[.\-_/#A-Za-z0-9]+", "letters, digits and . - _ / #"),
    actions=Actions(read=("logs:DescribeLogGroups",), owner=("logs:ListTagsForResource",),
                    create=("logs:CreateLogGroup", "logs:TagResource", "logs:TagLogGroup"),
                    delete=("logs:DeleteLogGroup",), list=("logs:DescribeLogGroups",)),
    read=read, tags=_tags, create=_create,
    delete=lambda ctx, group: ctx.client("logs").delete_log_group(logGroupName=group["logGroupName"]),
    names=_names, inventory=lambda target: set(_names(target)), run_prefix=_after_project,
)
# the containers' output, for a deployment that serves the wrong thing (Fargate's awslogs driver)
TASK_LOG_GROUP = dataclasses.replace(LOG_GROUP, key="task_log_group",
                                     name_of=lambda names: f"/ecs/{names.task_family}")
