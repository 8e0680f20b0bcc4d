"""The wait model: a probe (one read), acceptors that judge what it saw, and a named policy.

Like botocore's waiter acceptors — the first acceptor that matches decides, a failure stops at
once — but every outcome keeps the last observation, so a timeout or failure says what it saw.

A wait may have an event source (see events.py): then it sleeps by listening to it, and an event
that matters to it ends the sleep early — for one look at the source of truth, never a verdict
taken from the event itself. Events are best effort: the policy still looks now and then. While
nothing can succeed (the quiet part of a pause its schedule decided) it listens only once each
`quiet_cap`, for the failures.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import requests
import tenacity

from pipeline_harness.core.errors import AWS_ERRORS, HarnessError
from pipeline_harness.waits.schedules import (
    STEADY,
    TIMED_OUT,
    Clock,
    Pace,
    Pause,
    Policy,
    Sleep,
    is_transient,
)

SUCCESS, FAILURE, RETRY = "success", "failure", "retry"
TIMEOUT = "timeout"
LONG_POLL = 20  # s, SQS's longest ReceiveMessage wait (whole seconds): the longest listen of one receive


@dataclass(frozen=True)
class Acceptor:
    """A condition on an observation and what it means: success, failure or keep waiting."""

    state: str
    matches: Callable[[Any], bool]
    description: str


class EventSource(Protocol):
    """Where a wait hears of changes (events.Inbox): events are numbered in the order they came."""

    def mark(self) -> int:
        """The number of the next event to come."""

    def listen(self, seconds: float, wakes: Callable[[dict], bool], since: int, clock: Clock,
               sleep: Sleep) -> tuple[int, bool]:
        """Wait up to `seconds` for an event numbered `since` or later that `wakes` accepts; the
        number after the last event looked at, and whether one woke the wait."""


@dataclass(frozen=True)
class Wait:
    """What to read, how to judge it, how long and how often to look."""

    name: str
    probe: Callable[[], Any]
    acceptors: tuple[Acceptor, ...]
    policy: Policy
    expected: str
    hint: str = ""
    show: Callable[[Any], str] = repr
    # more words for a failure (e.g. the failed build's log tail); only called on failure
    explain: Callable[[Any], str] | None = None
    # what an observation says about when to look next (see schedules.Pace)
    pace: Callable[[Any], Pace] = lambda observation: STEADY
    # an event source to sleep on, which of its events are worth a look, and what the probe
    # should know of the one that woke it
    events: EventSource | None = None
    wakes: Callable[[dict], bool] = lambda event: False
    woken: Callable[[dict], None] = lambda event: None
    # of those, the ones worth a look inside a quiet span, where only a failure can come
    may_fail: Callable[[dict], bool] = lambda event: True
    # the API calls the probe (and pace) made so far: the policy's budget is in calls
    spent: Callable[[], int] | None = None


@dataclass(frozen=True)
class Outcome:
    wait: str
    state: str
    observation: Any
    attempts: int
    elapsed: float
    acceptor: Acceptor | None = None
    error: BaseException | None = None  # the last transient error, if the last look failed


class WaitError(HarnessError):
    """A wait ended without success; the message names the wait, what it saw and what it wanted."""

    def __init__(self, message: str, outcome: Outcome):
        super().__init__(message)
        self.outcome = outcome


class WaitFailed(WaitError):
    """A failure acceptor matched, or the probe hit an error that another look will not fix."""


class WaitTimeout(WaitError):
    """The deadline passed while the acceptors still said keep waiting."""


_READ_ERRORS = (*AWS_ERRORS, requests.RequestException)


@dataclass
class _Seen:
    observation: Any = None
    error: BaseException | None = None
    attempts: int = 0
    acceptor: Acceptor | None = None


def listening(events: EventSource | None) -> bool:
    """Is there an event source to listen to? A queue that cannot be read turns the wait into a
    poller (events.Inbox.broken)."""
    return events is not None and not getattr(events, "broken", None)


def decide(acceptors: tuple[Acceptor, ...], observation: Any) -> Acceptor | None:
    """The first acceptor that matches; None means keep waiting."""
    return next((a for a in acceptors if a.matches(observation)), None)


def run(wait: Wait, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> Outcome:
    """Poll until an acceptor says success (returned) or failure / the deadline (raised)."""
    start = clock()
    seen = _Seen()
    heard = [wait.events.mark()] if wait.events is not None else []
    woken_by: list[str] = []  # the time of the event that ended the last sleep

    def wakes(event: dict) -> bool:
        # an event no newer than the one that woke the last look reports what that look saw
        if not wait.wakes(event) or (woken_by and str(event.get("time", "")) <= woken_by[0]):
            return False
        woken_by[:] = [str(event.get("time", ""))]
        wait.woken(event)
        return True

    def alarms(event: dict) -> bool:
        return wait.may_fail(event) and wakes(event)

    def attempt() -> Acceptor | None:
        seen.attempts += 1
        try:
            seen.observation = wait.probe()
        except Exception as err:
            seen.error = err
            raise
        seen.error = None
        seen.acceptor = decide(wait.acceptors, seen.observation)
        return seen.acceptor

    def pause(decided: Pause) -> None:
        if wait.events is None or not listening(wait.events):
            sleep(decided.seconds)
            return
        if not listen_through(decided, wait.events) and decided.seconds > decided.quiet:
            heard[0], _ = wait.events.listen(decided.seconds - decided.quiet, wakes, heard[0], clock, sleep)

    def listen_through(decided: Pause, events: EventSource) -> bool:
        """Sleep the quiet part but for one long poll at the end of each `quiet_cap` (not the last
        one, which the next look or listening covers): only a failure can come. Woken?"""
        quiet, cap = decided.quiet, decided.quiet_cap
        while quiet > cap:
            sleep(cap - LONG_POLL)
            heard[0], woken = events.listen(LONG_POLL, alarms, heard[0], clock, sleep)
            if woken:
                return True
            quiet -= cap
        if quiet > 0:
            sleep(quiet)
        return False

    plan = wait.policy.plan(start=start, clock=clock, listening=lambda: listening(wait.events),
                            pace=lambda: _pace_of(wait, seen), spent=wait.spent)
    keep_waiting = tenacity.retry_if_exception(is_transient) | tenacity.retry_if_result(
        lambda acceptor: acceptor is None or acceptor.state == RETRY)
    # between two looks, once the deadline let the wait go on: the plan decides, the pause acts
    retrying = wait.policy.retrying(clock=clock, start=start, retry=keep_waiting,
                                    sleep=lambda _: pause(plan()))
    try:
        result = retrying(attempt)
    except _READ_ERRORS as err:
        outcome = _outcome(wait, seen, FAILURE, clock() - start)
        # the error is the message's subject: its tail need not say it again
        tail = _tail(wait, dataclasses.replace(outcome, error=None))
        raise WaitFailed(f"wait {wait.name}: could not read ({err}); {tail}", outcome) from None
    # at the deadline tenacity returns TIMED_OUT; a look no acceptor decided (None) is always retried
    state = TIMEOUT if result is TIMED_OUT or result is None else result.state
    outcome = _outcome(wait, seen, state, clock() - start)
    if state == SUCCESS:
        return outcome
    if state == FAILURE:
        raise WaitFailed(failure_message(wait, outcome), outcome)
    raise WaitTimeout(timeout_message(wait, outcome), outcome)


def _pace_of(wait: Wait, seen: _Seen) -> Pace:
    """What the last look proved. A look that failed read nothing: the observation before it is
    not paced again as if it were this look's — its quiet span and milestones, dated now, would
    put the bound on success later than what was read proves. Only its warnings stand."""
    if seen.observation is None:
        return STEADY
    pace = wait.pace(seen.observation)
    if seen.error is not None:
        return Pace(near=pace.near, failing=pace.failing)
    return pace


def _outcome(wait: Wait, seen: _Seen, state: str, elapsed: float) -> Outcome:
    return Outcome(wait=wait.name, state=state, observation=seen.observation,
                   attempts=seen.attempts, elapsed=elapsed, acceptor=seen.acceptor,
                   error=seen.error)


def failure_message(wait: Wait, outcome: Outcome) -> str:
    why = outcome.acceptor.description if outcome.acceptor else "failed"
    text = f"wait {wait.name} failed after {outcome.elapsed:.0f}s: {why}; {_tail(wait, outcome)}"
    if wait.explain is not None:
        text += _explanation(wait, outcome)
    return text


def _explanation(wait: Wait, outcome: Outcome) -> str:
    if wait.explain is None:
        return ""
    try:
        extra = wait.explain(outcome.observation)
    except _READ_ERRORS as err:  # the verdict stands even when the details can't be read
        return f"; (details unavailable: {err})"
    return f"; {extra}" if extra else ""


def timeout_message(wait: Wait, outcome: Outcome) -> str:
    return (f"wait {wait.name} timed out after {outcome.elapsed:.0f}s "
            f"({outcome.attempts} looks): {_tail(wait, outcome)}")


def _tail(wait: Wait, outcome: Outcome) -> str:
    last = "nothing" if outcome.observation is None else wait.show(outcome.observation)
    text = f"last saw {last}"
    if outcome.error is not None:
        text += f" (last look failed: {outcome.error})"
    text += f"; expected {wait.expected}"
    if wait.hint:
        text += f"; hint: {wait.hint}"
    return text
