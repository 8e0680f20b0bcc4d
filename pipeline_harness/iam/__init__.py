"""The tutorial's IAM policy documents, verbatim, as JSON data files."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _text(filename: str) -> str:
    return resources.files(__name__).joinpath(filename).read_text(encoding="utf-8")


def document(filename: str) -> dict:
    """A fresh copy of a policy document (callers may not mutate the shared one)."""
    return json.loads(_text(filename))


def trust(service: str) -> dict:
    return document(f"{service}-trust.json")


def grants(doc: dict) -> set[tuple[str, str, str]]:
    """(effect, action, resource) triples, so documents compare regardless of order and layout."""
    statements = doc.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    out = set()
    for st in statements:
        actions = st.get("Action", [])
        resources_ = st.get("Resource", [])
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in [resources_] if isinstance(resources_, str) else resources_:
                out.add((st.get("Effect", ""), action.lower(), resource))
    return out


def actions(doc: dict) -> list[str]:
    """Every action a document's Allow and Deny statements name."""
    return [action for _, action, _ in sorted(grants(doc))]


def trusted_services(doc: dict) -> set[str]:
    """The services an Allow statement names: how a student's role is recognised by its trust
    (grading/names.py). Whether a service may assume the role is `evaluation.may_assume`'s to say."""
    statements = doc.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    found: set[str] = set()
    for st in statements:
        if st.get("Effect") != "Allow":
            continue
        service = st.get("Principal", {}).get("Service", [])
        found.update([service] if isinstance(service, str) else service)
    return found


# the API operations whose IAM action is named otherwise than "<service>:<Operation>"
_ACTIONS = {
    "s3.GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3.PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3.HeadBucket": "s3:ListBucket",
    "s3.ListBuckets": "s3:ListAllMyBuckets",
    "s3.ListObjects": "s3:ListBucket",
    "s3.ListObjectsV2": "s3:ListBucket",
    "s3.ListObjectVersions": "s3:ListBucketVersions",
    "s3.HeadObject": "s3:GetObject",
    "s3.DeleteObjects": "s3:DeleteObject",  # and s3:DeleteObjectVersion for versions
}
_PREFIXES = {"elbv2": "elasticloadbalancing", "service-quotas": "servicequotas"}
NEEDS_NO_PERMISSION = frozenset({"sts.GetCallerIdentity"})  # answered whatever the policy says


def iam_action(call: str) -> str | None:
    """The IAM action a botocore call ("service.Operation") needs; None when it needs none."""
    if call in NEEDS_NO_PERMISSION:
        return None
    service, operation = call.split(".")
    return _ACTIONS.get(call, f"{_PREFIXES.get(service, service)}:{operation}")
