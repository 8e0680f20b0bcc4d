"""Step 4: the CodePipeline and CodeBuild service roles with the tutorial's policies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote

from pipeline_harness import policies
from pipeline_harness.errors import NotOurs
from pipeline_harness.steps.base import MISSING, Check, Context, carries_our_tag

SERVICES = ("iam",)
STEP = 4
ECS_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonECS_FullAccess"


@dataclass(frozen=True)
class RoleSpec:
    """One service role: who may assume it, its inline policy, its managed attachments."""

    key: str  # the Settings/Names attribute holding the role's name
    service: str  # codepipeline | codebuild | ecs-tasks
    policy_key: str | None = None  # Names attribute of the inline policy's name
    policy_file: str | None = None
    managed: tuple[str, ...] = ()

    def name(self, ctx: Context) -> str:
        return getattr(ctx.names, self.key)

    def policy_name(self, ctx: Context) -> str | None:
        return getattr(ctx.names, self.policy_key) if self.policy_key else None

    def trust(self) -> dict:
        return policies.trust(self.service)


PIPELINE_ROLE = RoleSpec("pipeline_role", "codepipeline", "pipeline_policy",
                         "CodePipelineCustomPolicy.json", (ECS_FULL_ACCESS,))
CODEBUILD_ROLE = RoleSpec("codebuild_role", "codebuild", "codebuild_policy",
                          "CodeBuildCustomPolicy.json")
ROLES = (PIPELINE_ROLE, CODEBUILD_ROLE)


def _document(raw) -> dict:
    return json.loads(unquote(raw)) if isinstance(raw, str) else raw


def read_role(spec: RoleSpec, ctx: Context):
    """The role with its trust policy, inline policies and attached managed policies."""
    iam = ctx.client("iam")
    try:
        role = iam.get_role(RoleName=spec.name(ctx))["Role"]
    except iam.exceptions.NoSuchEntityException:
        return MISSING
    inline = {}
    for name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
        raw = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"]
        inline[name] = _document(raw)
    attached = [p["PolicyArn"] for p in
                iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]]
    return {"Role": role, "Trust": _document(role["AssumeRolePolicyDocument"]),
            "Inline": inline, "Attached": attached}


def ensure_role(spec: RoleSpec, ctx: Context) -> dict:
    iam, name = ctx.client("iam"), spec.name(ctx)
    trust = json.dumps(spec.trust())
    try:
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust,
                               Tags=ctx.tag_list())["Role"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName=name)["Role"]
        if spec.key not in ctx.created and not carries_our_tag(role.get("Tags", [])):
            raise NotOurs(f"IAM role {name} exists and was not made by pipeline-harness; "
                          "use --prefix or remove it") from None
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
    ctx.created.add(spec.key)
    if spec.policy_file:
        iam.put_role_policy(RoleName=name, PolicyName=spec.policy_name(ctx),
                            PolicyDocument=json.dumps(policies.document(spec.policy_file)))
    for arn in spec.managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    return {"name": name, "arn": role["Arn"]}


def delete_role(spec: RoleSpec, ctx: Context) -> str:
    iam, name = ctx.client("iam"), spec.name(ctx)
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return "absent"
    if spec.key not in ctx.created and not carries_our_tag(role.get("Tags", [])):
        return "not ours"
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)
    ctx.created.discard(spec.key)
    return "deleted"


def ensure(ctx: Context) -> dict:
    return {spec.key: ensure_role(spec, ctx) for spec in ROLES}


def delete(ctx: Context) -> str:
    return ", ".join(f"{spec.key} {delete_role(spec, ctx)}" for spec in ROLES)


# --- checks -------------------------------------------------------------------------------------

def _reader(spec: RoleSpec):
    def read(ctx: Context):
        return read_role(spec, ctx)

    read.__qualname__ = f"read_{spec.key}"
    return read


def _trusts(spec: RoleSpec):
    def judge(found: dict, ctx: Context):
        expected = policies.trusted_services(spec.trust())
        actual = policies.trusted_services(found["Trust"])
        return expected <= actual, f"trust in {sorted(expected)}", f"{sorted(actual) or 'no service'}"

    return judge


def _inline(spec: RoleSpec):
    def judge(found: dict, ctx: Context):
        name = spec.policy_name(ctx)
        want = policies.grants(policies.document(spec.policy_file))
        if name not in found["Inline"]:
            return False, f"inline policy `{name}`", f"inline policies {sorted(found['Inline'])}"
        missing = want - policies.grants(found["Inline"][name])
        shown = sorted(f"{action} on {resource}" for _, action, resource in missing)
        return not missing, f"`{name}` to grant every action the tutorial lists", (
            f"missing {', '.join(shown)}" if missing else "all of them")

    return judge


def _attached(arn: str):
    def judge(found: dict, ctx: Context):
        return arn in found["Attached"], f"`{arn.rsplit('/', 1)[1]}` attached", (
            f"attached {[a.rsplit('/', 1)[1] for a in found['Attached']]}")

    return judge


def _exists(found: dict, ctx: Context):
    return True, "it to exist", f"`{found['Role']['Arn']}`"


def _role_checks(spec: RoleSpec, label: str, step_hint: str) -> list[Check]:
    read = _reader(spec)
    needs = (("iam", None),)
    checks = [
        Check(f"iam.{spec.key}", STEP, f"{label} role exists", step_hint, read, _exists, needs),
        Check(f"iam.{spec.key}.trust", STEP, f"{label} role trusts {spec.service}.amazonaws.com",
              f"Create the role with \"AWS service\" → \"{label}\" so {label} can assume it (Step 4)",
              read, _trusts(spec), needs),
        Check(f"iam.{spec.key}.inline-policy", STEP, f"{label} role has `{spec.policy_file[:-5]}`",
              f"Add permissions → Create inline policy, paste the tutorial's JSON, name it "
              f"`{spec.policy_file[:-5]}` (Step 4)", read, _inline(spec), needs),
    ]
    for arn in spec.managed:
        checks.append(Check(
            f"iam.{spec.key}.ecs-full-access", STEP, f"{label} role has AmazonECS_FullAccess",
            "Verify CodePipeline role has ECS permissions (AmazonECS_FullAccess) — otherwise the "
            "Deploy stage fails with a permission error (Common Issues)", read, _attached(arn), needs))
    return checks


CHECKS = (
    _role_checks(PIPELINE_ROLE, "CodePipeline",
                 "IAM → Roles → Create role `dev-codepipeline-service-role` (Step 4)")
    + _role_checks(CODEBUILD_ROLE, "CodeBuild",
                   "IAM → Roles → Create role `dev-codebuild-service-role` (Step 4)")
)
