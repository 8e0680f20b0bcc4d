"""ECR: the lab's image repository."""

from __future__ import annotations

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, tag_map
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context


def read(ctx: Context, name: str) -> Found:
    ecr = ctx.client("ecr")
    try:
        return ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    except ecr.exceptions.RepositoryNotFoundException:
        return MISSING


def _tags(ctx: Context, repository: dict) -> dict[str, str]:
    listed = ctx.client("ecr").list_tags_for_resource(resourceArn=repository["repositoryArn"])
    return tag_map(listed["tags"])


def _create(ctx: Context, name: str, desired: dict) -> dict:
    return ctx.client("ecr").create_repository(repositoryName=name, **desired,
                                               tags=ctx.tag_list())["repository"]


def _update(ctx: Context, repository: dict, desired: dict) -> dict:
    ecr, name = ctx.client("ecr"), repository["repositoryName"]
    if repository["imageScanningConfiguration"] != desired["imageScanningConfiguration"]:
        ecr.put_image_scanning_configuration(
            repositoryName=name, imageScanningConfiguration=desired["imageScanningConfiguration"])
    if repository["imageTagMutability"] != desired["imageTagMutability"]:
        ecr.put_image_tag_mutability(repositoryName=name,
                                     imageTagMutability=desired["imageTagMutability"])
    return {**repository, **desired}


def _delete(ctx: Context, repository: dict) -> None:
    ctx.client("ecr").delete_repository(repositoryName=repository["repositoryName"], force=True)


def _names(target: Target) -> list[str]:
    pages = target.client("ecr").get_paginator("describe_repositories").paginate()
    return [r["repositoryName"] for page in pages for r in page["repositories"]]



REPOSITORY = Kind(
    key="ecr_repository", title="ECR repository", service="ecr",
    rule=NameRule(256, r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*",
                  "lower-case letters, digits and . _ - / between them", min_length=2),
    actions=Actions(read=("ecr:DescribeRepositories",), owner=("ecr:ListTagsForResource",),
                    create=("ecr:CreateRepository", "ecr:TagResource"),
                    update=("ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability"),
                    # a forced delete removes the images too, which needs BatchDeleteImage
                    delete=("ecr:DeleteRepository", "ecr:BatchDeleteImage"),
                    list=("ecr:DescribeRepositories",)),
    read=read, tags=_tags, create=_create, update=_update, delete=_delete, names=_names,
    inventory=lambda target: set(_names(target)),
)
