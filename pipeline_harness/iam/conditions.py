"""A statement's Condition element, judged against what the grader knows of the request's context.

IAM's rules (IAM JSON policy elements: Condition; Condition operators; multivalued conditions):
every operator block and every key in it must match (AND); a key matches when the request's value
matches any of the policy's values (OR), or, for a negated operator (StringNotEquals, ArnNotLike…),
none of them; `ForAllValues:`/`ForAnyValue:` compare each request value; `…IfExists` and `Null`
ask whether the key is there at all. Key names are case-insensitive, values case-sensitive unless
the operator says IgnoreCase; `ArnEquals` and `ArnLike` behave identically, each of the ARN's six
colon-separated components matched on its own.

The grader knows a few keys exactly (`Fact`: the request values the graded lab fixes, such as the
account a service acts for). Anything else — another key, an operator this module does not
evaluate, a policy variable in a value, a malformed block — is `met=None`: cannot judge, with the
reason. The caller decides what that means (an Allow it cannot judge awards nothing; a Deny it
cannot judge is taken as applying).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline_harness.core import inert
from pipeline_harness.iam import wildcards

SHOWN_VALUES = 4  # of a key's policy values, in a message
SHOWN_CHARACTERS = 120  # of each value


@dataclass(frozen=True)
class Fact:
    """A condition key's value in the request, as the graded lab fixes it — or, `value` None, a key
    known to be absent from the request (an AssumeRole call made without an external id)."""

    key: str  # as IAM's documentation spells it: "aws:SourceAccount"
    value: str | None
    what: str  # how the report names it: "the graded account"


@dataclass(frozen=True)
class Verdict:
    met: bool | None  # None: the grader cannot judge it
    reason: str  # what was met, what was not and why, or why it cannot be judged


Match = Callable[[str, str], bool | None]  # (policy value, request value); None: cannot judge


def _equals(pattern: str, value: str) -> bool:
    return pattern == value


def _equals_ignoring_case(pattern: str, value: str) -> bool:
    return pattern.casefold() == value.casefold()


def _like(pattern: str, value: str) -> bool:
    return wildcards.glob(wildcards.literal(pattern), value)


def _arn_like(pattern: str, value: str) -> bool | None:
    if pattern.count(":") < 5:  # not six components: IAM's pages say nothing of how that compares
        return None
    return value.count(":") >= 5 and wildcards.glob(
        wildcards.arn_segments(pattern, star_ending_a_segment_crosses=False), value)


# operator -> (negated, how one policy value matches one request value, how a message says it)
_OPERATORS: dict[str, tuple[bool, Match, str]] = {
    "StringEquals": (False, _equals, "is"),
    "StringNotEquals": (True, _equals, "is"),
    "StringEqualsIgnoreCase": (False, _equals_ignoring_case, "is (ignoring case)"),
    "StringNotEqualsIgnoreCase": (True, _equals_ignoring_case, "is (ignoring case)"),
    "StringLike": (False, _like, "is like"),
    "StringNotLike": (True, _like, "is like"),
    "ArnEquals": (False, _arn_like, "is like"),
    "ArnLike": (False, _arn_like, "is like"),
    "ArnNotEquals": (True, _arn_like, "is like"),
    "ArnNotLike": (True, _arn_like, "is like"),
}
_SET_OPERATORS = ("ForAllValues:", "ForAnyValue:")


def evaluate(condition: Any, facts: Iterable[Fact]) -> Verdict:
    """Whether a statement's Condition holds in a request whose known keys are `facts`."""
    known = {fact.key.lower(): fact for fact in facts}
    if not condition:
        return Verdict(True, "")
    if not isinstance(condition, dict):
        return Verdict(None, "its Condition is not a JSON object")
    verdicts = []
    for operator, block in condition.items():
        if not isinstance(block, dict):
            verdicts.append(Verdict(None, f"its Condition operator {operator} holds no keys"))
            continue
        verdicts.extend(_key(str(operator), str(key), values, known) for key, values in block.items())
    for outcome in (False, None):
        found = [v.reason for v in verdicts if v.met is outcome]
        if found:
            return Verdict(outcome, "; ".join(found))
    return Verdict(True, "; ".join(v.reason for v in verdicts))


def _key(operator: str, key: str, values: Any, facts: Mapping[str, Fact]) -> Verdict:
    set_operator = next((s for s in _SET_OPERATORS if operator.startswith(s)), "")
    base = operator[len(set_operator):]
    base = base.removesuffix("IfExists") if base != "Null" else base
    patterns = _scalars(values)
    fact = facts.get(key.lower())
    if patterns is None:
        return Verdict(None, f"its Condition {operator} {key} has a value that is neither a string nor "
                             "a list of strings")
    if base != "Null" and base not in _OPERATORS:
        return Verdict(None, f"its Condition operator {operator} is not one the grader evaluates")
    if fact is None:
        knows = ", ".join(f.key for f in facts.values()) or "no key"
        return Verdict(None, f"its Condition on {key} depends on a value the grader does not know (it "
                             f"knows {knows}, which the service sets from the graded lab)")
    if base == "Null":
        return _null(key, patterns, fact)
    if fact.value is None:
        return _absent(operator, set_operator, base, key)
    if any("${" in p for p in patterns):
        return Verdict(None, f"its Condition {operator} {key} uses a policy variable, not judged here")
    negated, match, says = _OPERATORS[base]
    met = _matched(negated, match, patterns, fact.value)
    shown = _shown(patterns)
    if met is None:
        return Verdict(None, f"its Condition {key} {says} {shown}: an ARN pattern without six components, "
                             "which IAM's documentation does not define")
    holds = f"{fact.what} is {inert.code(fact.value)}"
    if negated:
        says = "may not be" + says.removeprefix("is")  # "may not be like"
    if met:
        return Verdict(True, f"{key} {says} {shown}, and {holds}")
    if negated:
        return Verdict(False, f"its Condition {key} {says} {shown}, and {holds}")
    return Verdict(False, f"its Condition {key} {says} {shown}, not {fact.what} {inert.code(fact.value)}")


def _matched(negated: bool, match: Match, patterns: list[str], value: str) -> bool | None:
    """One request value (the facts are single-valued, so a set operator changes nothing)."""
    hits = [match(p, value) for p in patterns]
    if True in hits:
        return not negated
    if None in hits:
        return None
    return negated


def _absent(operator: str, set_operator: str, base: str, key: str) -> Verdict:
    """A key the request does not carry: "the values do not match and the condition is false",
    but true for a negated operator (StringNotEquals, ArnNotLike…), for …IfExists, and for
    ForAllValues (no value fails it) — IAM JSON policy elements: Condition operators; multivalued
    context keys."""
    if operator.endswith("IfExists") or set_operator == "ForAllValues:" or _OPERATORS[base][0]:
        return Verdict(True, f"{key} is absent from the request, and {operator} then holds")
    return Verdict(False, f"its Condition {operator} requires {key}, which the request does not carry")


def _null(key: str, patterns: list[str], fact: Fact) -> Verdict:
    wanted = {p.lower() for p in patterns}
    if not wanted <= {"true", "false"}:
        return Verdict(None, f"its Condition Null {key} is neither true nor false")
    if fact.value is None:
        if "true" in wanted:
            return Verdict(True, f"{key} is absent, as its Condition Null asks")
        return Verdict(False, f"its Condition Null {key} requires the key, which the request does not carry")
    if "false" in wanted:  # "false": the key must be there, and the service sets it
        return Verdict(True, f"{key} is present: the service sets it to {fact.what}")
    return Verdict(False, f"its Condition Null {key} requires the key to be absent, and the service "
                          f"sets it to {fact.what} {inert.code(fact.value)}")


def _scalars(values: Any) -> list[str] | None:
    """A key's policy values as strings (JSON numbers and booleans as IAM reads them), None if malformed."""
    items: Iterable[Any] = values if isinstance(values, list) else [values]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))
        else:
            return None
    return out or None


def _shown(patterns: list[str]) -> str:
    cut = [inert.code(p if len(p) <= SHOWN_CHARACTERS else p[:SHOWN_CHARACTERS] + "…")
           for p in patterns[:SHOWN_VALUES]]
    more = f" or {len(patterns) - SHOWN_VALUES} more" if len(patterns) > SHOWN_VALUES else ""
    return " or ".join(cut) + more
