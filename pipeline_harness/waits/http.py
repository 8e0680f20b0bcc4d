"""Wait until a URL (the ALB's) answers 200 with the expected version on N consecutive requests.

The ALB spreads requests over old and new tasks while a rollout drains, so one good answer proves
little; a burst of N in a row that all carry the version does. The answers say nothing of how
soon the new version comes, so the wait looks at its budget's pace. Every request is one bounded
GET (`fetch.py`: one deadline, a capped body, no redirects followed); what it could not get is
an answer that is not good, never an error. The wait counts the versions it saw, so a timeout
says which old version still answers, and how often.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.waits import fetch
from pipeline_harness.waits.addresses import ANY, AddressPolicy
from pipeline_harness.waits.declared import Asked, Declared, Option
from pipeline_harness.waits.model import SUCCESS, Acceptor, Outcome, Wait, run
from pipeline_harness.waits.pipeline.commit import COMMIT_HASH
from pipeline_harness.waits.schedules import HTTP, Clock, Policy, Sleep

LAST_REQUEST_DEADLINE = 1.0  # the least a request gets when the wait's deadline is nearer than fetch's
BURST_GAP = 0.2  # seconds between the confirming requests of one look
MAX_CONSECUTIVE = 100  # at BURST_GAP apart, a burst of at most 20 s (and as many requests)
MAX_KINDS = 8  # kinds of answer counted apart; the rest are counted together
URL_FORM = "http(s)://host[:port][/path]"
HINT = ("new tasks take 2-3 minutes to become healthy; testing before deployment completes, the "
        "ALB might route to old tasks (tutorial Step 7: Test Application)")


@dataclass(frozen=True)
class Answer:
    """The last response of one look, how many good ones it saw in a row, and what every answer
    of the wait so far carried."""

    fetched: fetch.Fetched
    streak: int
    seen: tuple[tuple[str, int], ...] = ()  # (what an answer carried, how many did), most first

    def __str__(self) -> str:
        shown = f"{self.fetched} ({self.streak} good in a row)"
        total = sum(n for _, n in self.seen)
        if total > 1:
            shown += "; answers: " + ", ".join(f"{kind} in {n} of {total}" for kind, n in self.seen)
            if self.streak == 0 and any(kind.startswith("old version") for kind, _ in self.seen):
                shown += ": old tasks still serve"
        return shown


class _Versions:
    """What each answer carried: the expected text, another version of the same shape (an old
    task's), or only its status. An expected commit hash is one as `--commit` takes it: another
    version is a token of as many hex digits, of either case, with a digit in it."""

    def __init__(self, expect: str):
        self.expect = expect
        self.other = re.compile(rf"(?<![0-9A-Za-z])(?=[a-f]*[0-9])[0-9a-f]{{{len(expect)}}}(?![0-9A-Za-z])",
                                re.IGNORECASE) if COMMIT_HASH.fullmatch(expect) else None
        self.counts: Counter[str] = Counter()

    def add(self, answer: fetch.Fetched) -> tuple[tuple[str, int], ...]:
        kind = self._kind(answer)
        if kind not in self.counts and len(self.counts) >= MAX_KINDS:
            kind = "something else"
        self.counts[kind] += 1
        return tuple(self.counts.most_common())

    def _kind(self, answer: fetch.Fetched) -> str:
        if not answer.complete:
            return "no full answer"
        if answer.status != 200:
            return f"HTTP {answer.status}"
        if self.expect in answer.text:
            return repr(self.expect) if self.expect else "HTTP 200"
        old = self.other.search(answer.text) if self.other else None
        return f"old version {old.group()}" if old else f"HTTP 200 without {self.expect!r}"


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
    if consecutive < 1:
        raise ConfigError(f"--consecutive must be at least 1, not {consecutive}")
    if consecutive > MAX_CONSECUTIVE:
        raise ConfigError(f"--consecutive must be from 1 to {MAX_CONSECUTIVE}, not {consecutive}")
    return consecutive


def _probe(url: str, expect: str, consecutive: int, sleep: Sleep, clock: Clock, deadline: float,
           addresses: AddressPolicy) -> Callable[[], Answer]:
    """One look: a burst of requests until `consecutive` good answers in a row, a bad one, or the
    wait's deadline (counted from the first look, on `clock`) — the burst never outlasts the wait."""
    ends: list[float] = []
    versions = _Versions(expect)

    def look() -> Answer:
        now = clock()
        ends[:] = ends or [now + deadline]
        streak = 0
        while True:
            budget = min(fetch.DEADLINE, max(ends[0] - now, LAST_REQUEST_DEADLINE))
            answer = fetch.get(url, addresses=addresses, deadline=budget)
            good = answer.complete and answer.status == 200 and expect in answer.text
            streak = streak + 1 if good else 0
            seen = versions.add(answer)
            if not good or streak >= consecutive:
                return Answer(answer, streak, seen)
            now = clock()
            if now + BURST_GAP > ends[0]:  # the next request would come after the deadline
                return Answer(answer, streak, seen)
            sleep(BURST_GAP)
            now = clock()
    return look


def http_wait(url: str, expect: str, *, consecutive: int = 3, policy: Policy = HTTP,
              sleep: Sleep = time.sleep, clock: Clock = time.monotonic,
              addresses: AddressPolicy = ANY) -> Wait:
    """`clock` and `sleep` must be the ones `run` is given: the burst stops at the deadline.
    `addresses`: what the URL may resolve to (any address: the caller chose the URL)."""
    probe = _probe(url, expect, consecutive, sleep, clock, policy.deadline, addresses)
    return Wait(
        name="http", probe=probe,
        acceptors=(Acceptor(SUCCESS, lambda a: a.streak >= consecutive,
                            f"{consecutive} consecutive answers carry the version"),),
        policy=policy, show=str, hint=HINT,
        expected=f"HTTP 200 from {url} with {expect!r} in the body on {consecutive} consecutive requests",
    )


def wait_for_version(url: str, expect: str, *, consecutive: int = 3, policy: Policy = HTTP,
                     clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> Outcome:
    wait = http_wait(url, expect, consecutive=consecutive, policy=policy, sleep=sleep, clock=clock)
    return run(wait, clock=clock, sleep=sleep)


def _run(asked: Asked) -> tuple[Outcome, dict[str, Any]]:
    outcome = wait_for_version(asked.values["url"], asked.values["expect"],
                               consecutive=asked.values["consecutive"], policy=asked.policy)
    return outcome, {}


DECLARED = Declared(name="http", policy=HTTP, run=_run, reads_aws=False, options=(
    Option(flag="--url", required=True, check=check_url, help="URL to poll"),
    Option(flag="--expect", required=True, help="text the body must contain, e.g. the version"),
    Option(flag="--consecutive", type=int, default=3, check=check_consecutive,
           help=f"good answers in a row required, 1 to {MAX_CONSECUTIVE} (default 3)"),
))
