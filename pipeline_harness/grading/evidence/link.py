"""One link of the chain of evidence: facts read through the API, each compared with the link
before it, and what became of the comparison.

A link HOLDS when every comparison held; it is BROKEN when one did not — or when a link it rests
on broke —, and each broken comparison keeps what each side holds and what the student should do.
It is UNPROVEN when the target lacks an API it needs (a skip, never a pass: a comparison the
target could answer still breaks it), and UNREAD when an API call failed (access denied,
throttled after retries): an error, never a fail of the student.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline_harness.core.errors import AWS_ERRORS, HarnessError, Unsupported, first_line
from pipeline_harness.targets.context import Context

HOLDS, BROKEN, UNPROVEN, UNREAD = "holds", "broken", "unproven", "unread"
# ECR rounds imagePushedAt to the second, and two services' clocks are compared (ECR or ECS with
# CodeBuild or CodePipeline, each synchronised to Amazon Time Sync): 5 s covers both, while a push
# or a deployment made by hand lands minutes away from the pipeline's
CLOCK_TOLERANCE = timedelta(seconds=5)


@dataclass(frozen=True)
class Broke:
    """One comparison that did not hold: what each side holds, and what the student should do."""

    says: str
    todo: str


@dataclass(frozen=True)
class Link:
    name: str
    proves: str  # what the link proves when it holds
    found: str = ""  # what the comparisons found, when it holds
    broke: tuple[Broke, ...] = ()
    after: tuple[str, ...] = ()  # links it rests on that broke, by name
    unproven: str = ""  # why the target could not answer it
    unread: str = ""  # why a call failed
    facts: Any = None  # what the later links compare with (None: not established)

    @property
    def state(self) -> str:
        if self.broke or self.after:
            return BROKEN
        if self.unread:
            return UNREAD
        return UNPROVEN if self.unproven else HOLDS

    @property
    def says(self) -> str:
        """The link's verdict in one line."""
        if self.state == HOLDS:
            return self.found
        if self.state == BROKEN:
            own = "; ".join(b.says for b in self.broke)
            before = f"it rests on link {', '.join(f'`{a}`' for a in self.after)}, which broke"
            return "; ".join(p for p in (own, before if self.after else "") if p)
        return self.unread or self.unproven

    @property
    def todo(self) -> str:
        return next((b.todo for b in self.broke if b.todo), "")

    def as_dict(self) -> dict:
        return {"link": self.name, "state": self.state, "proves": self.proves, "says": self.says}


class Judging:
    """A link being judged: its comparisons in order, and the links it rests on."""

    def __init__(self, name: str, proves: str):
        self.name, self.proves = name, proves
        self.broke: list[Broke] = []
        self.after: list[str] = []
        self.unproven = self.unread = ""
        self.seen: list[str] = []

    def rests_on(self, *links: Link) -> bool:
        """Links that must hold for this one to: one that broke breaks it, one unproven or unread
        leaves it so. True when every one holds."""
        for link in links:
            self._inherit(link)
        return all(link.state == HOLDS for link in links)

    def has(self, link: Link) -> bool:
        """An earlier link whose facts this one compares with; without them this link is what
        that one is (broken after it, unproven or unread), and the comparison is not made."""
        return self.facts(link) is not None

    def facts(self, link: Link) -> Any:
        """The earlier link's facts, or None (this link then is what that one is)."""
        if link.facts is None:
            self._inherit(link)
        return link.facts

    def _inherit(self, link: Link) -> None:
        state = link.state
        if state == BROKEN and link.name not in self.after:
            self.after.append(link.name)
        elif state == UNREAD:
            self.unread = self.unread or link.unread
        elif state == UNPROVEN:
            self.unproven = self.unproven or link.unproven

    def compare(self, holds: bool, found: str, broken: str, todo: str) -> bool:
        """One comparison: `found` when it holds, `broken` (both sides) and `todo` when not."""
        if holds:
            self.seen.append(found)
        else:
            self.broke.append(Broke(broken, todo))
        return holds

    def breaks(self, says: str, todo: str) -> None:
        """A comparison that cannot hold: what each side holds, and what to do."""
        self.broke.append(Broke(says, todo))

    def gap(self, reason: str) -> None:
        """A comparison the target cannot answer: the link is unproven unless another broke it."""
        self.unproven = self.unproven or reason

    def unreadable(self, reason: str) -> None:
        """A comparison whose facts could not be read: an error, unless another comparison broke it."""
        self.unread = self.unread or reason

    @property
    def broken(self) -> bool:
        return bool(self.broke or self.after)

    def link(self, facts: Any = None) -> Link:
        return Link(self.name, self.proves, "; ".join(s for s in self.seen if s), tuple(self.broke),
                    tuple(self.after), self.unproven, self.unread, facts)


Judge = Callable[[Context, Judging], Link]


def reads(name: str, proves: str) -> Callable[[Judge], Callable[[Context], Link]]:
    """A link's reader, judge(ctx, judging) → Link: an API error or a harness error becomes an
    unread link, a target's gap (Unsupported) an unproven one — so one failed call costs the checks
    that need it, no more."""
    def decorate(judge: Judge) -> Callable[[Context], Link]:
        @functools.wraps(judge)
        def read(ctx: Context) -> Link:
            try:
                return judge(ctx, Judging(name, proves))
            except Unsupported as err:
                return Link(name, proves, unproven=str(err))
            except (HarnessError, *AWS_ERRORS) as err:
                return Link(name, proves, unread=first_line(err))
        return read
    return decorate


def gap(ctx: Context, *operations: tuple[str, str]) -> str:
    """The target's reason it cannot serve one of these (service, operation) calls, or ""."""
    for service, operation in operations:
        reason = ctx.target.gap(service, operation)
        if reason:
            return f"{ctx.target.name}: {reason}"
    return ""


def graded_at(ctx: Context) -> datetime:
    """The time the grade is as of: --as-of, else now (read once per grade)."""
    return ctx.as_of or datetime.now(UTC)


def at(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if moment else "an unknown time"


def within(moment: datetime | None, begin: datetime | None, end: datetime | None) -> bool:
    """Whether `moment` lies in [begin, end], give or take the clocks' tolerance."""
    if moment is None or begin is None or end is None:
        return False
    return begin - CLOCK_TOLERANCE <= moment <= end + CLOCK_TOLERANCE
