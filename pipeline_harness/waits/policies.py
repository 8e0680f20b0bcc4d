"""Named tenacity policies: when to look again, when to give up, which errors are only passing.

A policy knows the tutorial's expected duration for its step (e.g. "Build stage takes 3-5
minutes"). Before that window it backs off exponentially, so a fast failure is still seen; inside
it polls densely with jitter, so success is seen within seconds; past it it backs off again, so a
slow run is not hammered. Time comes from an injected clock and sleep, so tests never wait.
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

    def replace(self, **changes) -> Policy:
        return dataclasses.replace(self, **changes)

    def retrying(self, *, clock: Clock, sleep: Sleep, retry, start: float) -> tenacity.Retrying:
        """A tenacity Retrying that reads `clock` for the deadline and schedule, and sleeps with `sleep`."""
        return tenacity.Retrying(
            stop=_stop_at_deadline(clock, start, self.deadline),
            wait=_schedule(self, clock, start),
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
    the wait never gives up without a last look.
    """

    def __init__(self, policy: Policy, clock: Clock, start: float):
        self.policy, self.clock, self.start = policy, clock, start
        self.jitter = tenacity.wait_random(0, policy.jitter)
        self.early = tenacity.wait_exponential(multiplier=policy.first_backoff, max=policy.late_cap * 8)
        self.dense = tenacity.wait_fixed(policy.dense) + self.jitter
        # by the window's end the attempt count has grown, so this is soon at late_cap
        self.late = tenacity.wait_exponential(multiplier=policy.dense, max=policy.late_cap) + self.jitter

    def __call__(self, retry_state) -> float:
        policy = self.policy
        elapsed = self.clock() - self.start
        if elapsed < policy.expected_from:
            pause = min(self.early(retry_state), policy.expected_from - elapsed)
        elif elapsed < policy.expected_until:
            pause = self.dense(retry_state)
        else:
            pause = self.late(retry_state)
        return max(0.0, min(pause, policy.deadline - elapsed))


# The tutorial's Step 7: "Build stage takes 3-5 minutes", "Deploy stage takes 1-2 minutes",
# "new tasks take 2-3 minutes to become healthy". The first backoff is chosen so that the
# doubling sleeps land on the window's start (e.g. 0, 40, 120, 240 s for the pipeline).
PIPELINE = Policy("pipeline", deadline=45 * 60, expected_from=4 * 60, expected_until=7 * 60 + 30,
                  first_backoff=40.0)
ECR_TAGS = Policy("ecr-tags", deadline=20 * 60, expected_from=3 * 60, expected_until=5 * 60 + 30,
                  first_backoff=45.0)
ECR_SCAN = Policy("ecr-scan", deadline=15 * 60, expected_from=0, expected_until=5 * 60,
                  first_backoff=5.0, dense=10.0)
# the rollout completes once the new tasks pass the ALB health checks: Deploy + health checks
ROLLOUT = Policy("rollout", deadline=30 * 60, expected_from=3 * 60, expected_until=5 * 60 + 30,
                 first_backoff=45.0)
HTTP = Policy("http", deadline=15 * 60, expected_from=2 * 60, expected_until=3 * 60 + 30,
              first_backoff=40.0)

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
