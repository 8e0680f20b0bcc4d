"""The IAM policy files, derived: from the registry of kinds (what each kind's create, read,
update, delete and listing need) and from the calls the waits, the grader, the nightly flow and the
preflight make, found in their code (`iam.calls`: no module types the actions of its calls).

    python -m pipeline_harness.iam.files          # exit 1 and say which file differs
    python -m pipeline_harness.iam.files --write  # write every file anew

`iam/grader-role.cfn.yaml` and `iam/grader-role.tf` are the grader's role as a CloudFormation
template and a Terraform configuration (`iam.role_templates`), its inline policy the grader's.
`iam/nightly-role-policy-<n>.json` are the parts of the policy of the role the nightly
end-to-end run assumes: it may make and remove the lab's kinds of resources, pass only the lab's
roles and only to their services, and read what Step 7 waits on and what the preflight checks. The
whole policy is larger than IAM lets one managed policy be (`iam.quotas`), so its statements are
packed, in order, into as few parts as fit; the role gets every part attached. `iam/grader-policy.json`
grants only the reads the grader makes. Tests prove the files equal what this module derives, that
each fits IAM's quotas, and that the calls really made are covered.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from pipeline_harness import kinds
from pipeline_harness.e2e import flow
from pipeline_harness.grading import grade, region, source, step7
from pipeline_harness.iam import calls, quotas, role_templates
from pipeline_harness.kinds import iam as iam_kinds
from pipeline_harness.kinds.base import Kind
from pipeline_harness.preflight import probes
from pipeline_harness.steps import connection, holding, iam, prerequisites, verification
from pipeline_harness.waits import ecr_tags, events, pipeline, rollout

# the grader's role, by language: its file and how it is made from the grader policy
GRADER_ROLE_TEMPLATES = {"cloudformation": ("grader-role.cfn.yaml", role_templates.cloudformation),
                         "terraform": ("grader-role.tf", role_templates.terraform)}
NIGHTLY_PART = "nightly-role-policy-{number}.json"
NIGHTLY_PARTS = "nightly-role-policy-*.json"  # what the setup attaches, and what --write replaces
GRADER = "grader-policy.json"
POLICIES_DIR = Path(__file__).parent  # the policy files sit beside this module, package data
# the lab's roles the nightly role may pass, each only to the service that assumes it
PASSED_TO = {iam_kinds.PIPELINE_ROLE: "codepipeline.amazonaws.com",
             iam_kinds.CODEBUILD_ROLE: "codebuild.amazonaws.com",
             iam_kinds.EXECUTION_ROLE: "ecs-tasks.amazonaws.com"}
ROLES = tuple(PASSED_TO)
# the service-linked roles a first use of ECS and of ELB in an account makes, by their service
SERVICE_LINKED = {"ecs.amazonaws.com": "AWSServiceRoleForECS",
                  "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing"}
# CreatePipeline passes the connection by its ARN's service: either prefix, as the console makes both
PASS_CONNECTION = {"codestar-connections": "codestar-connections:PassConnection",
                   "codeconnections": "codeconnections:PassConnection"}
# the code of what Step 7 waits on in the nightly run, and of the nightly run's own reads
WAITS = (pipeline, ecr_tags, rollout, events, flow)
# calls that code makes which the nightly role is not given, each with why
NOT_GRANTED = {"codepipeline.StartPipelineExecution": "`wait pipeline --start` only, run by hand: the "
               "nightly run starts its execution by pushing a commit"}
# the code of the grader's checks beyond the kinds' reads: Step 7's chain, the source artifact, the
# pipeline's connection, the roles' permissions, the service's task definition, the region
GRADER_CHECKS = (step7, source, connection, iam, prerequisites, region)
ARTIFACT_OBJECTS = "arn:aws:s3:::dev-pipeline-artifacts-*/*"
# reads that can be scoped: the grader opens the student's source artifact only
SCOPED_READS = {"s3:GetObject": (ARTIFACT_OBJECTS,)}


@cache
def wait_reads() -> tuple[str, ...]:
    """The IAM actions of the calls the waits' and the nightly run's code makes (read on first use:
    the scan reads the source of every module it reaches)."""
    return calls.actions(call for call in calls.calls(*WAITS) if call.name not in NOT_GRANTED)


def _statement(sid: str, actions: Iterable[str], resources: tuple[str, ...] = ("*",),
               condition: dict | None = None) -> dict:
    made = {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)),
            "Resource": resources[0] if len(resources) == 1 else list(resources)}
    return {**made, "Condition": condition} if condition else made


def _service(kind: Kind) -> str:
    return "".join(part.capitalize() for part in kind.service.split("-"))


def _kind_statements(chosen: Iterable[Kind], verbs: tuple[str, ...], scoped: bool = True) -> list[dict]:
    """Per step (the stem of its statement id: `Step.sid`) and service: the verbs' actions on the
    kinds' resources (`scoped`), or on "*" where the kind can't be scoped or the reader must read
    names of anyone's choosing (the grader); listings are always on "*"."""
    actions: dict[str, set[str]] = {}
    resources: dict[str, set[str]] = {}
    for kind in chosen:
        sid = f"{holding(kind).sid}{_service(kind)}"
        on_any = not scoped or kind.policy_resources == ("*",)
        named = {a for verb in verbs if verb != "list" for a in getattr(kind.actions, verb)}
        listing = set(kind.actions.list) if "list" in verbs else set()
        if on_any:
            named, listing = named | listing, set()
        actions.setdefault(sid, set()).update(named)
        resources.setdefault(sid, set()).update(("*",) if on_any else kind.policy_resources)
        if listing:
            actions.setdefault(f"{sid}Listing", set()).update(listing)
            resources.setdefault(f"{sid}Listing", set()).add("*")
    return [_statement(sid, actions[sid], tuple(sorted(resources[sid]))) for sid in actions if actions[sid]]


def nightly_role_policy() -> dict:
    every = ("read", "owner", "create", "update", "delete", "list")
    statements = [_statement("WhoAmI", ["sts:GetCallerIdentity"]),
                  *_kind_statements(kinds.REGISTRY, every)]
    roles = tuple(resource for role in ROLES for resource in role.policy_resources)
    statements += [
        _statement("PassOnlyTheLabRolesToTheirServices", ["iam:PassRole"], roles, {"StringEquals": {
            "iam:PassedToService": sorted(PASSED_TO.values())}}),
        _statement("FirstUseOfEcsAndElbInTheAccount", ["iam:CreateServiceLinkedRole"], ("*",),
                   {"StringEquals": {"iam:AWSServiceName": sorted(SERVICE_LINKED)}}),
        _statement("UseTheGivenConnectionInThePipeline", PASS_CONNECTION.values()),
        _statement(f"{verification.STEP.sid}Waits", wait_reads()),
    ]
    # what the preflight reads beyond what the run already may (the nightly role runs both)
    granted = {action for statement in statements for action in statement["Action"]}
    statements.append(_statement("Preflight", [a for a in probes.READS if a not in granted]))
    return {"Version": "2012-10-17", "Statement": statements}


def nightly_role_policy_parts(budget: int = quotas.MANAGED_POLICY) -> list[dict]:
    """The nightly policy's statements, in order, packed into as few documents as fit `budget`
    non-white-space characters each (IAM's managed policy quota); a statement is never split."""
    parts: list[dict] = []
    for statement in nightly_role_policy()["Statement"]:
        if parts and quotas.size(_with(parts[-1], statement)) <= budget:
            parts[-1] = _with(parts[-1], statement)
            continue
        alone = {"Version": "2012-10-17", "Statement": [statement]}
        if quotas.size(alone) > budget:
            raise ValueError(f"statement {statement['Sid']} alone is over {budget} characters")
        parts.append(alone)
    return parts


def _with(document: dict, statement: dict) -> dict:
    return {**document, "Statement": [*document["Statement"], statement]}


def grader_policy() -> dict:
    reads = _kind_statements(grade.KINDS, ("read", "list"), scoped=False)
    derived = calls.reads(*GRADER_CHECKS)
    scoped = [a for a in derived if a in SCOPED_READS]
    # the checks' own reads: those the kinds' statements do not already grant
    granted = {action for statement in reads for action in statement["Action"]}
    own_reads = [a for a in derived if a not in scoped and a not in granted]
    statements = [*reads, _statement(f"{verification.STEP.sid}AndTheChecksOwnReads", own_reads)]
    statements += [_statement(f"Scoped{a.split(':')[1]}", [a], SCOPED_READS[a]) for a in sorted(set(scoped))]
    return {"Version": "2012-10-17", "Statement": statements}


def derived_files() -> dict[str, dict]:
    """Every derived policy file by its name: the nightly policy's parts, then the grader's."""
    parts = {NIGHTLY_PART.format(number=n): part
             for n, part in enumerate(nightly_role_policy_parts(), start=1)}
    return {**parts, GRADER: grader_policy()}


def derived_templates() -> dict[str, str]:
    """The grader's role templates by file name, each granting the grader policy."""
    policy = grader_policy()
    return {filename: make(policy) for filename, make in GRADER_ROLE_TEMPLATES.values()}


def _text(document: dict) -> str:
    return json.dumps(document, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    write = "--write" in (sys.argv[1:] if argv is None else argv)
    texts = {filename: _text(document) for filename, document in derived_files().items()}
    texts |= derived_templates()
    # a part the policy no longer needs is stale too: the setup attaches every part it finds
    leftovers = [p.name for p in sorted(POLICIES_DIR.glob(NIGHTLY_PARTS)) if p.name not in texts]
    stale = list(leftovers)
    for filename, text in texts.items():
        path = POLICIES_DIR / filename
        if write:
            path.write_text(text, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(filename)
    if write:
        for filename in leftovers:
            (POLICIES_DIR / filename).unlink()
        return 0
    for filename in stale:
        print(f"{POLICIES_DIR / filename} differs from what the registry derives; run "
              "`python -m pipeline_harness.iam.files --write`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
