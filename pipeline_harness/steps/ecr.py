"""Step 1: a private ECR repository with scan on push (tag immutability optional)."""

from __future__ import annotations

import re

from pipeline_harness.kinds.ecr import REPOSITORY
from pipeline_harness.steps.base import Check, Resource, Step, Verdict, equals, exists, reader
from pipeline_harness.targets.context import Context

NUMBER = 1


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
# the tutorial's buildspec pushes `latest` on every build
MOVING_TAG = "latest"


def _excluded(repository: dict, tag: str) -> bool:
    """Does one of the repository's exclusion filters (wildcards: `*`) leave the tag mutable?"""
    filters = repository.get("imageTagMutabilityExclusionFilters", [])
    return any(re.fullmatch(".*".join(map(re.escape, f.get("filter", "").split("*"))), tag) for f in filters)


def _immutability(repository: dict, ctx: Context) -> Verdict:
    """Immutable tags, with a tip: an immutable `latest` makes every build after the first fail."""
    mutability = repository["imageTagMutability"]
    ok = mutability in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")
    tip = ""
    if ok and not (mutability == "IMMUTABLE_WITH_EXCLUSION" and _excluded(repository, MOVING_TAG)):
        tip = (f"every build pushes `{MOVING_TAG}` again, and an immutable tag can't be overwritten: "
               "from the second build on, Build fails with \"tag invalid … cannot be overwritten because "
               f"the repository is immutable\" — make `{MOVING_TAG}` an exclusion "
               f"(IMMUTABLE_WITH_EXCLUSION with the filter `{MOVING_TAG}`) or stop pushing it")
    return Verdict(passed=ok, expected="`IMMUTABLE` (or `IMMUTABLE_WITH_EXCLUSION`)",
                   found=f"`{mutability}`", tip=tip)


_NEEDS = (("ecr", None),)
CHECKS = (
    Check(id="ecr.repository", step=NUMBER, title="ECR repository `my-ecs-php-app` exists",
          hint="ECR → Repositories → Create repository, name `my-ecs-php-app` (Step 1)",
          read=read, judge=exists(lambda r: f"`{r['repositoryUri']}`"), needs=_NEEDS),
    Check(id="ecr.scan-on-push", step=NUMBER, title="Scan on push enabled on `my-ecs-php-app`",
          hint="Enable \"Scan on push\" so pushed images are scanned for CVEs (Step 1)",
          read=read, judge=equals(lambda ctx: True, lambda r: r["imageScanningConfiguration"]["scanOnPush"]),
          needs=_NEEDS),
    Check(id="ecr.tag-immutability", step=NUMBER, title="Tag immutability on `my-ecs-php-app` (optional)",
          hint="Tag immutability is optional, recommended for production (Step 1)",
          read=read, judge=_immutability, needs=_NEEDS,
          bonus=lambda ctx: not ctx.settings.tag_immutability),
)

STEP = Step(name="ecr", number=NUMBER, title="Create ECR Repository", resources=RESOURCES,
            checks=CHECKS, outputs=handle)
