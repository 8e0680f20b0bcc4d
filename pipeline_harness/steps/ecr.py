"""Step 1: a private ECR repository with scan on push (tag immutability optional)."""

from __future__ import annotations

from pipeline_harness.errors import NotOurs
from pipeline_harness.steps.base import MISSING, Check, Context, carries_our_tag, equals, exists

SERVICES = ("ecr",)
STEP = 1
KEY = "ecr_repository"


def desired(ctx: Context) -> dict:
    return {
        "repositoryName": ctx.names.ecr_repository,
        "imageScanningConfiguration": {"scanOnPush": True},
        "imageTagMutability": "IMMUTABLE" if ctx.settings.tag_immutability else "MUTABLE",
    }


def read(ctx: Context):
    ecr = ctx.client("ecr")
    try:
        return ecr.describe_repositories(repositoryNames=[ctx.names.ecr_repository])["repositories"][0]
    except ecr.exceptions.RepositoryNotFoundException:
        return MISSING


def _ours(ctx: Context, repo: dict) -> bool:
    if KEY in ctx.created:
        return True
    tags = ctx.client("ecr").list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
    return carries_our_tag(tags)


def ensure(ctx: Context) -> dict:
    ecr, want = ctx.client("ecr"), desired(ctx)
    try:
        repo = ecr.create_repository(**want, tags=ctx.tag_list())["repository"]
    except ecr.exceptions.RepositoryAlreadyExistsException:
        repo = read(ctx)
        if not _ours(ctx, repo):
            raise NotOurs(f"ECR repository {want['repositoryName']} exists and was not made by "
                          "pipeline-harness; use --prefix or remove it") from None
        if repo["imageScanningConfiguration"] != want["imageScanningConfiguration"]:
            ecr.put_image_scanning_configuration(
                repositoryName=want["repositoryName"],
                imageScanningConfiguration=want["imageScanningConfiguration"])
        if repo["imageTagMutability"] != want["imageTagMutability"]:
            ecr.put_image_tag_mutability(repositoryName=want["repositoryName"],
                                         imageTagMutability=want["imageTagMutability"])
    ctx.created.add(KEY)
    return {"name": repo["repositoryName"], "arn": repo["repositoryArn"], "uri": repo["repositoryUri"]}


def delete(ctx: Context) -> str:
    repo = read(ctx)
    if repo is MISSING:
        return "absent"
    if not _ours(ctx, repo):
        return "not ours"
    ctx.client("ecr").delete_repository(repositoryName=repo["repositoryName"], force=True)
    ctx.created.discard(KEY)
    return "deleted"


CHECKS = [
    Check("ecr.repository", STEP, "ECR repository exists",
          "ECR → Repositories → Create repository, name `my-ecs-php-app` (Step 1)",
          read, exists(lambda r: f"`{r['repositoryUri']}`"), needs=(("ecr", None),)),
    Check("ecr.scan-on-push", STEP, "Scan on push enabled",
          "Enable \"Scan on push\" so pushed images are scanned for CVEs (Step 1)",
          read, equals(lambda ctx: True, lambda r: r["imageScanningConfiguration"]["scanOnPush"]),
          needs=(("ecr", None),)),
    Check("ecr.tag-immutability", STEP, "Tag immutability (optional)",
          "Tag immutability is optional, recommended for production (Step 1)",
          read, equals(lambda ctx: "IMMUTABLE", lambda r: r["imageTagMutability"]),
          needs=(("ecr", None),), bonus=lambda ctx: not ctx.settings.tag_immutability),
]
