"""When a wait looks again and when it gives up: a `Policy` is a name, a deadline and a schedule.

A schedule is a value (`Paced`, `Windows`) that plans one run of a wait: asked between two looks,
the plan returns what it decided — a `Pause`: how long to sleep, and how much of that is quiet
(nothing can succeed in it, so an event source need not be listened to but for the failures).

The default policies are paced: they keep no clock of the tutorial's. A paced plan looks at every
instant fixed polling at `every` seconds would (the grid, from the wait's start) unless a look
proved that success cannot come by then: each look says what it saw as a `Pace` — a span in which
success cannot come, proven from what the look read (the target group's health checks need so
many passes, so many seconds apart), or that success is near. The grid instants a proven span
skips save calls, and only saved calls buy looks between grid instants, densely where success is
near. So no look comes later than polling's where success could be seen, and no more calls are
made but what looks read beyond one call each (once-only reads); the lag is small on any
timeline where something can be proven quiet.

A `Windows` schedule instead backs off before an expected window, polls densely in it and backs
off after; `fixed(15)` is a window that never ends: plain fixed-interval polling (the benchmarks'
baseline). Time comes from an injected clock and sleep, so tests never wait.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import botocore.exceptions
import requests
import tenacity
from tenacity.stop import stop_base

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
class Pause:
    """What a plan decided between two looks: sleep `seconds`, the first `quiet` of them a span in
    which nothing can succeed — with an event source, slept but for one long poll at the end of
    each `quiet_cap`, for the failures."""

    seconds: float
    quiet: float = 0.0
    quiet_cap: float = math.inf


Plan = Callable[[], Pause]  # asked once between two looks of one run


@dataclass(frozen=True)
class Run:
    """One run of a wait, as its schedule sees it: begun at `start` on `clock`, given up `deadline`
    seconds later; `pace` says what the last look saw, `listening` whether an event source wakes
    the wait early, `spent` the API calls made so far (without it, each look counts as one)."""

    start: float
    deadline: float
    clock: Clock
    pace: Callable[[], Pace] = lambda: STEADY
    listening: Callable[[], bool] = lambda: False
    spent: Callable[[], int] | None = None


class Schedule(Protocol):
    """A schedule value: it plans each run of a wait afresh."""

    def plan(self, run: Run) -> Plan:
        ...


def _looks() -> tenacity.RetryCallState:
    """A retry state for tenacity's wait strategies, its attempt number the looks so far."""
    return tenacity.RetryCallState(tenacity.Retrying(), None, (), {})


def _within(seconds: float, deadline: float, elapsed: float) -> float:
    """A sleep clipped so that the wait never gives up without a last look at its deadline."""
    return max(0.0, min(seconds, deadline - elapsed))


@dataclass(frozen=True)
class Paced:
    """Never later than polling every `every` seconds, and no more calls but what its looks read
    beyond one call each (docs/waits.md).

    A look is owed at every grid instant at which success is not proven impossible; grid instants
    inside a proven quiet span are skipped, but for a look at least every `quiet_cap` (a failure
    shows within it); the calls so saved, up to `burst`, buy looks between grid instants — `dense`
    apart at least, once the look says near, when a failure is due, or when the probe has more to
    read — never sooner than the budget allows. With an event source, looks come when an event
    wakes the wait, and otherwise every `safety` seconds (`safety_near` once success is near or a
    failure is due, lest its event be lost); `jitter` is listening's (the grid is kept exactly).
    """

    every: float = 15.0
    dense: float = 4.0
    jitter: float = 1.0
    burst: float = 60.0
    quiet_cap: float = 60.0
    safety: float = 60.0
    safety_near: float = 30.0

    def plan(self, run: Run) -> Plan:
        return _PacedPlan(self, run)


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


class _PacedPlan:
    """One run of a `Paced` schedule: its budget, and the bounds on success its looks proved."""

    def __init__(self, schedule: Paced, run: Run):
        self.schedule, self.start, self.deadline = schedule, run.start, run.deadline
        self.clock, self.pace, self.listening = run.clock, run.pace, run.listening
        self.budget = _Budget(schedule.every, schedule.burst, run.start)
        self.looks = _looks()
        self.spent = run.spent or (lambda: self.looks.attempt_number)
        self.paid_for = 0
        self.jitter = tenacity.wait_random(0, schedule.jitter)
        self.milestones: dict[str, float] = {}  # milestone → when it happened, at the earliest
        self.not_yet: dict[str, float] = {}  # milestone → the last look that showed it ahead
        self.quiet_until = run.start  # success cannot come sooner

    def __call__(self) -> Pause:
        now = self.clock()
        pace = self.pace()  # may read too (e.g. a target group, once): paid with the look
        spent = self.spent()
        if self.looks.attempt_number > 1:
            self.budget.paid(now, spent - self.paid_for)
        self.paid_for = spent
        # every look's span is a bound success cannot beat, so the latest of them holds
        self.quiet_until = max(self.quiet_until, self._quiet_until(pace, now))
        if pace.ahead is not None:
            self.not_yet[pace.ahead] = now
        if self.listening():
            seconds, quiet = self._listening(pace, now)
        else:
            seconds, quiet = self._polling(pace, now) - now, 0.0
        self.looks.prepare_for_next_attempt()
        seconds = _within(seconds, self.deadline, now - self.start)
        return Pause(seconds, min(quiet, seconds), self.schedule.quiet_cap)

    def _polling(self, pace: Pace, now: float) -> float:
        """When the next look comes: the first grid instant not proven quiet (within a quiet span,
        `quiet_cap` at most; none once a failure is due), sooner — at the next of `dense`-spaced
        instants between grid instants — when the budget has a call to spare and the look wants
        one."""
        schedule, budget = self.schedule, self.budget
        if self.quiet_until > now and not pace.failing:
            owed = min(budget.instant_from(self.quiet_until), now + schedule.quiet_cap)
        else:
            owed = budget.instant_after(now)
        if not budget.spare or not (pace.again or pace.failing or pace.near):
            return owed
        # near, from the quiet span's end; a failure due or more to read, from now
        after = now if pace.failing or pace.again else max(now, self.quiet_until)
        return min(budget.between_after(after, schedule.dense), owed)

    def _listening(self, pace: Pace, now: float) -> tuple[float, float]:
        """How long to listen (events wake the wait sooner), and the quiet part of it, which needs
        no listening (unless a failure is due); after it, `safety` seconds, less once success is
        near, lest its event be lost."""
        schedule = self.schedule
        quiet = min(max(0.0, self.quiet_until - now), schedule.safety)
        quiet = quiet if quiet >= schedule.dense else 0.0
        if pace.again:
            pause, quiet = schedule.dense + self.jitter(self.looks), 0.0
        elif pace.failing:  # a failure may come at any moment: listen, and look as when near
            pause, quiet = schedule.safety_near, 0.0
        else:
            pause = quiet + (schedule.safety_near if pace.near else schedule.safety)
        return max(pause, self.budget.affordable(now) - now), quiet

    def _quiet_until(self, pace: Pace, now: float) -> float:
        if pace.since is None:
            return now + pace.quiet
        if pace.ago is not None:  # the look could tell when
            self.milestones[pace.since] = now - pace.ago
        elif pace.since not in self.milestones:
            # right after the last look that showed it ahead; without one, maybe long before
            self.milestones[pace.since] = self.not_yet.get(pace.since, -math.inf)
        return self.milestones[pace.since] + pace.quiet


@dataclass(frozen=True)
class Windows:
    """Exponential backoff before the expected window (`first_backoff` doubling), dense jittered
    polling in it, backoff after (up to `late_cap`); a look lands at the window's start."""

    expected_from: float = 0.0
    expected_until: float = 0.0
    first_backoff: float = 30.0
    dense: float = 4.0
    jitter: float = 1.0
    late_cap: float = 30.0

    def plan(self, run: Run) -> Plan:
        """What the looks see is not asked: a window is kept whatever they say."""
        return _WindowsPlan(self, run)


def fixed(every: float) -> Windows:
    """Plain polling every `every` seconds: a window that never ends, without jitter."""
    return Windows(expected_from=0, expected_until=math.inf, dense=every, jitter=0)


class _WindowsPlan:
    def __init__(self, schedule: Windows, run: Run):
        self.schedule, self.start, self.deadline, self.clock = schedule, run.start, run.deadline, run.clock
        self.looks = _looks()
        self.jitter = tenacity.wait_random(0, schedule.jitter)
        self.early = tenacity.wait_exponential(multiplier=schedule.first_backoff, max=schedule.late_cap * 8)
        # by the window's end the looks have grown many, so this is soon at late_cap
        self.late = tenacity.wait_exponential(multiplier=schedule.dense, max=schedule.late_cap) + self.jitter

    def __call__(self) -> Pause:
        schedule, looks = self.schedule, self.looks
        elapsed = self.clock() - self.start
        if elapsed < schedule.expected_from:
            seconds = min(self.early(looks), schedule.expected_from - elapsed)
        elif elapsed < schedule.expected_until:
            seconds = schedule.dense + self.jitter(looks)
        else:
            seconds = self.late(looks)
        looks.prepare_for_next_attempt()
        return Pause(_within(seconds, self.deadline, elapsed))


TIMED_OUT = object()


class _stop_at_deadline(stop_base):
    """tenacity's stop_after_delay, but on the injected clock rather than time.monotonic."""

    def __init__(self, clock: Clock, start: float, deadline: float):
        self.clock, self.start, self.deadline = clock, start, deadline

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.clock() - self.start >= self.deadline


@dataclass(frozen=True)
class Policy:
    """How one wait polls: its name, the seconds before it gives up, and its schedule."""

    name: str
    deadline: float
    schedule: Schedule

    def replace(self, **changes: Any) -> Policy:
        return dataclasses.replace(self, **changes)

    def retrying(self, *, clock: Clock, start: float, retry: tenacity.retry_base,
                 sleep: Sleep) -> tenacity.Retrying:
        """A tenacity Retrying that looks until `retry` says stop or the deadline passed on
        `clock` (then it returns TIMED_OUT). It has no wait of its own: `sleep` is called between
        looks, once the deadline let the wait go on, and decides there with the plan."""
        return tenacity.Retrying(
            stop=_stop_at_deadline(clock, start, self.deadline),
            retry=retry,
            sleep=sleep,
            retry_error_callback=lambda state: TIMED_OUT,
        )

    def plan(self, *, start: float, clock: Clock, pace: Callable[[], Pace] = lambda: STEADY,
             listening: Callable[[], bool] = lambda: False,
             spent: Callable[[], int] | None = None) -> Plan:
        """The schedule's plan of one run within this policy's deadline (see `Run`)."""
        return self.schedule.plan(Run(start, self.deadline, clock, pace, listening, spent))


# The default policies are paced at 15 s — the interval of boto3's own waiters (e.g. ECS
# services_stable): never later than polling every 15 s, nor more calls but for the once-only
# reads. The deadlines are generous: real builds take 1–20 minutes, whatever the tutorial says.
PIPELINE = Policy("pipeline", deadline=60 * 60, schedule=Paced(every=15.0, dense=4.0, jitter=0.5))
ECR_TAGS = Policy("ecr-tags", deadline=30 * 60, schedule=Paced(every=15.0, dense=3.0, jitter=0.5))
ECR_SCAN = Policy("ecr-scan", deadline=15 * 60, schedule=Paced(every=10.0, dense=5.0))
# the rollout reads the deployment at every look: inside a quiet span, looks (and, with events,
# long polls) half a minute apart see its tasks failing (the circuit breaker counts them) in time
ROLLOUT = Policy("rollout", deadline=60 * 60, schedule=Paced(every=15.0, dense=4.0, jitter=0.5, quiet_cap=30))
# HTTP requests go to the app, not to AWS; the budget keeps the checks polite all the same
HTTP = Policy("http", deadline=60 * 60, schedule=Paced(every=15.0, dense=2.0, jitter=0.5))


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
