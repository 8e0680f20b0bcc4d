"""The lab as one session: the preflight once, provisioning, checks, teardown unless kept.

    with Lab(settings) as lab:       # opens the target; Lab(settings, target) uses one already open
        lab.provision()
        results = lab.check()
                                     # leaving: torn down, unless kept (a Ctrl-C is held until it ends)

Every entry point that creates or deletes goes through it — `verify`, `provision`, `teardown`, the
sweep, `wait --events`, the pytest fixtures and the nightly run — so none can skip a guard. Entering
checks the names of everything the session's steps would make against their services' limits (no
API call), then the account against the allow-list; the first provisioning refuses someone else's
resources of the run's names before it makes anything. The target's own clients refuse any change
in an account outside the allow-list whatever the path (targets/base.py): the backstop.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import TracebackType

from pipeline_harness import kinds
from pipeline_harness.core.errors import (
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
from pipeline_harness.steps.base import Check, CheckResult, Resource, Step, run_check
from pipeline_harness.targets import open_target
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context


def planned(ctx: Context, steps: Iterable[Step] = STEPS) -> list[Resource]:
    """The resources this run makes: those the target serves and the settings ask for."""
    return [r for step in steps if not step.gap(ctx) for r in step.made(ctx)]


def check_plan(settings: Settings, target: Target, steps: Iterable[Step] = STEPS) -> None:
    """The names of everything this run would make, within their services' limits (no API call)."""
    kinds.check_names(settings, [r.kind for r in planned(Context(settings, target), steps)])


def check(ctx: Context, checks: Iterable[Check] = CHECKS) -> list[CheckResult]:
    """The checks' verdicts; only reads, so it needs no session."""
    ctx.forget()  # a check never trusts what an earlier read (or the harness) saw
    return [run_check(c, ctx) for c in checks]


@dataclass
class Teardown:
    outcomes: dict[str, str] = field(default_factory=dict)  # kind key -> deleted | absent | not ours
    errors: list[str] = field(default_factory=list)


class Lab:
    """One session with the lab of `settings` on a target, for `steps` (default: all of them).

    `keep`: what a provisioning made whole stays after the session; a provisioning that failed is
    always removed, so a failure never leaves half a lab behind.
    """

    def __init__(self, settings: Settings, target: Target | None = None, *,
                 steps: Sequence[Step] = STEPS, keep: bool = False):
        self.settings, self.steps, self.keep = settings, tuple(steps), keep
        self._given = target
        self._ctx: Context | None = None
        self._stack = ExitStack()
        self._pending: list[Step] = []  # what leaving tears down: the steps it began to provision
        self._whole = False

    # --- the session -------------------------------------------------------------------------------

    def __enter__(self) -> Lab:
        with ExitStack() as stack:
            if self._given is None:  # names refused before the target's first call
                target = stack.enter_context(open_target(self.settings, self._check_names))
            else:
                target = self._given
                self._check_names(self.settings, target)
            target.require_allowed_account()  # one clear line before anything is read or made
            self._ctx = Context(self.settings, target)
            self._stack = stack.pop_all()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        with self._stack:  # the target this session opened is closed last, whatever happens
            if not self._pending or (self.keep and self._whole):
                return
            left = self.teardown([r.kind for step in self._pending for r in step.resources])
            if not left.errors:
                return
            message = f"teardown left something behind: {'; '.join(left.errors)}"
            if error is None:
                raise HarnessError(f"{message}; run `pipeline-harness teardown`")
            error.add_note(message)

    def _check_names(self, settings: Settings, target: Target) -> None:
        check_plan(settings, target, self.steps)

    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            raise RuntimeError("a Lab is used inside its `with` block")
        return self._ctx

    @property
    def target(self) -> Target:
        return self.ctx.target

    # --- what a session does -----------------------------------------------------------------------

    def provision(self, *, skip_unserved: bool = True) -> dict[str, dict]:
        """Every step of the session in dependency order: what each hands on, by the step's name.

        Before anything is made, someone else's resource of a name the run would use is refused
        (NotOurs, exit 2, naming them all). A step the target does not serve hands on why
        (`{"skipped": reason}`: its checks skip with the same reason), or with `skip_unserved=False`
        raises Unsupported; an AWS error is a ProvisionError naming the step.
        """
        ctx = self.ctx
        _refuse_foreign(ctx, [r.kind for r in planned(ctx, self.steps)])
        self._pending, self._whole = list(self.steps), False  # torn down on leaving if this fails
        handles = {}
        for step in (s for s in self.steps if s.provisions):
            try:
                handles[step.name] = _provision_step(step, ctx)
            except Unsupported as err:
                if not skip_unserved:
                    raise
                handles[step.name] = {"skipped": str(err)}
        ctx.forget()
        self._whole = True
        return handles

    def check(self, checks: Iterable[Check] | None = None) -> list[CheckResult]:
        """The session's steps' checks (or those given), read back through the API."""
        return check(self.ctx, checks if checks is not None else [c for s in self.steps for c in s.checks])

    def teardown(self, only: Iterable[Kind] | None = None, *, run: Settings | None = None) -> Teardown:
        """The kinds of the session's steps (or `only` those), dependents first; only what is ours
        goes, one failure stops nothing, a Ctrl-C waits until it ends. `run`: another run's lab in
        the same account (the sweep); otherwise leaving the session has nothing more to remove."""
        ctx = Context(run, self.target) if run is not None else self.ctx
        chosen = set(only if only is not None else (r.kind for step in self.steps for r in step.resources))
        if run is None:
            self._pending = []
        result = Teardown()
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


def _provision_step(step: Step, ctx: Context) -> dict:
    """One step's resources, made or converged (or adopted); an AWS error becomes a ProvisionError
    naming the step. Raises Unsupported when the target does not serve the step."""
    if step.adopt is not None:  # the connection: usually the user's, made only on request
        return dict(step.adopt(ctx))
    reason = step.gap(ctx)
    if reason:
        raise Unsupported(f"{ctx.target.name}: {reason}")
    try:
        for resource in step.made(ctx):
            ownership.ensure(ctx, resource.kind, resource.desired(ctx))
        return dict(step.outputs(ctx))
    except AWS_ERRORS as err:  # refused, or a request botocore would not send (a bad setting)
        raise ProvisionError(f"provisioning {step.name} ({step.label}) failed: {first_line(err)}") from err


def _refuse_foreign(ctx: Context, planned_kinds: list[Kind]) -> None:
    """NotOurs for what someone else made under the run's names; a read refused (no permission to
    look) stops the run too, before anything is made."""
    try:
        ownership.refuse_foreign(ctx, planned_kinds)
    except AWS_ERRORS as err:
        raise ProvisionError(f"reading what already holds the lab's names failed, so nothing was "
                             f"created: {first_line(err)}") from err


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
