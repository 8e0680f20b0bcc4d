"""Named tenacity policies: when to look again, when to give up, which errors are only passing.

A wait's default policy is paced: it keeps no clock of the tutorial's. It looks at every instant
fixed polling at `every` seconds would (the grid, from the wait's start) unless a look proved
that success cannot come by then: each look says what it saw as a `Pace` — a span in which
success cannot come, proven from what the look read (the target group's health checks need so
many passes, so many seconds apart), or that success is near. The grid instants a proven span
skips save calls, and only saved calls buy looks between grid instants, densely where success is
near. So no look comes later than polling's where success could be seen, and no more calls are
made but what looks read beyond one call each (once-only reads); the lag is small on any
timeline where something can be proven quiet.

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
    could tell, else right after the last look that showed it still `ahead` (without one, nothing
    is proven). `near`: once the quiet span is over, success may come at any moment. `again`: the
    probe has more to read than this look did. `failing`: a failure may come at any moment (say,
    the new tasks keep failing): a quiet span still holds for success, but is slept in `dense`
    steps as the budget allows, or listened through. `ahead`: this look showed that milestone not
    reached yet.
    """

    quiet: float = 0.0
    since: str | None = None
    near: bool = False
    ago: float | None = None
    again: bool = False
    failing: bool = False
    ahead: str | None = None


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
    dense: float = 4.0  # also the paced schedule's least interval while the verdict is near
    jitter: float = 1.0  # the window schedule's, and listening's; paced polling keeps to its grid
    late_cap: float = 30.0
    # the paced schedule: one call per `every` seconds, up to `burst` calls saved up
    every: float | None = None
    burst: float = 60.0
    quiet_cap: float = 60.0  # the longest sleep of a quiet span: a failure shows within it
    # with an event source: the longest sleep between looks, and while success is near or a
    # failure is due (lest its event be lost)
    safety: float = 60.0
    safety_near: float = 30.0

    def replace(self, **changes) -> Policy:
        return dataclasses.replace(self, **changes)

    def retrying(self, *, clock: Clock, sleep: Sleep, retry, start: float,
                 pace: Callable[[], Pace] = lambda: STEADY,
                 listening: bool | Callable[[], bool] = False,
                 spent: Callable[[], int] | None = None) -> tenacity.Retrying:
        """A tenacity Retrying that reads `clock` for the deadline and schedule, and sleeps with `sleep`.

        `pace` says what the last look saw; `listening` (or a function saying it, asked at each
        look): an event source wakes the wait early, so between looks it may sleep up to `safety`
        rather than poll; `spent`: the API calls made so far (the budget's unit; without it, each
        look counts as one call).
        """
        heard = listening if callable(listening) else (lambda: bool(listening))
        schedule = (_Paced(self, clock, start, pace, heard, spent) if self.every
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
    """Calls saved against polling every `every` seconds from `start` on (the grid): polling makes
    one call at each grid instant, the first at `start`; the first look is free, whatever it costs,
    every call after it is paid, and at most `burst` are saved. Looks at grid instants are owed, so
    they never wait for the budget; a look between them is taken only with a call `spare`. So the
    wait's calls outrun polling's only by what its looks read beyond one call each (a declaration,
    a target group, once)."""

    EPSILON = 1e-6  # a simulated clock's sums of sleeps land a hair off the grid

    def __init__(self, every: float, burst: float, start: float):
        self.every, self.burst, self.start = every, burst, start
        self.tokens = 0.0
        self.credited = 0  # grid instants polling has looked at, the first (free) included

    def instants_by(self, now: float) -> int:
        """Grid instants after the first up to `now` (one exactly at `now` included)."""
        return math.floor((now - self.start) / self.every + self.EPSILON)

    def paid(self, now: float, calls: int) -> None:
        """`calls` calls were made by `now`, since the last payment."""
        reached = self.instants_by(now)
        self.tokens = min(self.burst, self.tokens + reached - self.credited) - calls
        self.credited = reached

    @property
    def spare(self) -> bool:
        return self.tokens >= 1

    def instant_after(self, now: float) -> float:
        """The first grid instant after `now`."""
        return self.start + (self.instants_by(now) + 1) * self.every

    def instant_from(self, moment: float) -> float:
        """The first grid instant at or after `moment`."""
        return self.start + math.ceil((moment - self.start) / self.every - self.EPSILON) * self.every

    def between_after(self, moment: float, dense: float) -> float:
        """The first instant after `moment` of those spacing the grid evenly, `dense` apart at
        least (15 s polling, 4 s dense: every 5 s)."""
        step = self.every / max(1, math.floor(self.every / dense + self.EPSILON))
        return self.start + (math.floor((moment - self.start) / step + self.EPSILON) + 1) * step

    def affordable(self, now: float) -> float:
        """The earliest time a call between grid instants is paid for."""
        if self.spare:
            return now
        return self.start + (self.credited + math.ceil(1 - self.tokens)) * self.every


class Schedule(wait_base):
    """When to look next; `quiet_part` of the next sleep needs no event source: nothing can come."""

    quiet_part = 0.0


class _Paced(Schedule):
    """Never later than polling every `every` seconds, and no more calls but what its looks read
    beyond one call each (docs/waits.md).

    A look is owed at every grid instant at which success is not proven impossible; grid instants
    inside a proven quiet span are skipped, but for a look at least every `quiet_cap` (a failure
    shows within it); the calls so saved buy looks between grid instants — densely once the look
    says near, when a failure is due, or when the probe has more to read — never sooner than the
    budget allows. With an event source, looks come when an event wakes the wait, and otherwise
    every `safety` seconds; always a last look at the deadline.
    """

    def __init__(self, policy: Policy, clock: Clock, start: float, pace: Callable[[], Pace],
                 listening: Callable[[], bool], spent: Callable[[], int] | None):
        self.policy, self.clock, self.start, self.pace = policy, clock, start, pace
        self.listening = listening
        self.budget = _Budget(policy.every or 1.0, policy.burst, start)
        self.looks = 0
        self.spent = spent or (lambda: self.looks)
        self.paid_for = 0
        self.jitter = tenacity.wait_random(0, policy.jitter)
        self.milestones: dict[str, float] = {}  # milestone → when it happened, at the earliest
        self.not_yet: dict[str, float] = {}  # milestone → the last look that showed it ahead
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
        if pace.ahead is not None:
            self.not_yet[pace.ahead] = now
        self.quiet_part = 0.0
        if self.listening():
            pause = self._listening(pace, now, retry_state)
        else:
            pause = self._polling(pace, now) - now
        return max(0.0, min(pause, self.policy.deadline - (now - self.start)))

    def _polling(self, pace: Pace, now: float) -> float:
        """When the next look comes: the first grid instant not proven quiet (within a quiet span,
        a minute at most; none once a failure is due), sooner — at the next of `dense`-spaced
        instants between grid instants — when the budget has a call to spare and the look wants
        one."""
        policy, budget = self.policy, self.budget
        if self.quiet_until > now and not pace.failing:
            owed = min(budget.instant_from(self.quiet_until), now + policy.quiet_cap)
        else:
            owed = budget.instant_after(now)
        if not budget.spare or not (pace.again or pace.failing or pace.near):
            return owed
        # near, from the quiet span's end; a failure due or more to read, from now
        after = now if pace.failing or pace.again else max(now, self.quiet_until)
        return min(budget.between_after(after, policy.dense), owed)

    def _listening(self, pace: Pace, now: float, retry_state) -> float:
        """How long to listen (events wake the wait sooner): the quiet part needs no listening
        (unless a failure is due); after it, `safety` seconds, less once success is near, lest its
        event be lost."""
        policy = self.policy
        quiet = min(max(0.0, self.quiet_until - now), policy.safety)
        quiet = quiet if quiet >= policy.dense else 0.0
        if pace.again:
            pause = policy.dense + self.jitter(retry_state)
        elif pace.failing:  # a failure may come at any moment: listen, and look as when near
            pause = policy.safety_near
        else:
            self.quiet_part = quiet
            pause = quiet + (policy.safety_near if pace.near else policy.safety)
        return max(pause, self.budget.affordable(now) - now)

    def _quiet_until(self, pace: Pace, now: float) -> float:
        if pace.since is None:
            return now + pace.quiet
        if pace.ago is not None:  # the look could tell when
            self.milestones[pace.since] = now - pace.ago
        elif pace.since not in self.milestones:
            # right after the last look that showed it ahead; without one, maybe long before
            self.milestones[pace.since] = self.not_yet.get(pace.since, -math.inf)
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
# services_stable): never later than polling every 15 s, nor more calls but for the once-only
# reads. The deadlines are generous: real builds take 1–20 minutes, whatever the tutorial says.
PIPELINE = Policy("pipeline", deadline=60 * 60, every=15.0, dense=4.0, jitter=0.5)
ECR_TAGS = Policy("ecr-tags", deadline=30 * 60, every=15.0, dense=3.0, jitter=0.5)
ECR_SCAN = Policy("ecr-scan", deadline=15 * 60, every=10.0, dense=5.0)
# the rollout reads the deployment at every look: inside a quiet span, looks (and, with events,
# long polls) half a minute apart see its tasks failing (the circuit breaker counts them) in time
ROLLOUT = Policy("rollout", deadline=60 * 60, every=15.0, dense=4.0, jitter=0.5, quiet_cap=30)
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
