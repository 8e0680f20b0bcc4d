"""Step 4: the CodePipeline and CodeBuild service roles with the tutorial's policies."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_harness import policies
from pipeline_harness.context import Context
from pipeline_harness.kinds import iam as iam_kinds
from pipeline_harness.kinds.base import Kind
from pipeline_harness.steps.base import Check, Resource, reader

STEP = 4
ECS_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonECS_FullAccess"


@dataclass(frozen=True)
class RoleSpec:
    """One service role: who may assume it, its inline policy, its managed attachments."""

    kind: Kind
    service: str  # codepipeline | codebuild | ecs-tasks
    policy_key: str | None = None  # Names attribute of the inline policy's name
    policy_file: str | None = None
    managed: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.kind.key

    def name(self, ctx: Context) -> str:
        return self.kind.name(ctx.names)

    def policy_name(self, ctx: Context) -> str | None:
        return getattr(ctx.names, self.policy_key) if self.policy_key else None

    def trust(self) -> dict:
        return policies.trust(self.service)

    def desired(self, ctx: Context) -> dict:
        inline = {}
        if self.policy_file:
            inline[self.policy_name(ctx)] = policies.document(self.policy_file)
        return {"trust": self.trust(), "inline": inline, "managed": list(self.managed)}


PIPELINE_ROLE = RoleSpec(iam_kinds.PIPELINE_ROLE, "codepipeline", "pipeline_policy",
                         "CodePipelineCustomPolicy.json", (ECS_FULL_ACCESS,))
CODEBUILD_ROLE = RoleSpec(iam_kinds.CODEBUILD_ROLE, "codebuild", "codebuild_policy",
                          "CodeBuildCustomPolicy.json")
ROLES = (PIPELINE_ROLE, CODEBUILD_ROLE)
RESOURCES = tuple(Resource(spec.kind, spec.desired) for spec in ROLES)


def handle(ctx: Context) -> dict:
    return {spec.key: {"name": spec.name(ctx), "arn": ctx.found[spec.key]["Role"]["Arn"]}
            for spec in ROLES}


# --- checks -------------------------------------------------------------------------------------

def _trusts(spec: RoleSpec):
    def judge(found: dict, ctx: Context):
        expected = policies.trusted_services(spec.trust())
        actual = policies.trusted_services(found["Trust"])
        return expected <= actual, f"trust in {sorted(expected)}", f"{sorted(actual) or 'no service'}"

    return judge


def _inline(spec: RoleSpec):
    def judge(found: dict, ctx: Context):
        name = spec.policy_name(ctx)
        want = policies.grants(policies.document(str(spec.policy_file)))
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
    read = reader(spec.kind)
    needs = (("iam", None),)
    policy = (spec.policy_file or "")[:-5]
    checks = [
        Check(f"iam.{spec.key}", STEP, f"{label} role exists", step_hint, read, _exists, needs),
        Check(f"iam.{spec.key}.trust", STEP, f"{label} role trusts {spec.service}.amazonaws.com",
              f"Create the role with \"AWS service\" → \"{label}\" so {label} can assume it (Step 4)",
              read, _trusts(spec), needs),
        Check(f"iam.{spec.key}.inline-policy", STEP, f"{label} role has `{policy}`",
              f"Add permissions → Create inline policy, paste the tutorial's JSON, name it "
              f"`{policy}` (Step 4)", read, _inline(spec), needs),
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
