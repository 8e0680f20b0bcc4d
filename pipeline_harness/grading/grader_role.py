"""The grader's role in a student's account, checked by the student with their own credentials
before the teacher grades: it exists, the teacher's account may assume it (with the external id,
and only with it), nobody else may, and it may do exactly what the grader policy grants.

Read-only (IAM's GetRole, ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies, GetPolicy,
GetPolicyVersion), judged by the one evaluator the grader uses (`iam_policies.evaluation`): the trust by
`may_assume` with the request's context (the external id, the teacher's account), the permissions by
`evaluate` and `not_granted` against `iam/grader-policy.json`. One result per finding, each
saying what to fix; the templates (`iam/grader-role.cfn.yaml`, `iam/grader-role.tf`)
make a role that passes every one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline_harness import iam as iam_policies
from pipeline_harness.core import inert
from pipeline_harness.core.aws_models import IAM_ROLE_NAME, STS_EXTERNAL_ID
from pipeline_harness.core.errors import ConfigError, first_line
from pipeline_harness.grading.listing import listed
from pipeline_harness.iam import evaluation
from pipeline_harness.iam.conditions import Fact
from pipeline_harness.iam.files import GRADER
from pipeline_harness.iam.role_templates import ROLE_NAME
from pipeline_harness.kinds.iam import document
from pipeline_harness.steps.base import CheckResult
from pipeline_harness.targets.base import Target

STEP = 4  # the report's section: an IAM role, made as Step 4 makes the lab's
ACCOUNT = re.compile(r"[0-9]{12}")
FIX = ("make the role from the harness's template (`pipeline-harness grader-role template "
       "cloudformation` or `terraform`), with your teacher's account id and external id")


@dataclass(frozen=True)
class Found:
    """The role as IAM holds it: its ARN, trust policy, every permissions document by name, and
    the documents that are no JSON policy (IAM holds none such; an emulator may)."""

    arn: str
    trust: Any
    documents: dict[str, dict]
    unreadable: dict[str, str]


def _parsed(raw: Any) -> dict | str:
    """A policy document, or why it is none."""
    try:
        parsed = document(raw)
    except ValueError as err:
        return f"not JSON ({first_line(err)})"
    return parsed if isinstance(parsed, dict) else "not a JSON object"


def read(target: Target, role_name: str) -> Found | None:
    """The role and its inline and attached policies' documents; None when there is no such role."""
    iam = target.client("iam")
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None
    raw = {}
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for name in page["PolicyNames"]:
            raw[f"inline policy {name}"] = iam.get_role_policy(RoleName=role_name,
                                                               PolicyName=name)["PolicyDocument"]
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for attached in page["AttachedPolicies"]:
            version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
            raw[f"managed policy {attached['PolicyArn']}"] = iam.get_policy_version(
                PolicyArn=attached["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
    parsed = {name: _parsed(text) for name, text in raw.items()}
    trust = _parsed(role["AssumeRolePolicyDocument"])
    return Found(role["Arn"], trust if isinstance(trust, dict) else {},
                 {n: d for n, d in parsed.items() if isinstance(d, dict)},
                 {n: d for n, d in parsed.items() if isinstance(d, str)})


def check_options(teacher_account: str, external_id: str | None, role_name: str) -> None:
    """Bad options are one line before any call."""
    if not ACCOUNT.fullmatch(teacher_account):
        raise ConfigError(f"--teacher-account must be a 12-digit AWS account id, not {teacher_account!r}")
    if external_id is not None and not STS_EXTERNAL_ID.accepts(external_id):
        raise ConfigError(f"--external-id must be {STS_EXTERNAL_ID.described} (STS's rule), "
                          f"not {external_id!r}")
    if not IAM_ROLE_NAME.accepts(role_name):
        raise ConfigError(f"--role-name must be an IAM role name ({IAM_ROLE_NAME.described}), "
                          f"not {role_name!r}")


def _result(check_id: str, title: str, ok: bool | None, message: str, hint: str = "") -> CheckResult:
    status = "skip" if ok is None else "pass" if ok else "fail"
    return CheckResult(check_id, STEP, title, status, 1 if ok else 0, 1, message, "" if ok else hint)


def check(target: Target, teacher_account: str, external_id: str | None = None,
          role_name: str = ROLE_NAME) -> list[CheckResult]:
    """Every finding about the grader's role in the target's account, one result each."""
    check_options(teacher_account, external_id, role_name)
    found = read(target, role_name)
    title = f"Role `{role_name}` exists for the teacher's grader"
    if found is None:
        return [_result("grader-role.exists", title, False,
                        f"no role {inert.code(role_name)} in account {target.account}", FIX)]
    results = [_result("grader-role.exists", title, True, f"found {inert.code(found.arn)}: give your "
                       "teacher this ARN (the class roster's role_arn)")]
    results += _trust(found, teacher_account, external_id)
    return results + _permissions(found)


# --- the trust policy ---------------------------------------------------------------------------------

def _teacher_facts(teacher_account: str, external_id: str | None) -> tuple[Fact, ...]:
    """What the teacher's AssumeRole request carries: the external id (or none), their account."""
    return (Fact("sts:ExternalId", external_id, "the external id" if external_id else "no external id"),
            Fact("aws:PrincipalAccount", teacher_account, "the teacher's account"))


def _candidates(trust: Any, teacher_account: str, partition: str) -> list[str]:
    """The teacher's principals the trust could admit: the account, and each role or user of it
    the trust names (a trust naming one role admits that role, not the whole account)."""
    named = [value for kind, value in evaluation.trusted_principals(trust)
             if _of_teacher(kind, value, teacher_account) and evaluation.is_aws_principal(value)]
    return list(dict.fromkeys([f"arn:{partition}:iam::{teacher_account}:root", *named]))


def _admitted(trust: Any, teacher_account: str, partition: str,
              facts: tuple[Fact, ...]) -> tuple[str | None, evaluation.Decision]:
    """The first of the teacher's principals the trust admits under `facts`, and IAM's decision."""
    decisions = [(p, evaluation.may_assume(trust, p, facts)) for p in _candidates(trust, teacher_account,
                                                                                  partition)]
    allowed = [(p, d) for p, d in decisions if d.allowed]
    return allowed[0] if allowed else (None, decisions[0][1])


def _trust(found: Found, teacher: str, external_id: str | None) -> list[CheckResult]:
    partition = found.arn.split(":")[1]
    given = _teacher_facts(teacher, external_id)
    principal, decision = _admitted(found.trust, teacher, partition, given)
    with_id = f" with the external id {inert.code(external_id)}" if external_id else " without an external id"
    title = f"The teacher's account {teacher} may assume it"
    if principal is None:
        fix = (f"its trust policy must allow sts:AssumeRole to Principal {{\"AWS\": \"{teacher}\"}} "
               "(or your teacher's grading role), under the Condition StringEquals sts:ExternalId — " + FIX)
        if not external_id and "sts:ExternalId" in str(found.trust):
            fix = "the trust asks for an external id: run this again with the --external-id your teacher gave"
        results = [_result("grader-role.trust", title, False, f"account {teacher}{with_id} may not assume "
                           f"it: {decision.reason}", fix)]
    else:
        who = "any of its principals its own policies let assume roles" if principal.endswith(":root") \
            else f"as {inert.code(principal)} only: your teacher must grade from that role"
        results = [_result("grader-role.trust", title, True,
                           f"account {teacher}{with_id} may assume it ({who}): {decision.reason}")]
    results.append(_requires_external_id(found, teacher, partition, external_id, principal is not None))
    results.append(_nobody_else(found, teacher, external_id))
    return results


def _requires_external_id(found: Found, teacher: str, partition: str, external_id: str | None,
                          admitted: bool) -> CheckResult:
    title = "Only a request with the external id may assume it"
    if not external_id:
        return _result("grader-role.external-id", title, None,
                       "skipped: no --external-id given (the one your teacher gave you)")
    if not admitted:
        return _result("grader-role.external-id", title, None,
                       "skipped: the teacher's account may not assume it even with the external id")
    without, _ = _admitted(found.trust, teacher, partition, _teacher_facts(teacher, None))
    if without is None:
        return _result("grader-role.external-id", title, True,
                       "without the external id the teacher's account may not assume it")
    return _result("grader-role.external-id", title, False,
                   f"the teacher's account may assume it without the external id (as {inert.code(without)})",
                   f"add the Condition StringEquals sts:ExternalId {inert.code(external_id)} to the trust "
                   "policy's Allow (the confused-deputy guard a third party's role needs)")


STRANGER = "000000000000"  # an account nobody has: what a wildcard principal lets in


def _account_of(value: str) -> str:
    """The account an AWS principal entry names (an id, or an ARN's); a wildcard's: a stranger's."""
    parts = value.split(":")
    if ACCOUNT.fullmatch(value):
        return value
    return parts[4] if evaluation.is_aws_principal(value) and len(parts) >= 6 else STRANGER


def _of_teacher(kind: str, value: str, teacher: str) -> bool:
    return kind == "AWS" and _account_of(value) == teacher


def _asked(kind: str, value: str, partition: str, external_id: str | None) -> tuple[str, tuple[Fact, ...]]:
    """The principal a trust's entry stands for, and what its AssumeRole request would carry: an
    account or wildcard the teacher's external id (it may have learnt it), a service none."""
    if kind == "Service":
        return value, (Fact("sts:ExternalId", None, "no external id"),)
    account = _account_of(value)
    principal = value if evaluation.is_aws_principal(value) else f"arn:{partition}:iam::{account}:root"
    return principal, (Fact("sts:ExternalId", external_id, "the external id"),
                       Fact("aws:PrincipalAccount", account, "its account"))


def _nobody_else(found: Found, teacher: str, external_id: str | None) -> CheckResult:
    """No principal outside the teacher's account may assume it: each one the trust names, and a
    stranger where it names every principal, asked with the teacher's own external id."""
    partition, others = found.arn.split(":")[1], []
    for kind, value in evaluation.trusted_principals(found.trust):
        if _of_teacher(kind, value, teacher):
            continue
        if kind not in ("AWS", "Service", "*"):  # Federated, CanonicalUser: not a grader's principal
            others.append(f"{kind} {inert.code(value)} is named")
            continue
        principal, facts = _asked(kind, value, partition, external_id)
        decision = evaluation.may_assume(found.trust, principal, facts)
        if decision.allowed:
            who = "every principal" if value == "*" else f"{kind} {inert.code(value)}"
            others.append(f"{who} may assume it ({decision.reason})")
    title = "Nobody but the teacher's account may assume it"
    if not others:
        return _result("grader-role.trust-others", title, True, "the trust policy admits no other principal")
    return _result("grader-role.trust-others", title, False, listed(others),
                   f"remove every principal but your teacher's account {teacher} from the trust policy: "
                   "whoever may assume the role reads your account as the grader does")


# --- the permissions ----------------------------------------------------------------------------------

def _grants(document: dict) -> list[tuple[str, str]]:
    """(action, resource) of each Allow of a document as it is written (the grader policy's), once."""
    return list(dict.fromkeys(
        (action, resource) for statement in document["Statement"] if statement["Effect"] == "Allow"
        for action in statement["Action"]
        for resource in ([statement["Resource"]] if isinstance(statement["Resource"], str)
                         else statement["Resource"])))


READS_TITLE = "It may make every read the grader makes"
ONLY_TITLE = "It may do nothing beyond the grader policy"


def _permissions(found: Found) -> list[CheckResult]:
    if found.unreadable:
        problems = listed([f"{name}: {why}" for name, why in found.unreadable.items()])
        return [CheckResult(check_id, STEP, title, "error", 0, 1, f"could not be judged: {problems}",
                            "make the role's policies again from the template")
                for check_id, title in (("grader-role.permissions", READS_TITLE),
                                        ("grader-role.least-privilege", ONLY_TITLE))]
    grader = {GRADER: iam_policies.document(GRADER)}
    grants = _grants(grader[GRADER])
    decisions = [(action, resource, evaluation.evaluate(found.documents, action, resource))
                 for action, resource in grants]
    missing = [f"{action} on {resource} ({d.reason})" for action, resource, d in decisions if not d.allowed]
    beyond = evaluation.not_granted(found.documents, grader)
    documents = ", ".join(found.documents) or "no policy"
    return [
        _result("grader-role.permissions", READS_TITLE, not missing,
                f"all {len(grants)} of the grader policy's grants allowed by {documents}" if not missing
                else f"not allowed: {listed(missing)}",
                f"give the role the grader policy (pipeline_harness/iam/{GRADER}) as its one inline "
                "policy: without a read the grader scores that check `error`, not your lab"),
        _result("grader-role.least-privilege", ONLY_TITLE, not beyond,
                "nothing granted beyond the grader policy" if not beyond
                else f"granted beyond the grader policy: {listed(beyond)}",
                "remove every other policy from the role: the grader reads, and whoever holds the role "
                "can do all it grants in your account"),
    ]
