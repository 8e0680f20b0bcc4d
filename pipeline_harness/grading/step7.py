"""Step 7 graded by the chain of evidence (grading/evidence/): each check earns its point only when
its links hold, and each link is compared with the one before it.

| check | links |
| --- | --- |
| `pipeline.latest-execution` | execution, build |
| `ecr.pushed-image` | pushed, image |
| `ecs.rollout` | deployment, tasks |
| `app.http` | alb |

A broken link fails its check and says which link broke, what each side holds and what to do; a
link the target cannot answer skips its check with the reason (never a pass, never a fail of the
student); an API error is the check's error. A grade is a snapshot: an execution still running is
not counted, and a rollout not finished is a fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from pipeline_harness.core import diagnosis
from pipeline_harness.core.errors import AWS_ERRORS, HarnessError, Unsupported
from pipeline_harness.grading.evidence import alb, build, deployment, execution, image
from pipeline_harness.grading.evidence.link import BROKEN, UNPROVEN, UNREAD, Link
from pipeline_harness.kinds.base import MISSING
from pipeline_harness.steps import prerequisites, verification
from pipeline_harness.steps.base import Check, CheckResult, Verdict
from pipeline_harness.targets.context import Context
from pipeline_harness.waits import ecr_tags, http, pipeline
from pipeline_harness.waits.rollout import EVENTS_SHOWN

STEP = verification.NUMBER  # the tutorial's Step 7, as steps/verification.py declares its STEP


def _links(*links: Callable[[Context], Link]) -> Callable[[Context], tuple[Link, ...]]:
    def read(ctx: Context) -> tuple[Link, ...]:
        return tuple(ctx.read(link) for link in links)

    read.__qualname__ = "read_" + "_".join(link.__name__ for link in links)
    return read


# each check's links, by their readers (each named as the link it reads)
_CHAIN: dict[str, tuple[Callable[[Context], Link], ...]] = {
    "pipeline.latest-execution": (execution.execution, build.build),
    "ecr.pushed-image": (image.pushed, image.image),
    "ecs.rollout": (deployment.deployment, deployment.tasks),
    "app.http": (alb.alb,),
}
LINKS_OF = {check: _links(*links) for check, links in _CHAIN.items()}
CHECK_OF = {link.__name__: check for check, links in _CHAIN.items() for link in links}  # link → its check


def _broken(link: Link, own: set[str]) -> str:
    """A broken link's own comparisons, and the earlier links outside this check it rests on."""
    parts = [b.says for b in link.broke]
    outside = [f"`{a}` ({CHECK_OF.get(a, '?')})" for a in link.after if a not in own]
    if outside:
        parts.append(f"it rests on link {', '.join(outside)}, which broke")
    return f"link `{link.name}` broke: " + "; ".join(parts) if parts else ""


def judge(links: tuple[Link, ...], ctx: Context) -> Verdict:
    """The verdict for run_check; Unsupported (a skip) where a link is unproven, a
    HarnessError (an error) where a call failed."""
    own = {link.name for link in links}
    expected = "the chain of evidence to hold: " + "; ".join(link.proves for link in links)
    broken = [text for link in links if link.state == BROKEN and (text := _broken(link, own))]
    if broken:
        return Verdict(passed=False, expected=expected, found="; ".join(broken))
    unread = next((link for link in links if link.state == UNREAD), None)
    if unread is not None:
        raise HarnessError(f"link `{unread.name}`: {unread.unread}")
    unproven = next((link for link in links if link.state == UNPROVEN), None)
    if unproven is not None:
        raise Unsupported(f"link `{unproven.name}` not proven: {unproven.unproven}")
    return Verdict(passed=True, expected=expected, found="; ".join(link.found for link in links))


_EXECUTIONS = (("codepipeline", "ListPipelineExecutions"), ("codepipeline", "GetPipelineExecution"))
CHECKS = [
    Check(id="pipeline.latest-execution", step=STEP, title="All pipeline stages show Succeeded",
          hint=pipeline.HINT, read=LINKS_OF["pipeline.latest-execution"], judge=judge, needs=_EXECUTIONS),
    Check(id="ecr.pushed-image", step=STEP, title="New images in ECR with multiple tags",
          hint=ecr_tags.HINT, read=LINKS_OF["ecr.pushed-image"], judge=judge,
          needs=(*_EXECUTIONS, ("ecr", None))),
    Check(id="ecs.rollout", step=STEP, title="ECS deployment completed, new tasks on the new image",
          hint=diagnosis.OLD_IMAGE_RUNNING.describe(), read=LINKS_OF["ecs.rollout"], judge=judge,
          needs=(*_EXECUTIONS, ("ecs", None))),
    Check(id="app.http", step=STEP, title="Application accessible via the ALB",
          hint=http.HINT, read=LINKS_OF["app.http"], judge=judge, needs=(*_EXECUTIONS, ("elbv2", None))),
]


# --- what the student should do -------------------------------------------------------------------

def _failed_execution(links: tuple[Link, ...], ctx: Context) -> str | None:
    """The failed stage, its error, the build's failed phase and log tail, the Common Issue."""
    facts = links[0].facts
    if facts is None or facts.status in ("Succeeded", ""):
        return None
    seen = pipeline.Execution(facts.id, facts.status)
    return pipeline.explain_failure(ctx.target, ctx.names.pipeline, seen) or None


def _service_events(links: tuple[Link, ...], ctx: Context) -> str | None:
    if not links[0].broke:  # the deployment's own comparisons held (or were never made)
        return None
    service = ctx.read(prerequisites.read_service)
    if service is MISSING:
        return None
    events = [e.get("message", "") for e in service.get("events", [])[:EVENTS_SHOWN]]
    return "service events: " + " | ".join(events) if events else None


def _first(links: tuple[Link, ...]) -> str:
    """For a check that broke only because a link before it did: fix that one's check first."""
    own = {link.name for link in links}
    before = sorted({CHECK_OF[a] for link in links for a in link.after if a not in own and a in CHECK_OF})
    return f"fix {' and '.join(before)} first: this check rests on it" if before else ""


_EXPLAIN: dict[str, Callable[[tuple[Link, ...], Context], str | None]] = {
    "pipeline.latest-execution": _failed_execution, "ecs.rollout": _service_events}


def diagnose(result: CheckResult, ctx: Context) -> CheckResult:
    """A failed Step 7 check's hint: what to do for the first broken link, what the account says
    about it (the failed stage's error, the service's events), then the tutorial's hint."""
    if result.status != "fail" or result.id not in LINKS_OF:
        return result
    links: tuple[Any, ...] = ctx.read(LINKS_OF[result.id])
    todo = next((link.todo for link in links if link.state == BROKEN and link.todo), "") or _first(links)
    explained = None
    if result.id in _EXPLAIN:
        try:
            explained = _EXPLAIN[result.id](links, ctx)
        except (HarnessError, *AWS_ERRORS):
            explained = None  # the verdict stands; what is known is still said
    hint = "; ".join(p for p in (todo, explained, result.hint) if p)
    return dataclasses.replace(result, hint=hint)
