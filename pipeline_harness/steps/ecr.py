"""Step 1: a private ECR repository with scan on push (tag immutability optional)."""

from __future__ import annotations

from pipeline_harness.context import Context
from pipeline_harness.kinds.ecr import REPOSITORY
from pipeline_harness.steps.base import Check, Resource, equals, exists, reader

STEP = 1


def desired(ctx: Context) -> dict:
    return {
        "imageScanningConfiguration": {"scanOnPush": True},
        "imageTagMutability": "IMMUTABLE" if ctx.settings.tag_immutability else "MUTABLE",
    }


RESOURCES = (Resource(REPOSITORY, desired),)


def handle(ctx: Context) -> dict:
    repository = ctx.found[REPOSITORY.key]
    return {"name": repository["repositoryName"], "arn": repository["repositoryArn"],
            "uri": repository["repositoryUri"]}


read = reader(REPOSITORY)
_NEEDS = (("ecr", None),)
CHECKS = [
    Check("ecr.repository", STEP, "ECR repository `my-ecs-php-app` exists",
          "ECR → Repositories → Create repository, name `my-ecs-php-app` (Step 1)",
          read, exists(lambda r: f"`{r['repositoryUri']}`"), _NEEDS),
    Check("ecr.scan-on-push", STEP, "Scan on push enabled on `my-ecs-php-app`",
          "Enable \"Scan on push\" so pushed images are scanned for CVEs (Step 1)",
          read, equals(lambda ctx: True, lambda r: r["imageScanningConfiguration"]["scanOnPush"]), _NEEDS),
    Check("ecr.tag-immutability", STEP, "Tag immutability on `my-ecs-php-app` (optional)",
          "Tag immutability is optional, recommended for production (Step 1)",
          read, equals(lambda ctx: "IMMUTABLE", lambda r: r["imageTagMutability"]), _NEEDS,
          bonus=lambda ctx: not ctx.settings.tag_immutability),
]
