"""Wait until a URL (the ALB's) answers 200 with the expected version on N consecutive requests.

The ALB spreads requests over old and new tasks while a rollout drains, so one good answer proves
little; a burst of N in a row that all carry the version does. The answers say nothing of how
soon the new version comes, so the wait looks at its budget's pace.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from pipeline_harness.waits.model import SUCCESS, Acceptor, Outcome, Wait, run
from pipeline_harness.waits.policies import HTTP, Clock, Policy, Sleep

SNIPPET = 120
REQUEST_TIMEOUT = 5.0
BURST_GAP = 0.2  # seconds between the confirming requests of one look
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


def _probe(url: str, expect: str, consecutive: int, sleep: Sleep, session: requests.Session):
    def look() -> Answer:
        streak = 0
        while True:
            response = session.get(url, timeout=REQUEST_TIMEOUT)
            good = response.status_code == 200 and expect in response.text
            streak = streak + 1 if good else 0
            if not good or streak >= consecutive:
                return Answer(response.status_code, response.text, streak)
            sleep(BURST_GAP)
    return look


def http_wait(url: str, expect: str, *, consecutive: int = 3, policy: Policy = HTTP,
              sleep: Sleep = time.sleep, session: requests.Session | None = None) -> Wait:
    session = session or requests.Session()
    return Wait(
        name="http", probe=_probe(url, expect, consecutive, sleep, session),
        acceptors=(Acceptor(SUCCESS, lambda a: a.streak >= consecutive,
                            f"{consecutive} consecutive answers carry the version"),),
        policy=policy, show=str, hint=HINT,
        expected=f"HTTP 200 from {url} with {expect!r} in the body on {consecutive} consecutive requests",
    )


def wait_for_version(url: str, expect: str, *, consecutive: int = 3, policy: Policy = HTTP,
                     clock: Clock = time.monotonic, sleep: Sleep = time.sleep,
                     session: requests.Session | None = None) -> Outcome:
    wait = http_wait(url, expect, consecutive=consecutive, policy=policy, sleep=sleep, session=session)
    return run(wait, clock=clock, sleep=sleep)
