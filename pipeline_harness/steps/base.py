"""What every step shares: its declaration (`Step`), the resources it makes, its checks, and how a
check is judged."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline_harness.core import inert
from pipeline_harness.core.errors import AWS_ERRORS, HarnessError, Unsupported, first_line, unexpected
from pipeline_harness.kinds.base import MISSING, Kind
from pipeline_harness.steps import titles
from pipeline_harness.targets.context import Context


@dataclass(frozen=True)
class Resource:
    """One resource a step makes: its kind, the tutorial's desired state for it, and when it is made."""

    kind: Kind
    desired: Callable[[Context], dict]
    # whether this run makes it (a user's own cluster, a connection given by ARN, are not made)
    made: Callable[[Context], bool] = lambda ctx: True


@cache
def reader(kind: Kind) -> Callable[[Context], Any]:
    """The read of the run's resource of this kind, as one function so ctx.read caches it."""

    def read(ctx: Context) -> Any:
        return kind.read(ctx, kind.name(ctx.names))

    read.__qualname__ = f"read_{kind.key}"
    return read


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """A check's judgement of the resource it read: whether it passed, what the tutorial expects and
    what was found (as text for the message: "expected …, found …"), and a tip shown even when it
    passed."""

    passed: bool
    expected: str
    found: str
    tip: str = ""


@dataclass(frozen=True, kw_only=True)
class Check:
    """One thing the tutorial asks for, read back through the API and compared with the spec.

    `read(ctx)` returns the resource (MISSING when absent); `judge(resource, ctx)` its `Verdict`.
    """

    id: str
    step: int
    title: str
    hint: str
    read: Callable[[Context], Any]
    judge: Callable[[Any, Context], Verdict]
    needs: tuple[tuple[str, str | None], ...] = ()
    points: int = 1
    # the tutorial calls it optional: earns a bonus point when done, never a penalty when not
    bonus: bool | Callable[[Context], bool] = False


@dataclass(frozen=True)
class CheckResult:
    id: str
    step: int
    title: str
    status: str  # pass | fail | skip | error
    points: int
    max_points: int
    message: str
    hint: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def _no_outputs(ctx: Context) -> dict:
    return {}


@dataclass(frozen=True, kw_only=True, eq=False)  # each step is one value: equal only to itself
class Step:
    """One step of the tutorial, declared once: what it makes, how it is checked, what it hands on.

    `number` is the tutorial's (1–7), 0 for the prerequisites it assumes, and None for the harness's
    own plumbing (the run's event source), which is no step of the tutorial: no number, no checks.
    Provisioning makes `resources` so (or, with `adopt`, finds the user's own: the connection) and
    returns `outputs(ctx)`; `checks` read the actual state back.
    """

    name: str  # the key of its outputs in what provisioning returns: "ecr", "prerequisites"
    number: int | None
    title: str  # the tutorial's heading, without "Step N:": "Create ECR Repository"
    resources: tuple[Resource, ...] = ()
    checks: tuple[Check, ...] = ()
    # what later steps, the fixtures and the nightly run use: names, ARNs, the ALB's URL
    outputs: Callable[[Context], dict] = _no_outputs
    # instead of making the resources: the user's own, checked usable (returns the outputs)
    adopt: Callable[[Context], dict] | None = None

    def __post_init__(self) -> None:
        wrong = [c.id for c in self.checks if c.step != self.number]
        if wrong:
            raise ValueError(f"{self.name}: checks {wrong} are not of step {self.number}")
        if self.number is None and self.checks:
            raise ValueError(f"{self.name} is not the tutorial's: the grade has no step for its checks")

    @property
    def tutorial(self) -> bool:
        """Whether it is one of the tutorial's steps (the prerequisites it assumes included)."""
        return self.number is not None

    @property
    def heading(self) -> str:
        """As a report's section and the tutorial say it: "Step 1: Create ECR Repository"."""
        if self.number is None:
            return self.title
        return f"Prerequisites: {self.title}" if self.number == 0 else f"Step {self.number}: {self.title}"

    @property
    def label(self) -> str:
        """As a sentence names it: "Step 1", "the prerequisites"."""
        if self.number is None:
            return "the harness's own, not the tutorial's"
        return "the prerequisites" if self.number == 0 else f"Step {self.number}"

    @property
    def sid(self) -> str:
        """The stem of an IAM statement id for the step's resources: "Step1", "Prerequisites"."""
        if self.number is None:
            return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", self.name))
        return "Prerequisites" if self.number == 0 else f"Step{self.number}"

    @property
    def provisions(self) -> bool:
        """Whether provisioning has anything to do for it (Step 7 only looks)."""
        return bool(self.resources) or self.adopt is not None

    def made(self, ctx: Context) -> list[Resource]:
        """The resources this run makes in the step: those the settings ask for."""
        return [r for r in self.resources if r.made(ctx)]

    def gap(self, ctx: Context) -> str | None:
        """Why the target can't hold the resources this run makes in the step, or None."""
        return next(filter(None, (ctx.target.gap(r.kind.service) for r in self.made(ctx))), None)


def run_check(check: Check, ctx: Context) -> CheckResult:
    """The check's verdict; whatever goes wrong inside it is its `error`, in one line."""
    try:
        bonus = check.bonus(ctx) if callable(check.bonus) else check.bonus
        title = titles.render(check.title, ctx)
        gaps = [r for service, operation in check.needs if (r := ctx.target.gap(service, operation))]
    except Exception as err:  # the check's own title or bonus could not be worked out
        return CheckResult(check.id, check.step, check.title, "error", 0, check.points,
                           f"could not be judged: {unexpected(err)}")
    max_points = 0 if bonus else check.points

    def result(status: str, message: str, points: int = 0, hint: str = "") -> CheckResult:
        return CheckResult(check.id, check.step, title, status, points, max_points, message, hint)

    if gaps:
        return result("skip", f"skipped: {gaps[0]}")
    try:
        resource = ctx.read(check.read)
        verdict = Verdict(passed=False, expected="the resource to exist", found="nothing") \
            if resource is MISSING else check.judge(resource, ctx)
    except Unsupported as err:
        return result("skip", f"skipped: {err}")
    except (HarnessError, *AWS_ERRORS) as err:
        return result("error", f"could not read: {first_line(err)}")
    except Exception as err:  # a bug, or input nobody foresaw: this check's error, not the run's end
        return result("error", f"could not be judged: {unexpected(err)}")
    if verdict.passed:
        return result("pass", f"found {verdict.found}", check.points, hint=verdict.tip)
    if bonus:
        return result("pass", f"optional, not done: {verdict.expected} earns a bonus point, "
                      f"found {verdict.found}", hint=check.hint)
    return result("fail", f"expected {verdict.expected}, found {verdict.found}", hint=check.hint)


def equals(expected_of: Callable[[Context], Any],
           found_of: Callable[[Any], Any]) -> Callable[[Any, Context], Verdict]:
    """A judge comparing one field of the resource with the spec's value."""

    def judge(resource: Any, ctx: Context) -> Verdict:
        expected, found = expected_of(ctx), found_of(resource)
        return Verdict(passed=expected == found, expected=_show(expected), found=_show(found))

    return judge


def exists(describe: Callable[[Any], str]) -> Callable[[Any, Context], Verdict]:
    def judge(resource: Any, ctx: Context) -> Verdict:
        return Verdict(passed=True, expected="it to exist", found=describe(resource))

    return judge


def _show(value: Any) -> str:
    """A value as a person writes it: text as a code span the value cannot close, yes/no, a list
    as its items, a mapping as `key: value` pairs — never a Python repr."""
    if isinstance(value, str):  # a code span the value cannot close, whatever it holds
        return inert.code(value)
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{inert.code(str(k))}: {_show(v)}" for k, v in value.items()) or "nothing"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ", ".join(_show(item) for item in items) or "nothing"
    return inert.terminal(value)


def dig(data: Any, *path: str | int, default: Any = None) -> Any:
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return default
    return data
