"""CodeBuild: the project that builds the lab's image."""

from __future__ import annotations

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, drifted, tag_map
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context


def read(ctx: Context, name: str) -> Found:
    found = ctx.client("codebuild").batch_get_projects(names=[name])
    return found["projects"][0] if found["projects"] else MISSING


def _tags(ctx: Context, project: dict) -> dict[str, str]:
    return tag_map(project.get("tags"), "key", "value")


def _create(ctx: Context, name: str, desired: dict) -> dict:
    return ctx.client("codebuild").create_project(name=name, **desired,
                                                  tags=ctx.tag_list("key", "value"))["project"]


def _update(ctx: Context, project: dict, desired: dict) -> dict:
    if not drifted(desired, project):
        return project
    ctx.target.require("codebuild", "UpdateProject")
    return ctx.client("codebuild").update_project(name=project["name"], **desired)["project"]


def _delete(ctx: Context, project: dict) -> None:
    ctx.client("codebuild").delete_project(name=project["name"])


def _names(target: Target) -> list[str]:
    pages = target.client("codebuild").get_paginator("list_projects").paginate()
    return [name for page in pages for name in page["projects"]]


PROJECT = Kind(
    key="codebuild_project", title="CodeBuild project", service="codebuild",
    rule=NameRule(255, r"[A-Za-z0-9][A-Za-z0-9_-]*", "letters, digits, - and _ (a letter or digit first)",
                  min_length=2),
    actions=Actions(read=("codebuild:BatchGetProjects",), owner=("codebuild:BatchGetProjects",),
                    create=("codebuild:CreateProject",),
                    update=("codebuild:UpdateProject",),
                    delete=("codebuild:DeleteProject",),
                    list=("codebuild:ListProjects",)),
    read=read, tags=_tags, create=_create, update=_update, delete=_delete, names=_names,
    inventory=lambda target: set(_names(target)),
)
