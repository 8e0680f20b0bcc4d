"""Step 7's chain of evidence: points only for what the pipeline provably did.

Each link is a fact read through the API and compared with the link before it:

    execution → build → pushed → image → deployment → tasks → alb

the latest execution (before --as-of) and its commit C → the build of C it ran → the image tagged
C[:7] pushed while that build ran → its tags and platforms (each image's own config) → the
service's deployment created by the execution's Deploy action, on that image → the running tasks
on that image's digest → the ALB forwarding to exactly those tasks, and the app's answer. Each
module says which call proves which link, and docs/grading.md has the table.

The grader's Step 7 checks (grading/step7.py) and the nightly run's own verification
(e2e/flow.py) read the same links, so they cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pipeline_harness.grading.evidence import alb, build, deployment, execution, image
from pipeline_harness.grading.evidence.link import BROKEN, HOLDS, UNPROVEN, UNREAD, Link, graded_at
from pipeline_harness.output.report import GradedExecution
from pipeline_harness.targets.context import Context

# the links in the order each compares with the one before
LINKS: tuple[Callable[[Context], Link], ...] = (
    execution.execution, build.build, image.pushed, image.image, deployment.deployment, deployment.tasks,
    alb.alb)
__all__ = ["BROKEN", "HOLDS", "LINKS", "UNPROVEN", "UNREAD", "Link", "as_of", "chain", "graded"]


def chain(ctx: Context) -> tuple[Link, ...]:
    """Every link, each read once per context."""
    return tuple(ctx.read(link) for link in LINKS)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def as_of(ctx: Context) -> str:
    """The grade's time, ISO 8601 in UTC: --as-of, else when the grade began."""
    return iso(ctx.read(graded_at)) or ""


def graded(ctx: Context) -> GradedExecution | None:
    """The graded execution (None: none before the grade's time, or it could not be read)."""
    facts = ctx.read(execution.execution).facts
    if facts is None:
        return None
    age = int((ctx.read(graded_at) - facts.finished).total_seconds()) if facts.finished else None
    return GradedExecution(facts.id, facts.commit, iso(facts.started), iso(facts.finished), age)
