"""CodePipeline: the lab's pipeline."""

from __future__ import annotations

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, drifted, tag_map
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context


def read(ctx: Context, name: str) -> Found:
    client = ctx.client("codepipeline")
    try:
        return client.get_pipeline(name=name)
    except client.exceptions.PipelineNotFoundException:
        return MISSING


def _tags(ctx: Context, found: dict) -> dict[str, str]:
    arn = found["metadata"]["pipelineArn"]
    return tag_map(ctx.client("codepipeline").list_tags_for_resource(resourceArn=arn)["tags"],
                   "key", "value")


def _create(ctx: Context, name: str, desired: dict) -> dict:
    made = ctx.client("codepipeline").create_pipeline(
        pipeline={"name": name, **desired}, tags=ctx.tag_list("key", "value"))
    return {"pipeline": made["pipeline"]}


def _update(ctx: Context, found: dict, desired: dict) -> dict:
    want = {"name": found["pipeline"]["name"], **desired, "version": found["pipeline"]["version"]}
    if not drifted(want, found["pipeline"]):
        return found
    return {**found, "pipeline": ctx.client("codepipeline").update_pipeline(pipeline=want)["pipeline"]}


def _delete(ctx: Context, found: dict) -> None:
    ctx.client("codepipeline").delete_pipeline(name=found["pipeline"]["name"])


def _names(target: Target) -> list[str]:
    pages = target.client("codepipeline").get_paginator("list_pipelines").paginate()
    return [p["name"] for page in pages for p in page["pipelines"]]



PIPELINE = Kind(
    key="pipeline", title="pipeline", service="codepipeline",
    rule=NameRule(100, r"[A-Za-z0-9.@_-]+", "letters, digits and . @ _ -"),
    actions=Actions(read=("codepipeline:GetPipeline",), owner=("codepipeline:ListTagsForResource",),
                    create=("codepipeline:CreatePipeline", "codepipeline:TagResource"),
                    update=("codepipeline:UpdatePipeline",),
                    delete=("codepipeline:DeletePipeline",), list=("codepipeline:ListPipelines",)),
    read=read, tags=_tags, create=_create, update=_update, delete=_delete, names=_names,
    inventory=lambda target: set(_names(target)),
)
