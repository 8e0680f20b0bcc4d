"""Wait until a URL (the ALB's) answers 200 with the expected version on N consecutive requests.

The ALB spreads requests over old and new tasks while a rollout drains, so one good answer proves
little; a burst of N in a row that all carry the version does. The answers say nothing of how
soon the new version comes, so the wait looks at its budget's pace.
"""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass

import requests

from pipeline_harness.errors import ConfigError
from pipeline_harness.waits.model import SUCCESS, Acceptor, Outcome, Wait, run
from pipeline_harness.waits.policies import HTTP, Clock, Policy, Sleep

SNIPPET = 120
REQUEST_TIMEOUT = 5.0
LAST_REQUEST_TIMEOUT = 1.0  # the least a request gets when the deadline is nearer than REQUEST_TIMEOUT
BURST_GAP = 0.2  # seconds between the confirming requests of one look
MAX_CONSECUTIVE = 100  # at BURST_GAP apart, a burst of at most 20 s (and as many requests)
URL_FORM = "http(s)://host[:port][/path]"
HINT = ("new tasks take 2-3 minutes to become healthy; testing before deployment completes, the "
        "ALB might route to old tasks (tutorial Step 7: Test Application)")


@dataclass(frozen=True)
class Answer:
    """The last response of one look, and how many good ones it saw in a row."""

    status: int
    body: str
    streak: int

    def __str__(self) -> str:
        snippet = " ".join(self.body.split())[:SNIPPET]
        return f"HTTP {self.status} {snippet!r} ({self.streak} good in a row)"


def check_url(url: str) -> str:
    """The URL as given, if requests can poll it as meant: http or https, a host, a port (if
    given) in 1..65535 — not a port 0 that would be polled as 80, nor a scheme-less host:port."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # ValueError when not a number or out of 0..65535
    except ValueError as err:
        raise ConfigError(f"--url must be {URL_FORM}, not {url!r} ({err})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--url must be {URL_FORM}, not {url!r}")
    if port is not None and not 1 <= port <= 65535:
        raise ConfigError(f"--url must be {URL_FORM} with a port from 1 to 65535, not {url!r}")
    return url


def check_consecutive(consecutive: int) -> int:
    """A burst that can end: 1 to MAX_CONSECUTIVE good answers in a row."""
    if not 1 <= consecutive <= MAX_CONSECUTIVE:
        raise ConfigError(f"--consecutive must be from 1 to {MAX_CONSECUTIVE}, not {consecutive}")
    return consecutive


def _probe(url: str, expect: str, consecutive: int, sleep: Sleep, session: requests.Session,
           clock: Clock, deadline: float):
    """One look: a burst of requests until `consecutive` good answers in a row, a bad one, or the
    wait's deadline (counted from the first look, on `clock`) — the burst never outlasts the wait."""
    ends: list[float] = []

    def look() -> Answer:
        now = clock()
        ends[:] = ends or [now + deadline]
        streak = 0
        while True:
            timeout = min(REQUEST_TIMEOUT, max(ends[0] - now, LAST_REQUEST_TIMEOUT))
            response = session.get(url, timeout=timeout)
            good = response.status_code == 200 and expect in response.text
            streak = streak + 1 if good else 0
            if not good or streak >= consecutive:
                return Answer(response.status_code, response.text, streak)
            now = clock()
            if now + BURST_GAP > ends[0]:  # the next request would come after the deadline
                return Answer(response.status_code, response.text, streak)
            sleep(BURST_GAP)
            now = clock()
    return look


def http_wait(url: str, expect: str, *, consecutive: int = 3, policy: Policy = HTTP,
              sleep: Sleep = time.sleep, session: requests.Session | None = None,
              clock: Clock = time.monotonic) -> Wait:
    """`clock` and `sleep` must be the ones `run` is given: the burst stops at the deadline."""
    session = session or requests.Session()
    return Wait(
        name="http", probe=_probe(url, expect, consecutive, sleep, session, clock, policy.deadline),
        acceptors=(Acceptor(SUCCESS, lambda a: a.streak >= consecutive,
                            f"{consecutive} consecutive answers carry the version"),),
        policy=policy, show=str, hint=HINT,
        expected=f"HTTP 200 from {url} with {expect!r} in the body on {consecutive} consecutive requests",
    )


def wait_for_version(url: str, expect: str, *, consecutive: int = 3, policy: Policy = HTTP,
                     clock: Clock = time.monotonic, sleep: Sleep = time.sleep,
                     session: requests.Session | None = None) -> Outcome:
    wait = http_wait(url, expect, consecutive=consecutive, policy=policy, sleep=sleep, session=session,
                     clock=clock)
    return run(wait, clock=clock, sleep=sleep)
