"""Step 3: the artifact bucket — the account's region, all public access blocked, versioning on."""

from __future__ import annotations

from pipeline_harness.context import Context
from pipeline_harness.kinds.s3 import ARTIFACT_BUCKET
from pipeline_harness.steps.base import Check, Resource, Step, equals, exists, reader

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
    Check("artifacts.bucket", NUMBER, "Artifact bucket `dev-pipeline-artifacts-<your-account-id>` exists",
          "S3 → Create bucket `dev-pipeline-artifacts-<your-account-id>` (Step 3)",
          read, exists(lambda b: f"`{b['Bucket']}`"), _NEEDS),
    Check("artifacts.region", NUMBER, "Bucket is in the lab's region `<your-region>`",
          "Select your AWS region when creating the bucket (Step 3)",
          read, equals(lambda ctx: ctx.names.region, lambda b: b["Region"]), _NEEDS),
    Check("artifacts.public-access-blocked", NUMBER, "All public access blocked",
          "Leave \"Block all public access\" enabled: all four settings on (Step 3)",
          read, equals(lambda ctx: BLOCK_ALL,
                       lambda b: {k: b.get("PublicAccessBlockConfiguration", {}).get(k, False)
                                  for k in BLOCK_ALL}), _NEEDS),
    Check("artifacts.versioning", NUMBER, "Bucket versioning enabled",
          "Enable \"Bucket Versioning\" — it lets you roll back to earlier pipeline artifacts (Step 3)",
          read, equals(lambda ctx: "Enabled", lambda b: b.get("Versioning")), _NEEDS),
)

STEP = Step(name="artifacts", number=NUMBER, title="Create S3 Bucket for Artifacts",
            resources=RESOURCES, checks=CHECKS, outputs=handle)
