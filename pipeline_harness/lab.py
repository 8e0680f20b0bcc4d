"""The whole lab: provision every step in order, check it, tear it down in reverse."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType

from pipeline_harness import kinds
from pipeline_harness.context import Context
from pipeline_harness.errors import (
    AWS_ERRORS,
    HarnessError,
    ProvisionError,
    Unsupported,
    first_line,
)
from pipeline_harness.kinds import ownership
from pipeline_harness.kinds.base import Kind
from pipeline_harness.settings import Settings
from pipeline_harness.steps import CHECKS, STEPS
from pipeline_harness.steps.base import Check, CheckResult, Resource, run_check
from pipeline_harness.targets.base import Target


def step_name(step: ModuleType) -> str:
    return step.__name__.rsplit(".", 1)[-1]


def gap(step: ModuleType, ctx: Context) -> str | None:
    """Why the target can't hold the resources this run makes in this step, or None."""
    return next(filter(None, (ctx.target.gap(r.kind.service) for r in step.RESOURCES if r.made(ctx))),
                None)


def planned(ctx: Context, steps: Iterable[ModuleType] = STEPS) -> list[Resource]:
    """The resources this run makes: those the target serves and the settings ask for."""
    return [r for step in steps if not gap(step, ctx) for r in step.RESOURCES if r.made(ctx)]


def check_plan(settings: Settings, target: Target) -> None:
    """The names of everything this run would make, within their services' limits (no API call)."""
    kinds.check_names(settings, [r.kind for r in planned(Context(settings, target))])


def provision_step(step: ModuleType, ctx: Context) -> dict:
    """One step's resources, made or converged; an AWS error becomes a ProvisionError naming the step.

    Raises Unsupported when the target does not serve the step.
    """
    if hasattr(step, "ensure"):  # the connection: usually the user's, made only on request
        return dict(step.ensure(ctx))
    reason = gap(step, ctx)
    if reason:
        raise Unsupported(f"{ctx.target.name}: {reason}")
    try:
        for resource in step.RESOURCES:
            if resource.made(ctx):
                ownership.ensure(ctx, resource.kind, resource.desired(ctx))
        return dict(step.handle(ctx))
    except AWS_ERRORS as err:  # refused, or a request botocore would not send (a bad setting)
        title = ("the prerequisites" if step.STEP == 0 else f"Step {step.STEP}")
        raise ProvisionError(f"provisioning {step_name(step)} ({title}) failed: {first_line(err)}") from err


def require_allowed_account(ctx: Context) -> None:
    """On real AWS, refuse before the first read of the lab unless the account is explicitly allowed.

    Every path that creates or deletes calls it first (provision, provisioned — the fixtures and
    `wait --events` —, teardown, the sweep, the nightly run) for one clear message; the target's
    clients refuse any change in an account not allowed whatever the path (targets/base.py)."""
    ctx.target.require_allowed_account()


def provision(ctx: Context) -> dict[str, dict]:
    """Every step, in dependency order; the caller tears down whatever a failure left.

    Before anything is created: the names within their limits, the account allowed, and no
    resource of the run's names that someone else made (NotOurs, exit 2, naming them all).
    """
    check_plan(ctx.settings, ctx.target)
    require_allowed_account(ctx)
    _refuse_foreign(ctx, [r.kind for r in planned(ctx)])
    handles = {}
    for step in STEPS:
        try:
            handles[step_name(step)] = provision_step(step, ctx)
        except Unsupported as err:  # its checks skip with the same reason
            handles[step_name(step)] = {"skipped": str(err)}
    ctx.forget()
    return handles


def _refuse_foreign(ctx: Context, planned_kinds: list[Kind]) -> None:
    """NotOurs for what someone else made under the run's names; a read refused (no permission to
    look) stops the run too, before anything is made."""
    try:
        ownership.refuse_foreign(ctx, planned_kinds)
    except AWS_ERRORS as err:
        raise ProvisionError(f"reading what already holds the lab's names failed, so nothing was "
                             f"created: {first_line(err)}") from err


@dataclass
class Teardown:
    outcomes: dict[str, str] = field(default_factory=dict)  # kind key -> deleted | absent | not ours
    errors: list[str] = field(default_factory=list)


@contextmanager
def _shielded() -> Iterator[None]:
    """A Ctrl-C during teardown is held until it ends, so nothing is left half-deleted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = signal.signal(signal.SIGINT, lambda *_: held.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held:
            raise KeyboardInterrupt


def teardown(ctx: Context, only: Iterable[Kind] = kinds.REGISTRY) -> Teardown:
    """Every kind of the registry, dependents first; only what is ours goes, one failure stops nothing.

    Deleting is as risky as making: an account outside the allow-list is refused first."""
    require_allowed_account(ctx)
    result, chosen = Teardown(), set(only)
    with _shielded():
        for kind in reversed(kinds.REGISTRY):
            if kind not in chosen:
                continue
            reason = ctx.target.gap(kind.service)
            if reason:
                result.outcomes[kind.key] = f"skipped: {reason}"
                continue
            try:
                result.outcomes[kind.key] = ownership.delete(ctx, kind)
            except (HarnessError, *AWS_ERRORS) as err:
                result.errors.append(f"{kind.title} {kind.name(ctx.names)}: {first_line(err)}")
    ctx.forget()
    return result


def check(ctx: Context, checks: Iterable[Check] = CHECKS) -> list[CheckResult]:
    ctx.forget()  # a check never trusts what an earlier read (or the harness) saw
    return [run_check(c, ctx) for c in checks]


@contextmanager
def provisioned(step: ModuleType, ctx: Context, keep: bool = False) -> Iterator[dict]:
    """One step's resources for the length of the block, removed after unless kept.

    A failure halfway through the step removes what it made before the error surfaces.
    """
    step_kinds = [r.kind for r in step.RESOURCES]
    kinds.check_names(ctx.settings, [r.kind for r in planned(ctx, (step,))])
    require_allowed_account(ctx)  # refused: nothing was made, so nothing is torn down
    try:
        _refuse_foreign(ctx, [r.kind for r in planned(ctx, (step,))])
        handle = provision_step(step, ctx)
    except BaseException:
        teardown(ctx, step_kinds)
        raise
    try:
        yield handle
    finally:
        if not keep:
            left = teardown(ctx, step_kinds)
            if left.errors:
                raise HarnessError(f"teardown left something behind: {'; '.join(left.errors)}")
