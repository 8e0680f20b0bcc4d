"""May the nightly role do what the run does? IAM's policy simulator is asked about every action the
run makes — each kind's create, read, update, delete and listing (the registry), the roles it passes
and the service-linked roles a first use makes, the waits' and the preflight's own reads — on the
run's own resource ARNs, one line per step (the tutorial's, then the harness's own event source, then
the preflight's own reads), naming each action denied and its resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline_harness import kinds
from pipeline_harness.core.errors import AWS_ERRORS, first_line
from pipeline_harness.iam import files as policy_files
from pipeline_harness.iam.evaluation import Decision, simulate
from pipeline_harness.kinds.connections import CONNECTION
from pipeline_harness.preflight import arns, probes
from pipeline_harness.preflight.lines import line
from pipeline_harness.settings import Names
from pipeline_harness.steps import PREREQUISITES, STEPS, holding, prerequisites, verification
from pipeline_harness.steps.base import CheckResult, Step
from pipeline_harness.targets.context import Context

NAMED_VERBS = ("read", "owner", "create", "update", "delete")
_ASSUMED_ROLE = re.compile(
    r"arn:(?P<partition>[\w-]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/.+")
_PRINCIPAL = re.compile(r"arn:[\w-]+:iam::\d{12}:(?:role|user)/.+")


@dataclass(frozen=True)
class Need:
    """One request the run makes: the action, the ARN IAM judges it on, the condition keys it carries."""

    step: Step | None  # the step whose request it is; None: the preflight's own reads
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


def needs(names: Names) -> list[Need]:
    """Every request of the run, from the same facts the nightly policy is derived from."""
    found = []
    for kind in kinds.REGISTRY:
        step = holding(kind)
        found += [Need(step, action, arns.of(kind, action, names))
                  for verb in NAMED_VERBS for action in getattr(kind.actions, verb)]
        found += [Need(step, action, "*") for action in kind.actions.list]
    for role, service in policy_files.PASSED_TO.items():
        found.append(Need(holding(role), "iam:PassRole", arns.of(role, "iam:PassRole", names),
                          (("iam:PassedToService", service),)))
    for service, role_name in policy_files.SERVICE_LINKED.items():
        found.append(Need(prerequisites.STEP, "iam:CreateServiceLinkedRole",
                          f"arn:aws:iam::{names.account_id}:role/aws-service-role/{service}/{role_name}",
                          (("iam:AWSServiceName", service),)))
    connection = arns.of(CONNECTION, "PassConnection", names)
    found.append(Need(holding(CONNECTION), policy_files.PASS_CONNECTION[connection.split(":")[2]],
                      connection))
    found += [Need(verification.STEP, action, "*") for action in policy_files.wait_reads()]
    found += [Need(None, action, "*") for action in probes.READS]
    return list(dict.fromkeys(found))


def principal(caller_arn: str) -> str | None:
    """The ARN the simulator takes for the caller: an assumed role's role (its path, if any, is not
    in the session's ARN: give --role-arn then), a user as it is; None for root or a federated user."""
    assumed = _ASSUMED_ROLE.fullmatch(caller_arn)
    if assumed:
        return f"arn:{assumed['partition']}:iam::{assumed['account']}:role/{assumed['role']}"
    return caller_arn if _PRINCIPAL.fullmatch(caller_arn) else None


def _what(step: Step | None) -> str:
    if step is None:
        return "the preflight's own reads"
    return step.heading if step.tutorial else step.title[0].lower() + step.title[1:]


def _order(step: Step | None) -> tuple[int, int]:
    """The tutorial's steps by number, then the harness's own (in provisioning order), then the
    preflight's own reads."""
    if step is None:
        return 2, 0
    return (0, step.number) if step.number is not None else (1, STEPS.index(step))


def _title(step: Step | None, role: str | None) -> str:
    who = f"The nightly role `{role}`" if role else "The nightly role"
    return f"{who} may make every request of {_what(step)}, on the run's ARNs"


def check(ctx: Context, role_arn: str | None = None) -> list[CheckResult]:
    """One line per step: pass when the simulator allows every request of the step."""
    wanted = needs(ctx.names)
    steps = sorted({need.step for need in wanted}, key=_order)
    reason = ctx.target.gap("iam", "SimulatePrincipalPolicy")
    if reason:
        return [line(_id(step), _report_step(step), _title(step, role_arn), "skip", f"skipped: {reason}")
                for step in steps]
    role = role_arn or principal(ctx.client("sts").get_caller_identity()["Arn"])
    if role is None:
        return [line("permissions", PREREQUISITES, _title(prerequisites.STEP, None), "error",
                     "the caller is no IAM role or user the policy simulator can judge (root or a "
                     "federated user); give --role-arn")]
    context = {need.resource: dict(need.context) for need in wanted if need.context}
    try:
        decisions = simulate(ctx.client("iam"), role, [(n.action, n.resource) for n in wanted], context)
    except AWS_ERRORS as err:
        return [line(_id(step), _report_step(step), _title(step, role), "error",
                     f"could not ask IAM's policy simulator: {first_line(err)}") for step in steps]
    return [_verdict(step, role, [(n, decisions[(n.action, n.resource)]) for n in wanted if n.step == step])
            for step in steps]


def _id(step: Step | None) -> str:
    if step is None:
        return "permissions.preflight"
    return f"permissions.step{step.number}" if step.number is not None else \
        f"permissions.{step.name.replace('_', '-')}"


def _report_step(step: Step | None) -> int:
    """The report's section of the line: its step's; the harness's own with the prerequisites."""
    return PREREQUISITES if step is None or step.number is None else step.number


def _verdict(step: Step | None, role: str, decided: list[tuple[Need, Decision]]) -> CheckResult:
    denied = [f"{need.action} on {need.resource} ({decision.reason})"
              for need, decision in decided if not decision.allowed]
    title = _title(step, role)
    if denied:
        return line(_id(step), _report_step(step), title, "fail",
                    f"denied {len(denied)} of {len(decided)}: {'; '.join(denied)}",
                    "attach every pipeline_harness/iam/nightly-role-policy-*.json to the role "
                    "(docs/nightly.md, step 3)")
    return line(_id(step), _report_step(step), title, "pass",
                f"IAM's policy simulator allows all {len(decided)} requests")
