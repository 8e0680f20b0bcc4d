"""Named tenacity policies: when to look again, when to give up, which errors are only passing.

A wait's default policy is paced: it keeps no clock of the tutorial's. Each look says what it
saw as a `Pace` — a span in which success cannot come, proven from what the look read (the target
group's health checks need so many passes, so many seconds apart), or that success is near —
and the policy spends a call budget accordingly: one API call per `every` seconds, as fixed
polling at that interval makes, saved up during quiet spans and spent densely when the verdict is
near. So the lag is small on any timeline where something can be proven quiet, and never at more
calls than fixed polling.

A policy given an expected window instead (`expected_from` … `expected_until`, no `every`) backs
off before it, polls densely in it and backs off after; with the window spanning the deadline it
is plain fixed-interval polling (the benchmarks' baseline). Time comes from an injected clock
and sleep, so tests never wait.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import botocore.exceptions
import requests
import tenacity
from tenacity.stop import stop_base
from tenacity.wait import wait_base

Clock = Callable[[], float]
Sleep = Callable[[float], None]

# botocore.retries.standard's throttling codes; a throttled poll is retried, never a verdict
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "RequestLimitExceeded", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "RequestTimeout", "RequestTimeoutException",
})

_DROPPED = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ReadTimeoutError,
    requests.ConnectionError,
    requests.Timeout,
)


def is_transient(error: BaseException) -> bool:
    """Throttling, a 5xx answer or a dropped connection: worth another look, not a verdict."""
    if isinstance(error, _DROPPED):
        return True
    if isinstance(error, botocore.exceptions.ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in THROTTLING_CODES or status >= 500
    return False


@dataclass(frozen=True)
class Pace:
    """What one look says about the next, from what it saw.

    `quiet`: seconds in which success cannot come, counted from this look — or, with `since`, from
    when that milestone happened: `ago` seconds before the look that first showed it, when the look
    could tell, else right after the last look that did not show it. `near`: once the quiet span is
    over, success may come at any moment. `again`: the probe has more to read than this look did.
    `failing`: a failure may come at any moment (say, the new tasks keep failing): a quiet span
    still holds for success, but is slept in `dense` steps as the budget allows, or listened
    through.
    """

    quiet: float = 0.0
    since: str | None = None
    near: bool = False
    ago: float | None = None
    again: bool = False
    failing: bool = False


STEADY = Pace()
NEAR = Pace(near=True)
AGAIN = Pace(again=True)


@dataclass(frozen=True)
class Policy:
    """How one wait polls: a deadline, then a call budget (paced) or an expected window (seconds)."""

    name: str
    deadline: float
    # the window schedule, in force when `every` is None
    expected_from: float = 0.0
    expected_until: float = 0.0
    first_backoff: float = 30.0
    dense: float = 4.0  # also the paced schedule's interval while the verdict is near
    jitter: float = 1.0
    late_cap: float = 30.0
    # the paced schedule: one call per `every` seconds, up to `burst` calls saved up
    every: float | None = None
    burst: float = 60.0
    quiet_cap: float = 60.0  # the longest sleep of a quiet span: a failure shows within it
    # with an event source: the longest sleep between looks, and while success is near (lest its
    # event be lost)
    safety: float = 120.0
    safety_near: float = 30.0

    def replace(self, **changes) -> Policy:
        return dataclasses.replace(self, **changes)

    def retrying(self, *, clock: Clock, sleep: Sleep, retry, start: float,
                 pace: Callable[[], Pace] = lambda: STEADY, listening: bool = False,
                 spent: Callable[[], int] | None = None) -> tenacity.Retrying:
        """A tenacity Retrying that reads `clock` for the deadline and schedule, and sleeps with `sleep`.

        `pace` says what the last look saw; `listening`: an event source wakes the wait early, so
        between looks it may sleep up to `safety` rather than poll; `spent`: the API calls made so
        far (the budget's unit; without it, each look counts as one call).
        """
        schedule = (_Paced(self, clock, start, pace, listening, spent) if self.every
                    else _Windows(self, clock, start))
        return tenacity.Retrying(
            stop=_stop_at_deadline(clock, start, self.deadline),
            wait=schedule,
            retry=retry,
            sleep=sleep,
            retry_error_callback=lambda state: TIMED_OUT,
        )


TIMED_OUT = object()


class _stop_at_deadline(stop_base):
    """tenacity's stop_after_delay, but on the injected clock rather than time.monotonic."""

    def __init__(self, clock: Clock, start: float, deadline: float):
        self.clock, self.start, self.deadline = clock, start, deadline

    def __call__(self, retry_state) -> bool:
        return self.clock() - self.start >= self.deadline


class _Budget:
    """A token bucket of calls: one per `every` seconds, `burst` at most; the first look is free,
    whatever it costs — so never more calls than the first look and polling every `every` seconds
    after it."""

    def __init__(self, every: float, burst: float, now: float):
        self.every, self.burst = every, burst
        self.tokens, self.at = 0.0, now

    def paid(self, now: float, calls: int) -> None:
        """`calls` calls were made by `now`, since the last payment."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) / self.every) - calls
        self.at = now

    def affordable(self) -> float:
        """The earliest time the next call is paid for."""
        return self.at + max(0.0, 1 - self.tokens) * self.every


class Schedule(wait_base):
    """When to look next; `quiet_part` of the next sleep needs no event source: nothing can come."""

    listening = False
    quiet_part = 0.0


class _Paced(Schedule):
    """Sleep through what a look proves quiet, look densely when it says near, else at the budget's
    pace; never sooner than the budget allows, always a last look at the deadline."""

    def __init__(self, policy: Policy, clock: Clock, start: float, pace: Callable[[], Pace],
                 listening: bool, spent: Callable[[], int] | None):
        self.policy, self.clock, self.start, self.pace = policy, clock, start, pace
        self.listening = listening
        self.budget = _Budget(policy.every or 1.0, policy.burst, start)
        self.looks = 0
        self.spent = spent or (lambda: self.looks)
        self.paid_for = 0
        self.jitter = tenacity.wait_random(0, policy.jitter)
        self.previous_look: float | None = None
        self.milestones: dict[str, float] = {}  # milestone → when it happened, at the earliest
        self.quiet_until = start  # success cannot come sooner

    def __call__(self, retry_state) -> float:
        now = self.clock()
        self.looks += 1
        pace = self.pace()  # may read too (e.g. a target group, once): paid with the look
        spent = self.spent()
        if self.looks > 1:
            self.budget.paid(now, spent - self.paid_for)
        self.paid_for = spent
        # every look's span is a bound success cannot beat, so the latest of them holds
        self.quiet_until = max(self.quiet_until, self._quiet_until(pace, now))
        quiet = self.quiet_until - now
        self.previous_look = now
        policy = self.policy
        # a quiet span shorter than the dense interval is not worth a sleep of its own
        quiet = quiet if quiet >= policy.dense else 0.0
        self.quiet_part = 0.0
        if pace.again:
            pause = policy.dense + self.jitter(retry_state)
        elif self.listening:
            # the quiet part needs no listening (unless a failure is due); the rest listens, for
            # less long once success is near, lest its event be lost
            quiet = min(quiet, policy.safety)
            self.quiet_part = 0.0 if pace.failing else quiet
            pause = quiet + policy.safety_near if pace.near else policy.safety
        elif quiet:
            pause = min(quiet, policy.dense if pace.failing else policy.quiet_cap)
            self.quiet_part = pause
        elif pace.near:
            pause = policy.dense + self.jitter(retry_state)
        else:
            pause = (policy.every or 0) + self.jitter(retry_state)
        pause = max(pause, self.budget.affordable() - now)
        return max(0.0, min(pause, policy.deadline - (now - self.start)))

    def _quiet_until(self, pace: Pace, now: float) -> float:
        if pace.since is None:
            return now + pace.quiet
        if pace.ago is not None:  # the look could tell when
            self.milestones[pace.since] = now - pace.ago
        elif pace.since not in self.milestones:
            # right after the last look; seen first on the wait's first look, maybe long before
            self.milestones[pace.since] = -math.inf if self.previous_look is None else self.previous_look
        return self.milestones[pace.since] + pace.quiet


class _Windows(Schedule):
    """Exponential backoff before the expected window, dense jittered polling in it, backoff after.

    Every sleep is clipped so that a poll lands at the window's start and one at the deadline:
    the wait never gives up without a last look.
    """

    def __init__(self, policy: Policy, clock: Clock, start: float):
        self.policy, self.clock, self.start = policy, clock, start
        self.jitter = tenacity.wait_random(0, policy.jitter)
        self.early = tenacity.wait_exponential(multiplier=policy.first_backoff, max=policy.late_cap * 8)
        # by the window's end the attempt count has grown, so this is soon at late_cap
        self.late = tenacity.wait_exponential(multiplier=policy.dense, max=policy.late_cap) + self.jitter

    def __call__(self, retry_state) -> float:
        policy = self.policy
        elapsed = self.clock() - self.start
        if elapsed < policy.expected_from:
            pause = min(self.early(retry_state), policy.expected_from - elapsed)
        elif elapsed < policy.expected_until:
            pause = policy.dense + self.jitter(retry_state)
        else:
            pause = self.late(retry_state)
        return max(0.0, min(pause, policy.deadline - elapsed))


# The default policies are paced at 15 s — the interval of boto3's own waiters (e.g. ECS
# services_stable) — so they never make more calls than polling every 15 s. The deadlines are
# generous: real builds take 1–20 minutes, whatever the tutorial says.
PIPELINE = Policy("pipeline", deadline=60 * 60, every=15.0, dense=4.0, jitter=0.5)
ECR_TAGS = Policy("ecr-tags", deadline=30 * 60, every=15.0, dense=3.0, jitter=0.5)
ECR_SCAN = Policy("ecr-scan", deadline=15 * 60, every=10.0, dense=5.0)
ROLLOUT = Policy("rollout", deadline=60 * 60, every=15.0, dense=4.0, jitter=0.5)
# HTTP requests go to the app, not to AWS; the budget keeps the checks polite all the same
HTTP = Policy("http", deadline=60 * 60, every=15.0, dense=2.0, jitter=0.5)

POLICIES = {p.name: p for p in (PIPELINE, ECR_TAGS, ECR_SCAN, ROLLOUT, HTTP)}


class SimulatedClock:
    """A clock whose sleep only moves time forward: for tests and benchmarks, never real minutes."""

    def __init__(self, now: float = 0.0):
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
