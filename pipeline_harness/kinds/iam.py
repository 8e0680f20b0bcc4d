"""IAM: the lab's service roles, with their inline policies and attached managed policies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, tag_map
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context


def document(raw: Any) -> dict:
    """A policy document as IAM returns it: URL-encoded JSON text, or already parsed."""
    return json.loads(unquote(raw)) if isinstance(raw, str) else raw


def read(ctx: Context, name: str) -> Found:
    """The role with its trust policy, inline policies and attached managed policies."""
    iam = ctx.client("iam")
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return MISSING
    inline = {policy: document(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
              for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]}
    attached = [p["PolicyArn"] for p in
                iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    return {"Role": role, "Trust": document(role["AssumeRolePolicyDocument"]), "Inline": inline,
            "Attached": attached}


def _tags(ctx: Context, found: dict) -> dict[str, str]:
    return tag_map(found["Role"].get("Tags"))


def _create(ctx: Context, name: str, desired: dict) -> dict:
    role = ctx.client("iam").create_role(RoleName=name, Tags=ctx.tag_list(),
                                         AssumeRolePolicyDocument=json.dumps(desired["trust"]))["Role"]
    return _update(ctx, {"Role": role, "Trust": desired["trust"], "Inline": {}, "Attached": []}, desired)


def _update(ctx: Context, found: dict, desired: dict) -> dict:
    iam, name = ctx.client("iam"), found["Role"]["RoleName"]
    if found["Trust"] != desired["trust"]:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(desired["trust"]))
    for policy, doc in desired["inline"].items():
        if found["Inline"].get(policy) != doc:
            iam.put_role_policy(RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(doc))
    for arn in desired["managed"]:
        if arn not in found["Attached"]:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    return {"Role": found["Role"], "Trust": desired["trust"],
            "Inline": {**found["Inline"], **desired["inline"]},
            "Attached": sorted({*found["Attached"], *desired["managed"]})}


def _delete(ctx: Context, found: dict) -> None:
    iam, name = ctx.client("iam"), found["Role"]["RoleName"]
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)


def roles(target: Target) -> list[dict]:
    pages = target.client("iam").get_paginator("list_roles").paginate()
    return [role for page in pages for role in page["Roles"]]


def _names(target: Target) -> list[str]:
    return [role["RoleName"] for role in roles(target)]


def inventory(target: Target) -> set[str]:
    """Roles with their inline and attached policies, and the account's own managed policies."""
    iam, found = target.client("iam"), set()
    for name in _names(target):
        found.add(f"role/{name}")
        found.update(f"role/{name}/inline/{p}" for p in iam.list_role_policies(RoleName=name)["PolicyNames"])
        found.update(f"role/{name}/attached/{p['PolicyName']}" for p in
                     iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        found.update(f"policy/{p['PolicyName']}" for p in page["Policies"])
    return found



_RULE = NameRule(64, r"[\w+=,.@-]+", "letters, digits and + = , . @ _ -")
_ACTIONS = Actions(
    read=("iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"),
    owner=("iam:GetRole",),
    create=("iam:CreateRole", "iam:TagRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"),
    update=("iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"),
    delete=("iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:ListAttachedRolePolicies",
            "iam:DetachRolePolicy", "iam:DeleteRole"),
    list=("iam:ListRoles",),
)


def role(key: str, title: str, default_name: str) -> Kind:
    """A service role; `default_name` (the tutorial's) scopes the IAM policies that manage it."""
    return Kind(key=key, title=title, service="iam", rule=_RULE, actions=_ACTIONS, read=read, tags=_tags,
                create=_create, update=_update, delete=_delete, names=_names, inventory=inventory,
                policy_resources=(f"arn:aws:iam::*:role/*{default_name}",))


PIPELINE_ROLE = role("pipeline_role", "IAM role", "dev-codepipeline-service-role")
CODEBUILD_ROLE = role("codebuild_role", "IAM role", "dev-codebuild-service-role")
EXECUTION_ROLE = role("execution_role", "IAM role", "dev-php-app-task-execution-role")
