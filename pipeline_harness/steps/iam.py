"""Step 4: the CodePipeline and CodeBuild service roles with the tutorial's policies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline_harness import iam as iam_policies
from pipeline_harness.core import inert
from pipeline_harness.iam import evaluation, needs
from pipeline_harness.iam.conditions import Fact
from pipeline_harness.kinds import iam as iam_kinds
from pipeline_harness.kinds.base import MISSING, Found, Kind
from pipeline_harness.settings import Names, Settings
from pipeline_harness.steps import connection
from pipeline_harness.steps.base import Check, Resource, Step, Verdict, reader
from pipeline_harness.targets.context import Context

NUMBER = 4
TUTORIAL = Settings().names("<your-account-id>")  # the tutorial's own names, for titles
ECS_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonECS_FullAccess"


@dataclass(frozen=True)
class RoleSpec:
    """One service role: who may assume it, its inline policy, its managed attachments."""

    kind: Kind
    service: str  # codepipeline | codebuild | ecs-tasks
    policy_key: str | None = None  # Names attribute of the inline policy's name
    policy_file: str | None = None
    managed: tuple[str, ...] = ()
    # the lab resource the service assumes the role for: its aws:SourceArn in the AssumeRole request
    source: Callable[[Names], Fact] | None = None

    @property
    def key(self) -> str:
        return self.kind.key

    @property
    def principal(self) -> str:
        return f"{self.service}.amazonaws.com"

    def facts(self, names: Names) -> tuple[Fact, ...]:
        """The condition keys the service sets when it assumes the role for the graded lab
        (IAM User Guide, "Cross-service confused deputy prevention for AWS STS")."""
        account = Fact("aws:SourceAccount", names.account_id, "the graded account")
        return (account, self.source(names)) if self.source else (account,)

    def name(self, ctx: Context) -> str:
        return self.kind.name(ctx.names)

    def policy_name(self, ctx: Context) -> str | None:
        return getattr(ctx.names, self.policy_key) if self.policy_key else None

    def trust(self) -> dict:
        return iam_policies.trust(self.service)

    def desired(self, ctx: Context) -> dict:
        inline = {}
        if self.policy_file:
            inline[self.policy_name(ctx)] = iam_policies.document(self.policy_file)
        return {"trust": self.trust(), "inline": inline, "managed": list(self.managed)}


def _pipeline_arn(names: Names) -> Fact:
    return Fact("aws:SourceArn", f"arn:aws:codepipeline:{names.region}:{names.account_id}:{names.pipeline}",
                "the graded pipeline")


def _project_arn(names: Names) -> Fact:
    return Fact("aws:SourceArn",
                f"arn:aws:codebuild:{names.region}:{names.account_id}:project/{names.codebuild_project}",
                "the graded project")


PIPELINE_ROLE = RoleSpec(iam_kinds.PIPELINE_ROLE, "codepipeline", "pipeline_policy",
                         "CodePipelineCustomPolicy.json", (ECS_FULL_ACCESS,), _pipeline_arn)
CODEBUILD_ROLE = RoleSpec(iam_kinds.CODEBUILD_ROLE, "codebuild", "codebuild_policy",
                          "CodeBuildCustomPolicy.json", source=_project_arn)
ROLES = (PIPELINE_ROLE, CODEBUILD_ROLE)
RESOURCES = tuple(Resource(spec.kind, spec.desired) for spec in ROLES)


def handle(ctx: Context) -> dict:
    return {spec.key: {"name": spec.name(ctx), "arn": ctx.found[spec.key]["Role"]["Arn"]}
            for spec in ROLES}


# --- checks -------------------------------------------------------------------------------------

def _trusts(spec: RoleSpec) -> Callable[[dict, Context], Verdict]:
    """The service may sts:AssumeRole the role, as IAM judges its trust policy: not by the service's
    name appearing in it, but with no Deny and under no Condition the graded lab can't meet."""

    def judge(found: dict, ctx: Context) -> Verdict:
        facts = spec.facts(ctx.names)
        decision = evaluation.may_assume(found["Trust"], spec.principal, facts)
        expected = (f"{spec.principal} allowed to {evaluation.ASSUME_ROLE} it for "
                    f"{' and '.join(f'{f.what} {inert.code(f.value)}' for f in facts)}")
        verdict = f"{spec.principal} {'may' if decision.allowed else 'may not'} assume it: {decision.reason}"
        tip = f"Least privilege: {decision.tip} (Step 4)" if decision.tip else ""
        return Verdict(passed=decision.allowed, expected=expected, found=verdict, tip=tip)

    return judge


def read_permissions(spec: RoleSpec) -> Callable[[Context], Found]:
    """The role with the documents of its attached managed policies: what IAM evaluates."""

    def read(ctx: Context) -> Found:
        found = ctx.read(reader(spec.kind))
        if found is MISSING:
            return MISSING
        iam, managed = ctx.client("iam"), {}
        for arn in found["Attached"]:
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            managed[arn.rsplit("/", 1)[-1]] = iam_kinds.document(
                iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])
        return {**found, "Managed": managed}

    read.__qualname__ = f"read_{spec.key}_permissions"
    return read


def _connection_arn(ctx: Context) -> str:
    """The connection the pipeline actually uses; else the one the settings or the lab's name give."""
    used = connection.pipeline_arn(ctx) or ctx.settings.connection_arn
    if used:
        return used
    found = MISSING if ctx.target.gap(connection.SERVICE) else ctx.read(connection.read)
    if found is not MISSING:
        return str(found["ConnectionArn"])
    return (f"arn:aws:codestar-connections:{ctx.names.region}:{ctx.names.account_id}:"
            f"connection/{ctx.names.connection_name}")


def lab_resources(ctx: Context, document: dict) -> needs.LabResources:
    """The ARNs the document's actions act on; the connection is looked up only when one does."""
    names = ctx.names
    uses_connection = "connection" in {needs.ACTS_ON.get(a.lower()) for a in iam_policies.actions(document)}
    return needs.LabResources.of(
        region=names.region, account=names.account_id, bucket=names.artifact_bucket,
        pipeline=names.pipeline, repository=names.ecr_repository,
        connection_arn=_connection_arn(ctx) if uses_connection else "",
        project=names.codebuild_project, log_group=names.log_group)


def _decisions(spec: RoleSpec, found: dict, ctx: Context) -> tuple[dict, str]:
    """What each (action, resource) the tutorial's policy grants is decided: simulator or documents."""
    document = iam_policies.document(str(spec.policy_file))
    pairs = needs.needs(document, lab_resources(ctx, document))
    if not ctx.target.gap("iam", "SimulatePrincipalPolicy"):
        return evaluation.simulate(ctx.client("iam"), found["Role"]["Arn"], pairs), \
            "IAM's policy simulator"
    documents = {**found["Inline"], **found["Managed"]}
    return {(a, r): evaluation.evaluate(documents, a, r) for a, r in pairs}, \
        "the role's policy documents, evaluated by IAM's rules"


def _permissions(spec: RoleSpec) -> Callable[[dict, Context], Verdict]:
    def judge(found: dict, ctx: Context) -> Verdict:
        decisions, judged_by = _decisions(spec, found, ctx)
        denied = [f"{a} on {r} ({d.reason})" for (a, r), d in decisions.items() if not d.allowed]
        policy = spec.policy_name(ctx)
        expected = f"every action `{policy}` grants, on the lab's own resources (judged by {judged_by})"
        if denied:
            return Verdict(passed=False, expected=expected, found=f"missing {'; '.join(denied)}")
        broad = evaluation.too_broad(found["Inline"])
        tip = (f"Least privilege: {'; '.join(broad)} — grant the tutorial's actions on the lab's resources "
               "instead (Step 4)") if broad else ""
        return Verdict(passed=True, expected=expected,
                       found=f"all {len(decisions)} allowed (judged by {judged_by})", tip=tip)

    return judge


def _attached(arn: str) -> Callable[[dict, Context], Verdict]:
    def judge(found: dict, ctx: Context) -> Verdict:
        return Verdict(passed=arn in found["Attached"], expected=f"`{arn.rsplit('/', 1)[1]}` attached",
                       found=f"attached {[a.rsplit('/', 1)[1] for a in found['Attached']]}")

    return judge


def _exists(found: dict, ctx: Context) -> Verdict:
    return Verdict(passed=True, expected="it to exist", found=f"`{found['Role']['Arn']}`")


def _role_checks(spec: RoleSpec, label: str, step_hint: str, issue: str = "") -> list[Check]:
    read = reader(spec.kind)
    iam_served = (("iam", None),)
    policy = (spec.policy_file or "")[:-5]
    checks = [
        Check(id=f"iam.{spec.key}", step=NUMBER, title=f"{label} role `{spec.kind.name(TUTORIAL)}` exists",
              hint=step_hint, read=read, judge=_exists, needs=iam_served),
        Check(id=f"iam.{spec.key}.trust", step=NUMBER,
              title=f"{label} role trusts {spec.service}.amazonaws.com",
              hint=f"Create the role with \"AWS service\" → \"{label}\" so {label} can assume it (Step 4)",
              read=read, judge=_trusts(spec), needs=iam_served),
        Check(id=f"iam.{spec.key}.inline-policy", step=NUMBER,
              title=f"{label} role may do what `{policy}` grants, on the lab's resources",
              hint=f"Add permissions → Create inline policy, paste the tutorial's JSON, name it "
              f"`{policy}` (Step 4){issue}", read=read_permissions(spec), judge=_permissions(spec),
              needs=iam_served),
    ]
    for arn in spec.managed:
        checks.append(Check(
            id=f"iam.{spec.key}.ecs-full-access", step=NUMBER, title=f"{label} role has AmazonECS_FullAccess",
            hint="Verify CodePipeline role has ECS permissions (AmazonECS_FullAccess) — otherwise the "
            "Deploy stage fails with a permission error (Common Issues)", read=read, judge=_attached(arn),
            needs=iam_served))
    return checks


CHECKS = (
    _role_checks(PIPELINE_ROLE, "CodePipeline",
                 "IAM → Roles → Create role `dev-codepipeline-service-role` (Step 4)")
    + _role_checks(CODEBUILD_ROLE, "CodeBuild",
                   "IAM → Roles → Create role `dev-codebuild-service-role` (Step 4)",
                   "; Check CodeBuild role has ECR permissions (Common Issues: Docker permission denied)")
)

STEP = Step(name="iam", number=NUMBER, title="Create IAM Roles", resources=RESOURCES,
            checks=tuple(CHECKS), outputs=handle)
