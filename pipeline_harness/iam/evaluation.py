"""What a role's identity-based policies allow on a resource, by IAM's evaluation logic in one account.

A request (action, resource ARN) is allowed when some Allow statement applies to it and no Deny
statement does: an explicit deny wins, and with no Allow the request is implicitly denied.
`evaluate` judges the policy documents here; `simulate` asks IAM's policy simulator the same question
where the target serves it, and both answer with a `Decision`. Only identity-based policies count:
the tutorial gives the lab's roles no permissions boundary and its resources no resource-based policy.

Conditions and policy variables depend on the request's context, which a grader does not have, so a
statement using either is judged by its widest reading: it denies if it might apply, and it never
allows. The Decision's reason says when that happened; the simulator judges such statements itself.

`may_assume` judges a role's trust policy the same way, for the one request that matters: a principal
calling sts:AssumeRole — a service (the lab's roles) or an AWS principal, an account or a role in
it (the grader's role in a student's account). There the caller does know the request's context —
the graded account and resource a service sets (aws:SourceAccount, aws:SourceArn), the external id
a teacher passes (sts:ExternalId) — so Conditions on those keys are evaluated (`conditions`); any
other Condition is still read widest: a Deny applies, an Allow awards nothing, and the reason says
why. `not_granted` compares two sets of documents by the same rules: what one allows that the other
does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline_harness.iam import conditions, wildcards
from pipeline_harness.iam.conditions import Fact

# No documented cap on ActionNames per SimulatePrincipalPolicy call, but callers report validation
# errors with long lists (PMapper chunks by 20), and the lab needs fewer per resource anyway.
ACTIONS_PER_CALL = 20
TALKS_TO = ("iam",)  # simulate() is given the caller's client: its calls' service, for iam.calls
_VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # "allowed by statement X of P", "explicitly denied by …", "… (implicit deny)"
    policy: str | None = None  # the document that decided, when one did
    tip: str = ""  # a least-privilege note on what allowed it


@dataclass(frozen=True)
class _Statement:
    policy: str
    label: str  # "statement <Sid>" or "statement #<position>"
    body: dict

    @property
    def contextual(self) -> bool:
        return bool(self.body.get("Condition")) or any(
            _VARIABLE.search(p) for p in _values(self.body, "Resource") + _values(self.body, "NotResource"))

    def where(self) -> str:
        return f"{self.label} of {self.policy}"


def evaluate(policies: Mapping[str, dict], action: str, resource: str) -> Decision:
    """Whether the named policy documents allow `action` on `resource` ("*" for account-level actions)."""
    applying = [st for st in _statements(policies) if _applies(st.body, action, resource)]
    for st in applying:
        if st.body.get("Effect") == "Deny":
            taken = " (its Condition or policy variable is taken as met)" if st.contextual else ""
            return Decision(False, f"explicitly denied by {st.where()}{taken}", st.policy)
    allows = [st for st in applying if st.body.get("Effect") == "Allow"]
    for st in allows:
        if not st.contextual:
            return Decision(True, f"allowed by {st.where()}", st.policy)
    if allows:
        return Decision(False, f"no statement allows it unconditionally (implicit deny): {allows[0].where()} "
                               "does only under a Condition or policy variable, not judged here")
    return Decision(False, "no statement allows it (implicit deny)")


def too_broad(policies: Mapping[str, dict]) -> list[str]:
    """The Allow statements granting every action, or a whole service, on every resource: the hints."""
    hints = []
    for st in _statements(policies):
        body = st.body
        if body.get("Effect") != "Allow":
            continue
        actions = [a for a in _values(body, "Action") if _whole_service(a)]
        if "NotAction" in body:
            actions.append(f"every action but {', '.join(_values(body, 'NotAction'))}")
        resources = [r for r in _values(body, "Resource") if set(r) == {"*"}]
        if "NotResource" in body:
            resources.append(f"every resource but {', '.join(_values(body, 'NotResource'))}")
        if actions and resources:
            hints.append(f"{st.where()} allows {', '.join(actions)} on {', '.join(resources)}")
    return hints


def simulate(iam: Any, role_arn: str, needs: Iterable[tuple[str, str]],
             context: Mapping[str, dict[str, str]] | None = None) -> dict[tuple[str, str], Decision]:
    """IAM's policy simulator's decision on each (action, resource) the role needs (reads only).

    `context` gives, per resource, the request's condition keys and their (string) values, e.g. the
    service a role is passed to (iam:PassedToService): without them a statement under a Condition
    is judged as not applying."""
    wanted = list(dict.fromkeys(needs))
    by_resource: dict[str, list[str]] = {}
    for action, resource in wanted:
        by_resource.setdefault(resource, []).append(action)
    answers: dict[tuple[str, str], Decision] = {}
    pages = iam.get_paginator("simulate_principal_policy")
    for resource, actions in by_resource.items():
        entries = [{"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"}
                   for key, value in (context or {}).get(resource, {}).items()]
        extra = {"ContextEntries": entries} if entries else {}
        # one resource per call: the simulator crosses every ActionName with every ResourceArn
        for start in range(0, len(actions), ACTIONS_PER_CALL):
            chunk = actions[start:start + ACTIONS_PER_CALL]
            for page in pages.paginate(PolicySourceArn=role_arn, ActionNames=chunk, ResourceArns=[resource],
                                       **extra):
                for result in page["EvaluationResults"]:
                    answers.update(_simulated(result))
    unanswered = Decision(False, "the policy simulator gave no result for it")
    return {(a, r): answers.get((a.lower(), r), unanswered) for a, r in wanted}


def _simulated(result: dict) -> Iterator[tuple[tuple[str, str], Decision]]:
    action = result["EvalActionName"].lower()
    per_resource = result.get("ResourceSpecificResults") or [
        {"EvalResourceName": result["EvalResourceName"], "EvalResourceDecision": result["EvalDecision"],
         "MatchedStatements": result.get("MatchedStatements", []),
         "MissingContextValues": result.get("MissingContextValues", [])}]
    for answer in per_resource:
        yield (action, answer["EvalResourceName"]), _simulator_decision(answer)


def _simulator_decision(answer: dict) -> Decision:
    policies = list(dict.fromkeys(m["SourcePolicyId"] for m in answer.get("MatchedStatements", [])
                                  if m.get("SourcePolicyId")))
    named = f" ({', '.join(policies)})" if policies else ""
    missing = answer.get("MissingContextValues") or []
    unknown = f"; it lacked context values {', '.join(missing)}" if missing else ""
    decision = answer["EvalResourceDecision"]
    reason = {"allowed": f"the policy simulator allows it{named}",
              "explicitDeny": f"the policy simulator finds it explicitly denied{named}"}.get(
        decision, "the policy simulator finds no statement that allows it (implicit deny)")
    return Decision(decision == "allowed", reason + unknown, policies[0] if policies else None)


def _statements(policies: Mapping[str, dict]) -> Iterator[_Statement]:
    """Every statement that is a JSON object (IAM refuses others; an emulator may keep them)."""
    for name, document in policies.items():
        found = document.get("Statement", []) if isinstance(document, dict) else []
        for position, body in enumerate([found] if isinstance(found, dict) else list(found), start=1):
            if isinstance(body, dict):
                label = f"statement {body['Sid']}" if body.get("Sid") else f"statement #{position}"
                yield _Statement(name, label, body)


def _values(body: Any, key: str) -> list[str]:
    """A string-or-list element's strings (anything else in it is not IAM's, and matches nothing)."""
    value = body.get(key, []) if isinstance(body, dict) else []
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _applies(body: dict, action: str, resource: str) -> bool:
    """Whether the statement's action and resource elements cover the request, whatever its Effect."""
    if not _acts(body, action):
        return False
    if "Resource" in body:
        # an unknown policy variable could stand for anything: its widest reading is a wildcard
        return any(_arn_matches(_VARIABLE.sub("*", p), resource) for p in _values(body, "Resource"))
    return "NotResource" in body and not any(_arn_matches(p, resource) for p in _values(body, "NotResource"))


def _acts(body: dict, action: str) -> bool:
    """Whether the statement's Action (or NotAction) element covers the action."""
    if "Action" in body:
        return any(_action_matches(p, action) for p in _values(body, "Action"))
    return "NotAction" in body and not any(_action_matches(p, action) for p in _values(body, "NotAction"))


def _whole_service(action: str) -> bool:
    service, _, name = action.rpartition(":")
    return set(action) == {"*"} or (set(name) == {"*"} and "*" not in service and "?" not in service)


def _action_matches(pattern: str, action: str) -> bool:
    # "The prefix and the action name are case insensitive" (IAM JSON policy elements: Action)
    return wildcards.glob(wildcards.literal(pattern.lower()), action.lower())


def _arn_matches(pattern: str, resource: str) -> bool:
    """Case-sensitive, by the Resource element's rule for wildcards in ARNs (IAM JSON policy elements:
    Resource, "Using wildcards in resource ARNs")."""
    return wildcards.glob(wildcards.arn_segments(pattern, star_ending_a_segment_crosses=True), resource)


# --- trust policies: may the service assume the role? ---------------------------------------------

ASSUME_ROLE = "sts:AssumeRole"
TRUST_POLICY = "the trust policy"
SHOWN_REFUSALS = 4  # statements whose refusal a message names


def may_assume(trust: Any, service: str, facts: Iterable[Fact] = ()) -> Decision:
    """Whether the principal may sts:AssumeRole a role with this trust policy, when the request
    carries the condition keys `facts`. The principal is a service (`codebuild.amazonaws.com`) or an
    AWS principal's ARN: an account (`arn:aws:iam::111122223333:root`) or a role or user in one.

    As IAM decides it: an explicit Deny naming the principal (a NotPrincipal that leaves it out, a
    wildcard principal) wins; else an Allow must name the principal — a service by its name; an AWS
    principal by its ARN, or its account (by id or root ARN: any principal of that account its own
    policies let assume roles) — or every principal ("*", AWS "*"), cover sts:AssumeRole, and hold
    under its Condition. A Condition the caller cannot judge makes a Deny apply and an Allow count
    for nothing; NotPrincipal never allows (IAM refuses it in a trust policy)."""
    facts = tuple(facts)
    statements = list(_statements({TRUST_POLICY: trust}))
    for st in statements:
        if st.body.get("Effect") == "Deny" and _denies(st.body, service) and _acts(st.body, ASSUME_ROLE):
            verdict = conditions.evaluate(st.body.get("Condition"), facts)
            if verdict.met is not False:
                taken = f" ({verdict.reason}: taken as applying)" if verdict.met is None else ""
                return Decision(False, f"explicitly denied by {st.label}{taken}", TRUST_POLICY)
    refusals = []
    for st in statements:
        if st.body.get("Effect") != "Allow":
            continue
        admits = _admits(st.body, service)
        if admits is None:
            if "NotPrincipal" in st.body:
                refusals.append(f"{st.label} uses NotPrincipal, which IAM does not allow in a trust policy")
            continue
        if not _acts(st.body, ASSUME_ROLE):
            refusals.append(f"{st.label} allows only {_actions_of(st.body)}")
            continue
        verdict = conditions.evaluate(st.body.get("Condition"), facts)
        if verdict.met:
            under = f", under its Condition ({verdict.reason})" if verdict.reason else ""
            tip = (f"{st.label} lets any principal assume the role (Principal {admits}): name {service} "
                   "instead") if admits in _EVERY_PRINCIPAL else ""
            return Decision(True, f"allowed by {st.label}{under}", TRUST_POLICY, tip)
        judged = " — a Condition the grader cannot judge counts for nothing" if verdict.met is None else ""
        refusals.append(f"{st.label}: {verdict.reason}{judged}")
    if refusals:
        more = len(refusals) - SHOWN_REFUSALS
        return Decision(False, "; ".join(refusals[:SHOWN_REFUSALS]) + (
            f"; and {more} more statement{'s' * (more > 1)}" if more > 0 else ""), TRUST_POLICY)
    return Decision(False, f"no Allow statement names {service} (implicit deny){_named(statements)}")


_EVERY_PRINCIPAL = ('"*"', 'AWS "*"')


def is_aws_principal(principal: str) -> bool:
    """An account's, role's or user's ARN, rather than a service's name."""
    return principal.startswith("arn:")


def _forms(principal: str) -> tuple[str, ...]:
    """The Principal element's values that name an AWS principal: its ARN, and its account — by id
    or as `arn:<partition>:iam::<id>:root` (IAM stores an id as that ARN) — which admits any
    principal of the account its own policies let assume roles."""
    parts = principal.split(":")
    if len(parts) < 6:
        return (principal,)
    account = parts[4]
    return tuple(dict.fromkeys((principal, account, f"arn:{parts[1]}:iam::{account}:root")))


def _names(element: Any, principal: str) -> str | None:
    """The value of a Principal (or NotPrincipal) element that names the principal, exactly."""
    if not isinstance(element, dict):
        return None
    if not is_aws_principal(principal):
        return principal if principal in _values(element, "Service") else None
    return next((value for value in _values(element, "AWS") if value in _forms(principal)), None)


def _admits(body: dict, service: str) -> str | None:
    """How an Allow's Principal takes in the principal: by name (or, an AWS principal, by its
    account), or as every principal; None if not."""
    principal = body.get("Principal")
    if principal == "*":
        return '"*"'
    if not isinstance(principal, dict):
        return None
    if "*" in _values(principal, "AWS"):
        return 'AWS "*"'
    return _names(principal, service)


def _denies(body: dict, service: str) -> bool:
    """Whether a Deny's principal might be the principal (read widest: case and wildcards too)."""
    if "NotPrincipal" in body:
        spared = body["NotPrincipal"]
        return spared != "*" and _names(spared, service) is None
    principal = body.get("Principal", "*")  # a Deny naming nobody is IAM's to refuse; read as everyone
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    if is_aws_principal(service):
        return any(value == "*" or _arn_matches(value, form) for value in _values(principal, "AWS")
                   for form in _forms(service))
    return "*" in _values(principal, "AWS") or any(_action_matches(name, service)
                                                  for name in _values(principal, "Service"))


def trusted_principals(trust: Any) -> list[tuple[str, str]]:
    """(kind, value) of every principal an Allow of the trust policy names: ("AWS", "111…"),
    ("Service", "codebuild.amazonaws.com"), ("Federated", …); "*" as ("*", "*")."""
    named: dict[tuple[str, str], None] = {}
    for st in _statements({TRUST_POLICY: trust}):
        if st.body.get("Effect") != "Allow":
            continue
        principal = st.body.get("Principal")
        if principal == "*":
            named[("*", "*")] = None
        elif isinstance(principal, dict):
            named.update({(str(kind), value): None for kind in principal
                          for value in _values(principal, kind)})
    return list(named)


def not_granted(policies: Mapping[str, dict], by: Mapping[str, dict]) -> list[str]:
    """What the Allow statements of `policies` grant that the documents `by` do not allow: each
    action (or action pattern) on each resource (or pattern) an Allow names, judged against `by`
    with the pattern as the request — so a wider pattern (`s3:Get*`, `*`) is not granted by a
    narrower one, and a NotAction or NotResource (every action or resource but some) is never."""
    beyond = []
    for st in _statements(policies):
        body = st.body
        if body.get("Effect") != "Allow":
            continue
        if "NotAction" in body or "NotResource" in body:
            beyond.append(f"{st.where()}: every {'action' if 'NotAction' in body else 'resource'} but "
                          f"{', '.join(_values(body, 'NotAction') or _values(body, 'NotResource'))}")
            continue
        for action in _values(body, "Action"):
            for resource in _values(body, "Resource"):
                if not evaluate(by, action, resource).allowed:
                    beyond.append(f"{action} on {resource} ({st.where()})")
    return beyond


def _actions_of(body: dict) -> str:
    if "Action" in body:
        return ", ".join(_values(body, "Action")[:SHOWN_REFUSALS]) or "no action"
    if "NotAction" in body:
        return f"every action but {', '.join(_values(body, 'NotAction')[:SHOWN_REFUSALS])}"
    return "no action"


def _named(statements: list[_Statement]) -> str:
    named = sorted({f"{kind} {value}" for st in statements if st.body.get("Effect") == "Allow"
                    and isinstance(st.body.get("Principal"), dict)
                    for kind in st.body["Principal"] for value in _values(st.body["Principal"], kind)})
    return f": the Allow statements name {', '.join(named[:SHOWN_REFUSALS])}" if named else ""
