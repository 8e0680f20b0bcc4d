"""The whole lab: provision every step in order, check it, tear it down in reverse."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

import botocore.exceptions

from pipeline_harness.errors import ConfigError, HarnessError, ProvisionError, Unsupported
from pipeline_harness.steps import STEPS, CHECKS
from pipeline_harness.steps.base import CheckResult, Context, run_check
from pipeline_harness.targets.base import Target


def step_name(step) -> str:
    return step.__name__.rsplit(".", 1)[-1]


def gap(step, target: Target) -> str | None:
    """Why the target can't hold this step's resources, or None."""
    return next(filter(None, (target.gap(s) for s in step.SERVICES)), None)


def provision_step(step, ctx: Context) -> dict:
    """One step's ensure; an AWS error becomes a ProvisionError naming the step.

    Raises Unsupported when the target does not serve the step.
    """
    reason = gap(step, ctx.target)
    if reason:
        raise Unsupported(f"{ctx.target.name}: {reason}")
    try:
        return step.ensure(ctx)
    except botocore.exceptions.ClientError as err:
        raise ProvisionError(f"provisioning {step_name(step)} (Step {step.STEP}) failed: {err}") from err


def require_allowed_account(ctx: Context) -> None:
    """On real AWS, refuse before the first create unless the account is explicitly allowed."""
    if not ctx.target.quirks.needs_allowed_account:
        return
    account = ctx.target.account
    if account not in ctx.settings.allowed_account_ids:
        raise ConfigError(f"account {account} is not in the allow-list; nothing was created. "
                          "Set PIPELINE_HARNESS_ALLOWED_ACCOUNTS (or allowed_accounts in the config) "
                          "to the sandbox accounts the harness may provision in")


def provision(ctx: Context) -> dict[str, dict]:
    """Every step, in dependency order; the caller tears down whatever a failure left."""
    require_allowed_account(ctx)
    handles = {}
    for step in STEPS:
        try:
            handles[step_name(step)] = provision_step(step, ctx)
        except Unsupported as err:  # its checks skip with the same reason
            handles[step_name(step)] = {"skipped": str(err)}
    ctx.forget()
    return handles


@dataclass
class Teardown:
    outcomes: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@contextmanager
def _shielded():
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


def teardown(ctx: Context, steps=STEPS) -> Teardown:
    """Each step's delete, in reverse; one failure does not stop the others."""
    result = Teardown()
    with _shielded():
        for step in reversed(steps):
            if gap(step, ctx.target):
                result.outcomes[step_name(step)] = f"skipped: {gap(step, ctx.target)}"
                continue
            try:
                result.outcomes[step_name(step)] = step.delete(ctx)
            except (HarnessError, botocore.exceptions.BotoCoreError,
                    botocore.exceptions.ClientError) as err:
                result.errors.append(f"{step_name(step)}: {err}")
    ctx.forget()
    return result


def check(ctx: Context, checks=CHECKS) -> list[CheckResult]:
    ctx.forget()  # a check never trusts what an earlier read (or the harness) saw
    return [run_check(c, ctx) for c in checks]


@contextmanager
def provisioned(step, ctx: Context, keep: bool = False):
    """One step's resource for the length of the block, removed after unless kept.

    A failure halfway through the step removes what it made before the error surfaces.
    """
    try:
        handle = provision_step(step, ctx)
    except BaseException:
        teardown(ctx, steps=(step,))
        raise
    try:
        yield handle
    finally:
        if not keep:
            left = teardown(ctx, steps=(step,))
            if left.errors:
                raise HarnessError(f"teardown left something behind: {'; '.join(left.errors)}")
