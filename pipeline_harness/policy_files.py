"""The two IAM policy files, derived: from the registry of kinds (what each kind's create, read,
update, delete and listing need) and from the reads the waits, the grader and the nightly flow
declare next to the calls they make (their `READS`).

    python -m pipeline_harness.policy_files          # exit 1 and say which file differs
    python -m pipeline_harness.policy_files --write  # write both files anew

`policies/nightly-role-policy.json` is the role the nightly end-to-end run assumes: it may make and
remove the lab's kinds of resources, pass only the lab's roles and only to their services, and
read what Step 7 waits on. `policies/grader-policy.json` grants only the reads the grader makes.
Tests prove the files equal what this module derives, and that the calls really made are covered.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

from pipeline_harness import kinds
from pipeline_harness.e2e import flow
from pipeline_harness.grading import grade, source, step7
from pipeline_harness.kinds import iam as iam_kinds
from pipeline_harness.kinds.base import Kind
from pipeline_harness.steps import connection, iam, prerequisites
from pipeline_harness.waits import ecr_tags, events, pipeline, rollout

FILES = {"nightly-role-policy.json": "nightly", "grader-policy.json": "grader"}
POLICIES_DIR = Path(__file__).parent / "policies"
SECTION = {0: "Prerequisites", 1: "Step1", 2: "Step2", 3: "Step3", 4: "Step4", 5: "Step5", 6: "Step6",
           7: "Step7"}
ROLES = (iam_kinds.PIPELINE_ROLE, iam_kinds.CODEBUILD_ROLE, iam_kinds.EXECUTION_ROLE)
ARTIFACT_OBJECTS = "arn:aws:s3:::dev-pipeline-artifacts-*/*"
# reads that can be scoped: the grader opens the student's source artifact only
SCOPED_READS = {"s3:GetObject": (ARTIFACT_OBJECTS,)}


def _statement(sid: str, actions: Iterable[str], resources: tuple[str, ...] = ("*",),
               condition: dict | None = None) -> dict:
    made = {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)),
            "Resource": resources[0] if len(resources) == 1 else list(resources)}
    return {**made, "Condition": condition} if condition else made


def _service(kind: Kind) -> str:
    return "".join(part.capitalize() for part in kind.service.split("-"))


def _kind_statements(chosen: Iterable[Kind], verbs: tuple[str, ...], scoped: bool = True) -> list[dict]:
    """Per section and service: the verbs' actions on the kinds' resources (`scoped`), or on "*"
    where the kind can't be scoped or the reader must read names of anyone's choosing (the grader);
    listings are always on "*"."""
    actions: dict[str, set[str]] = {}
    resources: dict[str, set[str]] = {}
    for kind in chosen:
        sid = f"{SECTION[kind.section]}{_service(kind)}"
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
            "iam:PassedToService": ["codebuild.amazonaws.com", "codepipeline.amazonaws.com",
                                    "ecs-tasks.amazonaws.com"]}}),
        _statement("FirstUseOfEcsAndElbInTheAccount", ["iam:CreateServiceLinkedRole"], ("*",),
                   {"StringEquals": {"iam:AWSServiceName": ["ecs.amazonaws.com",
                                                           "elasticloadbalancing.amazonaws.com"]}}),
        _statement("UseTheGivenConnectionInThePipeline",
                   ["codestar-connections:PassConnection", "codeconnections:PassConnection"]),
        _statement("Step7Waits", [*pipeline.READS, *ecr_tags.READS, *rollout.READS, *events.READS,
                                  *flow.READS]),
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def grader_policy() -> dict:
    reads = _kind_statements(grade.KINDS, ("read", "list"), scoped=False)
    declared = [*step7.READS, *source.READS, *connection.READS, *iam.READS, *prerequisites.READS]
    scoped = [a for a in declared if a in SCOPED_READS]
    statements = [*reads, _statement("Step7AndTheChecksOwnReads", [a for a in declared if a not in scoped])]
    statements += [_statement(f"Scoped{a.split(':')[1]}", [a], SCOPED_READS[a]) for a in sorted(set(scoped))]
    return {"Version": "2012-10-17", "Statement": statements}


def derived(filename: str) -> dict:
    return {"nightly": nightly_role_policy, "grader": grader_policy}[FILES[filename]]()


def _text(document: dict) -> str:
    return json.dumps(document, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    write = "--write" in (sys.argv[1:] if argv is None else argv)
    stale = []
    for filename in FILES:
        path = POLICIES_DIR / filename
        text = _text(derived(filename))
        if write:
            path.write_text(text, encoding="utf-8")
        elif path.read_text(encoding="utf-8") != text:
            stale.append(filename)
    for filename in stale:
        print(f"{POLICIES_DIR / filename} differs from what the registry derives; run "
              "`python -m pipeline_harness.policy_files --write`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
