"""Named tenacity policies: when to look again, when to give up, which errors are only passing.

A policy knows the tutorial's expected duration for its step (e.g. "Build stage takes 3-5
minutes"). Before that window it backs off exponentially, so a fast failure is still seen; inside
it polls densely with jitter, so success is seen within seconds; past it it backs off again, so a
slow run is not hammered. Time comes from an injected clock and sleep, so tests never wait.

Dense polling over a window minutes wide costs as many calls as polling every 15 s. So a policy
may name a milestone the probe can see (the Deploy stage started, the new tasks RUNNING, the new
version answering) with the span after it in which success is due: until it is seen the policy
only scouts for it (the `scout` window, from the wait's start, polled sparsely); once seen, the
dense window is anchored on when it happened — after the last look that did not see it, and no
later than the look that did — so dense polling covers only the short span where success is due.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

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
class Window:
    """From `after` to `until` seconds past an anchor, look every `every` seconds (plus jitter)."""

    after: float
    until: float
    every: float


@dataclass(frozen=True)
class Policy:
    """How one wait polls: deadline, the tutorial's expected window, backoff and jitter (seconds)."""

    name: str
    deadline: float
    expected_from: float = 0.0
    expected_until: float = 0.0
    first_backoff: float = 30.0
    dense: float = 4.0
    jitter: float = 1.0
    late_cap: float = 30.0
    # where the probe's milestone is expected, from the start; and where success is due after it
    scout: Window | None = None
    milestone: Window | None = None

    def replace(self, **changes) -> Policy:
        return dataclasses.replace(self, **changes)

    def blind(self) -> Policy:
        """This policy for a probe that cannot see the milestone: the start window alone."""
        return self.replace(scout=None, milestone=None)

    def retrying(self, *, clock: Clock, sleep: Sleep, retry, start: float,
                 milestone: Callable[[], bool] = lambda: False) -> tenacity.Retrying:
        """A tenacity Retrying that reads `clock` for the deadline and schedule, and sleeps with `sleep`.

        `milestone` says whether the last look saw the policy's milestone.
        """
        return tenacity.Retrying(
            stop=_stop_at_deadline(clock, start, self.deadline),
            wait=_schedule(self, clock, start, milestone),
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


class _schedule(wait_base):
    """Exponential backoff before the expected window, dense jittered polling in it, backoff after.

    Every sleep is clipped so that a poll lands at the window's start and one at the deadline:
    the wait never gives up without a last look. With a milestone, the window is the scout window
    until the milestone is seen, then the milestone window anchored on its sighting.
    """

    def __init__(self, policy: Policy, clock: Clock, start: float, milestone: Callable[[], bool]):
        self.policy, self.clock, self.start, self.milestone = policy, clock, start, milestone
        self.jitter = tenacity.wait_random(0, policy.jitter)
        self.early = tenacity.wait_exponential(multiplier=policy.first_backoff, max=policy.late_cap * 8)
        # by the window's end the attempt count has grown, so this is soon at late_cap
        self.late = tenacity.wait_exponential(multiplier=policy.dense, max=policy.late_cap) + self.jitter
        self.previous_look: float | None = None
        self.seen: tuple[float, float] | None = None  # the milestone happened in (first, second]

    def __call__(self, retry_state) -> float:
        now = self.clock()
        if self.seen is None and self.policy.milestone is not None and self.milestone():
            self.seen = (now if self.previous_look is None else self.previous_look, now)
        self.previous_look = now
        start, until, every, before = self._window(now)
        elapsed = now - self.start
        if now < start:
            pause = min(before(retry_state), start - now)
        elif now < until:
            pause = every + self.jitter(retry_state)
        else:
            pause = self.late(retry_state)
        return max(0.0, min(pause, self.policy.deadline - elapsed))

    def _window(self, now: float):
        """(start, until, interval, wait before start) of the window in force, on the clock."""
        policy = self.policy
        if self.seen is not None:
            window = policy.milestone
            # nothing is due before it: one sleep to its start, at most window.after (a minute or
            # two, like the start window's own backoff)
            return (self.seen[0] + window.after, self.seen[1] + window.until, window.every,
                    lambda state: window.after)
        if policy.scout is not None and now < self.start + policy.scout.until:
            scout = policy.scout
            return self.start + scout.after, self.start + scout.until, scout.every, self.early
        return (self.start + policy.expected_from, self.start + policy.expected_until, policy.dense,
                self.early)


# The tutorial's Step 7: "Build stage takes 3-5 minutes", "Deploy stage takes 1-2 minutes",
# "new tasks take 2-3 minutes to become healthy". The first backoff is chosen so that the
# doubling sleeps land on the window's start (e.g. 0, 40, 120, 180 s for the pipeline).
# The pipeline scouts every 25 s for its last stage (Deploy) once Build may be over, then polls
# densely where Deploy's 1-2 minutes end.
PIPELINE = Policy("pipeline", deadline=45 * 60, expected_from=4 * 60, expected_until=7 * 60 + 30,
                  first_backoff=40.0, jitter=0.5, scout=Window(3 * 60, 5 * 60 + 30, 25.0),
                  milestone=Window(60, 2 * 60, 3.8))
# the images appear only when Build pushes them, at its end: nothing to see before 3 minutes
ECR_TAGS = Policy("ecr-tags", deadline=20 * 60, expected_from=3 * 60, expected_until=5 * 60 + 30,
                  first_backoff=3 * 60, dense=4.5, jitter=0.5)
ECR_SCAN = Policy("ecr-scan", deadline=15 * 60, expected_from=0, expected_until=5 * 60,
                  first_backoff=5.0, dense=10.0)
# the rollout completes once the new tasks pass the ALB health checks: Deploy + health checks.
# It scouts every 15 s for the new tasks RUNNING (Deploy's 1-2 minutes), then polls densely where
# their 2-3 minutes of health checks end.
ROLLOUT = Policy("rollout", deadline=30 * 60, expected_from=3 * 60, expected_until=5 * 60 + 30,
                 first_backoff=60.0, jitter=0.5, scout=Window(60, 2 * 60 + 30, 15.0),
                 milestone=Window(2 * 60, 3 * 60, 4.3))
# new tasks answer only once healthy: nothing new to see before 2 minutes
HTTP = Policy("http", deadline=15 * 60, expected_from=2 * 60, expected_until=3 * 60 + 30,
              first_backoff=2 * 60, dense=3.5, jitter=0.5)

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
