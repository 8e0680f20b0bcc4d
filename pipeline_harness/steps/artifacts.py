"""Step 3: the artifact bucket — the account's region, all public access blocked, versioning on."""

from __future__ import annotations

from pipeline_harness.errors import NotOurs
from pipeline_harness.steps.base import MISSING, Check, Context, carries_our_tag, equals, exists

SERVICES = ("s3",)
STEP = 3
KEY = "artifact_bucket"
BLOCK_ALL = {
    "BlockPublicAcls": True, "IgnorePublicAcls": True,
    "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
}


def desired(ctx: Context) -> dict:
    return {
        "Bucket": ctx.names.artifact_bucket,
        "Region": ctx.names.region,
        "PublicAccessBlockConfiguration": BLOCK_ALL,
        "Versioning": "Enabled",
    }


def read(ctx: Context):
    """The bucket's region, public access block and versioning, as one record."""
    s3, name = ctx.client("s3"), ctx.names.artifact_bucket
    try:
        region = s3.get_bucket_location(Bucket=name)["LocationConstraint"] or "us-east-1"
    except s3.exceptions.ClientError as err:
        if err.response["Error"]["Code"] in ("NoSuchBucket", "404"):
            return MISSING
        raise
    try:
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    except s3.exceptions.ClientError as err:
        if err.response["Error"]["Code"] != "NoSuchPublicAccessBlockConfiguration":
            raise
        block = {}
    versioning = s3.get_bucket_versioning(Bucket=name).get("Status", "Disabled")
    return {"Bucket": name, "Region": region, "PublicAccessBlockConfiguration": block,
            "Versioning": versioning}


def _tags(ctx: Context) -> list[dict]:
    s3 = ctx.client("s3")
    try:
        return s3.get_bucket_tagging(Bucket=ctx.names.artifact_bucket)["TagSet"]
    except s3.exceptions.ClientError as err:
        if err.response["Error"]["Code"] == "NoSuchTagSet":
            return []
        raise


def ensure(ctx: Context) -> dict:
    s3, want = ctx.client("s3"), desired(ctx)
    create = {"Bucket": want["Bucket"]}
    if want["Region"] != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": want["Region"]}
    try:
        s3.create_bucket(**create)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        if KEY not in ctx.created and not carries_our_tag(_tags(ctx)):
            raise NotOurs(f"bucket {want['Bucket']} exists and was not made by pipeline-harness; "
                          "use --prefix or remove it") from None
    ctx.created.add(KEY)
    s3.put_public_access_block(Bucket=want["Bucket"],
                               PublicAccessBlockConfiguration=want["PublicAccessBlockConfiguration"])
    s3.put_bucket_versioning(Bucket=want["Bucket"],
                             VersioningConfiguration={"Status": want["Versioning"]})
    s3.put_bucket_tagging(Bucket=want["Bucket"], Tagging={"TagSet": ctx.tag_list()})
    return {"name": want["Bucket"], "arn": f"arn:aws:s3:::{want['Bucket']}"}


def _empty(ctx: Context) -> None:
    """Every object version and delete marker must go before a versioned bucket can."""
    s3 = ctx.client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=ctx.names.artifact_bucket):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if doomed:
            s3.delete_objects(Bucket=ctx.names.artifact_bucket,
                              Delete={"Objects": doomed, "Quiet": True})


def delete(ctx: Context) -> str:
    s3 = ctx.client("s3")
    try:
        ours = KEY in ctx.created or carries_our_tag(_tags(ctx))
    except s3.exceptions.ClientError as err:
        if err.response["Error"]["Code"] in ("NoSuchBucket", "404"):
            return "absent"
        raise
    if not ours:
        return "not ours"
    _empty(ctx)
    s3.delete_bucket(Bucket=ctx.names.artifact_bucket)
    ctx.created.discard(KEY)
    return "deleted"


_NEEDS = (("s3", None),)
CHECKS = [
    Check("artifacts.bucket", STEP, "Artifact bucket exists",
          "S3 → Create bucket `dev-pipeline-artifacts-<your-account-id>` (Step 3)",
          read, exists(lambda b: f"`{b['Bucket']}`"), needs=_NEEDS),
    Check("artifacts.region", STEP, "Bucket is in the lab's region",
          "Select your AWS region when creating the bucket (Step 3)",
          read, equals(lambda ctx: ctx.names.region, lambda b: b["Region"]), needs=_NEEDS),
    Check("artifacts.public-access-blocked", STEP, "All public access blocked",
          "Leave \"Block all public access\" enabled: all four settings on (Step 3)",
          read, equals(lambda ctx: BLOCK_ALL,
                       lambda b: {k: b["PublicAccessBlockConfiguration"].get(k, False)
                                  for k in BLOCK_ALL}),
          needs=_NEEDS),
    Check("artifacts.versioning", STEP, "Bucket versioning enabled",
          "Enable \"Bucket Versioning\" — it lets you roll back to earlier pipeline artifacts (Step 3)",
          read, equals(lambda ctx: "Enabled", lambda b: b["Versioning"]), needs=_NEEDS),
]
