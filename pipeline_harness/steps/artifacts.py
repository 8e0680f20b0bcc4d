"""Step 3: the artifact bucket — the account's region, all public access blocked, versioning on."""

from __future__ import annotations

from pipeline_harness.kinds.s3 import ARTIFACT_BUCKET
from pipeline_harness.steps.base import Check, Resource, Step, equals, exists, reader
from pipeline_harness.targets.context import Context

NUMBER = 3
BLOCK_ALL = {
    "BlockPublicAcls": True, "IgnorePublicAcls": True,
    "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
}


def desired(ctx: Context) -> dict:
    return {"Region": ctx.names.region, "PublicAccessBlockConfiguration": BLOCK_ALL,
            "Versioning": "Enabled"}


RESOURCES = (Resource(ARTIFACT_BUCKET, desired),)


def handle(ctx: Context) -> dict:
    name = ctx.found[ARTIFACT_BUCKET.key]["Bucket"]
    return {"name": name, "arn": f"arn:aws:s3:::{name}"}


read = reader(ARTIFACT_BUCKET)
_NEEDS = (("s3", None),)
CHECKS = (
    Check(id="artifacts.bucket", step=NUMBER,
          title="Artifact bucket `dev-pipeline-artifacts-<your-account-id>` exists",
          hint="S3 → Create bucket `dev-pipeline-artifacts-<your-account-id>` (Step 3)",
          read=read, judge=exists(lambda b: f"`{b['Bucket']}`"), needs=_NEEDS),
    Check(id="artifacts.region", step=NUMBER, title="Bucket is in the lab's region `<your-region>`",
          hint="Select your AWS region when creating the bucket (Step 3)",
          read=read, judge=equals(lambda ctx: ctx.names.region, lambda b: b["Region"]), needs=_NEEDS),
    Check(id="artifacts.public-access-blocked", step=NUMBER, title="All public access blocked",
          hint="Leave \"Block all public access\" enabled: all four settings on (Step 3)",
          read=read, judge=equals(lambda ctx: BLOCK_ALL,
                                  lambda b: {k: b.get("PublicAccessBlockConfiguration", {}).get(k, False)
                                             for k in BLOCK_ALL}), needs=_NEEDS),
    Check(id="artifacts.versioning", step=NUMBER, title="Bucket versioning enabled",
          hint="Enable \"Bucket Versioning\" — it lets you roll back to earlier pipeline artifacts (Step 3)",
          read=read, judge=equals(lambda ctx: "Enabled", lambda b: b.get("Versioning")), needs=_NEEDS),
)

STEP = Step(name="artifacts", number=NUMBER, title="Create S3 Bucket for Artifacts",
            resources=RESOURCES, checks=CHECKS, outputs=handle)
