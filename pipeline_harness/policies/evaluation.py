"""What a role's identity-based policies allow on a resource, by IAM's evaluation logic in one account.

A request (action, resource ARN) is allowed when some Allow statement applies to it and no Deny
statement does: an explicit deny wins, and with no Allow the request is implicitly denied.
`evaluate` judges the policy documents here; `simulate` asks IAM's policy simulator the same question
where the target serves it, and both answer with a `Decision`. Only identity-based policies count:
the tutorial gives the lab's roles no permissions boundary and its resources no resource-based policy.

Conditions and policy variables depend on the request's context, which a grader does not have, so a
statement using either is judged by its widest reading: it denies if it might apply, and it never
allows. The Decision's reason says when that happened; the simulator judges such statements itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# No documented cap on ActionNames per SimulatePrincipalPolicy call, but callers report validation
# errors with long lists (PMapper chunks by 20), and the lab needs fewer per resource anyway.
ACTIONS_PER_CALL = 20
_VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # "allowed by statement X of P", "explicitly denied by …", "… (implicit deny)"
    policy: str | None = None  # the document that decided, when one did


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
    for name, document in policies.items():
        found = document.get("Statement", [])
        for position, body in enumerate([found] if isinstance(found, dict) else found, start=1):
            label = f"statement {body['Sid']}" if body.get("Sid") else f"statement #{position}"
            yield _Statement(name, label, body)


def _values(body: dict, key: str) -> list[str]:
    value = body.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def _applies(body: dict, action: str, resource: str) -> bool:
    """Whether the statement's action and resource elements cover the request, whatever its Effect."""
    if "Action" in body:
        acts = any(_action_matches(p, action) for p in _values(body, "Action"))
    else:
        acts = "NotAction" in body and not any(_action_matches(p, action) for p in _values(body, "NotAction"))
    if not acts:
        return False
    if "Resource" in body:
        # an unknown policy variable could stand for anything: its widest reading is a wildcard
        return any(_arn_matches(_VARIABLE.sub("*", p), resource) for p in _values(body, "Resource"))
    return "NotResource" in body and not any(_arn_matches(p, resource) for p in _values(body, "NotResource"))


def _whole_service(action: str) -> bool:
    service, _, name = action.rpartition(":")
    return set(action) == {"*"} or (set(name) == {"*"} and "*" not in service and "?" not in service)


def _action_matches(pattern: str, action: str) -> bool:
    # "The prefix and the action name are case insensitive" (IAM JSON policy elements: Action)
    return _glob([(ch, True) for ch in pattern.lower()], action.lower())


def _arn_matches(pattern: str, resource: str) -> bool:
    """Case-sensitive. In the first five colon-separated segments a wildcard stays inside its segment,
    except that a * ending a segment "can expand to match beyond the colon boundaries"; in the resource
    part after the fifth colon (IAM's sixth component) * and ? match any character, colons included
    (IAM JSON policy elements: Resource, "Using wildcards in resource ARNs")."""
    tokens: list[tuple[str, bool]] = []
    colons = 0
    for i, ch in enumerate(pattern):
        ends_segment = i + 1 == len(pattern) or pattern[i + 1] == ":"
        tokens.append((ch, colons >= 5 or (ch == "*" and ends_segment)))
        colons += ch == ":"
    return _glob(tokens, resource)


def _glob(tokens: list[tuple[str, bool]], text: str) -> bool:
    """Match text against pattern tokens (character, whether a wildcard there may take a colon).

    Runs the pattern as a set of positions, one pass over the text, so crafted patterns stay linear
    (a backtracking regex is exponential on "*a*a*a…b"); only * and ? are special, unlike fnmatch."""
    states = _past_stars(tokens, {0})
    for ch in text:
        step = set()
        for i in states:
            if i == len(tokens):
                continue
            token, crosses = tokens[i]
            fits = crosses or ch != ":"
            if token == "*" and fits:
                step.add(i)
            elif (token == "?" and fits) or token == ch:
                step.add(i + 1)
        states = _past_stars(tokens, step)
        if not states:
            return False
    return len(tokens) in states


def _past_stars(tokens: list[tuple[str, bool]], states: set[int]) -> set[int]:
    """The positions plus those reached by letting a * match nothing."""
    out = set()
    for i in states:
        out.add(i)
        while i < len(tokens) and tokens[i][0] == "*":
            i += 1
            out.add(i)
    return out
