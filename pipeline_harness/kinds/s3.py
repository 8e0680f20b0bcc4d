"""S3: the pipeline's artifact bucket."""

from __future__ import annotations

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, error_code, tag_map
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context

_ABSENT = ("NoSuchBucket", "404")
_FORBIDDEN = ("AccessDenied", "403", "AllAccessDisabled")


def read(ctx: Context, name: str) -> Found:
    """The bucket's region, public access block and versioning as one record, or MISSING.

    A bucket of that name in another account answers 403: it exists and will never be ours.
    """
    s3 = ctx.client("s3")
    try:
        region = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
    except s3.exceptions.ClientError as err:
        if error_code(err) in _ABSENT:
            return MISSING
        if error_code(err) in _FORBIDDEN:
            return {"Bucket": name, "Region": None, "ElsewhereOwned": True}
        raise
    try:
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    except s3.exceptions.ClientError as err:
        if error_code(err) != "NoSuchPublicAccessBlockConfiguration":
            raise
        block = {}
    versioning = s3.get_bucket_versioning(Bucket=name).get("Status", "Disabled")
    return {"Bucket": name, "Region": region, "PublicAccessBlockConfiguration": block,
            "Versioning": versioning}


def _tags(ctx: Context, bucket: dict) -> dict[str, str]:
    if bucket.get("ElsewhereOwned"):
        return {}
    s3 = ctx.client("s3")
    try:
        return tag_map(s3.get_bucket_tagging(Bucket=bucket["Bucket"])["TagSet"])
    except s3.exceptions.ClientError as err:
        if error_code(err) == "NoSuchTagSet":
            return {}
        raise


def _create(ctx: Context, name: str, desired: dict) -> dict:
    s3, configuration = ctx.client("s3"), {}
    if desired["Region"] != "us-east-1":
        configuration["LocationConstraint"] = desired["Region"]
    if "artifact_bucket" not in ctx.target.quirks.tagged_after_create:
        configuration["Tags"] = ctx.tag_list()
    s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": configuration} if configuration else {}))
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": ctx.tag_list()})
    return _update(ctx, {"Bucket": name, "Region": desired["Region"],
                         "PublicAccessBlockConfiguration": {}, "Versioning": "Disabled"}, desired)


def _update(ctx: Context, bucket: dict, desired: dict) -> dict:
    s3, name = ctx.client("s3"), bucket["Bucket"]
    if bucket["PublicAccessBlockConfiguration"] != desired["PublicAccessBlockConfiguration"]:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=desired["PublicAccessBlockConfiguration"])
    if bucket["Versioning"] != desired["Versioning"]:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": desired["Versioning"]})
    return {**bucket, **desired, "Bucket": name}


def _delete(ctx: Context, bucket: dict) -> None:
    """Every object version and delete marker must go before a versioned bucket can."""
    s3, name = ctx.client("s3"), bucket["Bucket"]
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if doomed:
            s3.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})
    s3.delete_bucket(Bucket=name)


def _names(target: Target) -> list[str]:
    return [b["Name"] for b in target.client("s3").list_buckets().get("Buckets", [])]



def _after(name: str, base: str) -> str | None:
    """dev-pipeline-artifacts-<account>[-<run>]: the run prefix is a suffix here (see Names)."""
    if name == base:
        return ""
    return name[len(base) + 1:] + "-" if name.startswith(base + "-") else None


ARTIFACT_BUCKET = Kind(
    key="artifact_bucket", title="S3 bucket", service="s3",
    rule=NameRule(63, r"[a-z0-9][a-z0-9.-]*[a-z0-9]", "lower-case letters, digits, . and -", min_length=3),
    actions=Actions(read=("s3:GetBucketLocation", "s3:GetBucketPublicAccessBlock", "s3:GetBucketVersioning"),
                    owner=("s3:GetBucketTagging",),
                    create=("s3:CreateBucket", "s3:PutBucketTagging", "s3:TagResource"),
                    update=("s3:PutBucketPublicAccessBlock", "s3:PutBucketVersioning"),
                    delete=("s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion",
                            "s3:DeleteBucket"),
                    list=("s3:ListAllMyBuckets",)),
    read=read, tags=_tags, create=_create, update=_update, delete=_delete, names=_names,
    inventory=lambda target: set(_names(target)), run_prefix=_after,
    policy_resources=("arn:aws:s3:::dev-pipeline-artifacts-*", "arn:aws:s3:::dev-pipeline-artifacts-*/*"),
)
