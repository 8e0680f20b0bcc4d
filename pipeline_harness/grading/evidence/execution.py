"""Link `execution`: the latest execution finished before --as-of Succeeded, ran the pipeline's
current version and every action of the declaration; it names the commit C the later links
compare with.

Which call proves what:
- ListPipelineExecutions: the newest execution that finished (Succeeded, Failed, Stopped,
  Superseded or Cancelled) before --as-of, its status and times, and its commit
  (`sourceRevisions`); an execution still running, or finished after --as-of, is not counted;
- GetPipelineExecution: the `pipelineVersion` it ran;
- GetPipeline (Step 6's read): the declaration and its current `version`;
- ListActionExecutions: each action of the declaration ran in it and Succeeded — an action
  skipped by a condition, behind a disabled transition or never started has no entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pipeline_harness.grading.evidence.link import Judging, Link, at, gap, graded_at, reads
from pipeline_harness.kinds.base import MISSING, Found
from pipeline_harness.output.report import duration
from pipeline_harness.steps import codepipeline
from pipeline_harness.steps.base import dig
from pipeline_harness.targets.context import Context

PROVES = ("the latest execution finished before the grade's time Succeeded, on the pipeline's "
          "current version, every action of the declaration run in it")
FINISHED = frozenset({"Succeeded", "Failed", "Stopped", "Superseded", "Cancelled"})
PAGE = 100  # ListPipelineExecutions' and ListActionExecutions' largest page
MAX_PAGES = 10  # of either listing: 1,000 executions newer than --as-of, 1,000 action executions
COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # git's SHA-1 or SHA-256 object name
LISTS = (("codepipeline", "ListPipelineExecutions"), ("codepipeline", "GetPipelineExecution"))
RUN_AGAIN = "push a commit to the pipeline's branch (or Release change) and let every stage run"


@dataclass(frozen=True)
class Listed:
    """The pipeline's executions, newest first, as far as the graded one."""

    pipeline: bool  # the pipeline exists
    graded: dict | None  # the summary of the newest execution finished before --as-of
    passed_over: tuple[dict, ...] = ()  # newer ones, not counted (running, or finished after it)


@dataclass(frozen=True)
class Execution:
    """What the later links compare with."""

    id: str
    status: str
    commit: str | None  # C, the full commit hash
    started: datetime | None
    finished: datetime | None
    actions: tuple[dict, ...] | None  # its action executions (None: the target does not list them)
    declaration: dict  # the pipeline as declared now (GetPipeline's `pipeline`)

    @property
    def short(self) -> str:
        """C[:7], the tag the tutorial's buildspec gives the image."""
        return (self.commit or "")[:7]

    def ran(self, provider: str) -> list[dict]:
        """Its action executions of this provider (CodeBuild, ECS), the newest first."""
        of = [a for a in self.actions or () if dig(a, "input", "actionTypeId", "provider") == provider]
        return sorted(of, key=lambda a: a.get("startTime") or datetime.min, reverse=True)


def counted(summary: dict, as_of: datetime | None) -> bool:
    """Finished, and (with --as-of) before it."""
    if summary.get("status") not in FINISHED:
        return False
    return as_of is None or (summary.get("lastUpdateTime") is not None and summary["lastUpdateTime"] <= as_of)


def read_listing(ctx: Context) -> Listed:
    client = ctx.client("codepipeline")
    passed: list[dict] = []
    token: str | None = None
    for _ in range(MAX_PAGES):
        paging = {"nextToken": token} if token else {}
        try:
            page = client.list_pipeline_executions(pipelineName=ctx.names.pipeline, maxResults=PAGE, **paging)
        except client.exceptions.PipelineNotFoundException:
            return Listed(False, None)
        for summary in page.get("pipelineExecutionSummaries", []):
            if counted(summary, ctx.as_of):
                return Listed(True, summary, tuple(passed))
            passed.append(summary)
        token = page.get("nextToken")
        if not token:
            break
    return Listed(True, None, tuple(passed))


def read_latest(ctx: Context) -> Found:
    """The graded execution's summary (MISSING: no pipeline, or no execution before --as-of)."""
    if gap(ctx, *LISTS):
        return MISSING
    return ctx.read(read_listing).graded or MISSING


def read_actions(ctx: Context) -> tuple[dict, ...] | None:
    """The graded execution's action executions; None where the target does not list them."""
    if gap(ctx, ("codepipeline", "ListActionExecutions")):
        return None
    latest = ctx.read(read_latest)
    if latest is MISSING:
        return ()
    pages = ctx.client("codepipeline").get_paginator("list_action_executions").paginate(
        pipelineName=ctx.names.pipeline, filter={"pipelineExecutionId": latest["pipelineExecutionId"]},
        PaginationConfig={"MaxItems": PAGE * MAX_PAGES, "PageSize": PAGE})
    return tuple(detail for page in pages for detail in page.get("actionExecutionDetails", []))


def _none_before(ctx: Context, listed: Listed) -> str:
    when = at(ctx.read(graded_at)) if ctx.as_of else "now"
    newer = listed.passed_over
    if not newer:
        return f"no execution before {when}: the pipeline has not run"
    first = newer[0]
    more = f" and {len(newer) - 1} more" if len(newer) > 1 else ""
    return (f"no execution before {when}: the newest, {first.get('pipelineExecutionId')} "
            f"({first.get('status')}, {at(first.get('lastUpdateTime'))}){more}, is not counted "
            f"(still running, or finished after it)")


def _commit(summary: dict, declaration: dict, actions: tuple[dict, ...] | None) -> str | None:
    """C: the Source action's revision in the listing, else what the Source action reported."""
    source = codepipeline.source_action({"pipeline": declaration}) or {}
    revisions = summary.get("sourceRevisions", [])
    named = [r for r in revisions if r.get("actionName") == source.get("name")] or revisions
    revision = named[0].get("revisionId") if named else None
    if revision is None and actions:
        reported = [a for a in actions if dig(a, "input", "actionTypeId", "category") == "Source"]
        revision = next((dig(a, "output", "outputVariables", "CommitId")
                         or dig(a, "output", "executionResult", "externalExecutionId")
                         for a in reported), None)
    return str(revision).lower() if revision else None


def _latest_per_action(actions: tuple[dict, ...]) -> dict[tuple[str, str], dict]:
    """(stage, action) → its newest action execution (a retried action has several)."""
    found: dict[tuple[str, str], dict] = {}
    for action in sorted(actions, key=lambda a: a.get("startTime") or datetime.min):
        found[(action.get("stageName", ""), action.get("actionName", ""))] = action
    return found


def _unrun(declaration: dict, actions: tuple[dict, ...]) -> list[str]:
    """Each declared action that did not run in the execution, or did not succeed."""
    ran = _latest_per_action(actions)
    problems = []
    for stage in declaration.get("stages", []):
        for action in stage.get("actions", []):
            key = (stage.get("name", ""), action.get("name", ""))
            seen = ran.get(key)
            if seen is None:
                problems.append(f"{key[0]}/{key[1]} never ran (skipped by a condition, behind a "
                                "disabled transition, or never started)")
            elif seen.get("status") != "Succeeded":
                problems.append(f"{key[0]}/{key[1]} ended {seen.get('status')}")
    return problems


@reads("execution", PROVES)
def execution(ctx: Context, judging: Judging) -> Link:
    missing = gap(ctx, *LISTS)
    if missing:
        judging.gap(missing)
        return judging.link()
    listed = ctx.read(read_listing)
    name = ctx.names.pipeline
    if not listed.pipeline:
        judging.breaks(f"there is no pipeline {name}", "create the pipeline (Step 6)")
        return judging.link()
    if listed.graded is None:
        judging.breaks(_none_before(ctx, listed), RUN_AGAIN)
        return judging.link()
    summary = listed.graded
    ran = ctx.client("codepipeline").get_pipeline_execution(
        pipelineName=name, pipelineExecutionId=summary["pipelineExecutionId"])["pipelineExecution"]
    declared = ctx.read(codepipeline.read)
    declaration = {} if declared is MISSING else declared.get("pipeline", {})
    actions = ctx.read(read_actions)
    facts = Execution(summary["pipelineExecutionId"], ran.get("status", summary.get("status", "")),
                      _commit(summary, declaration, actions), summary.get("startTime"),
                      summary.get("lastUpdateTime"), actions, declaration)
    _judge(ctx, judging, facts, ran.get("pipelineVersion"), ran.get("statusSummary", ""))
    return judging.link(facts)


def _judge(ctx: Context, judging: Judging, facts: Execution, version: int | None, summary: str) -> None:
    as_of = ctx.read(graded_at)
    since = "--as-of" if ctx.as_of else "now"
    old = f", {duration((as_of - facts.finished).total_seconds())} before {since}" if facts.finished else ""
    judging.compare(facts.status == "Succeeded",
                    f"execution {facts.id} Succeeded at {at(facts.finished)}{old}",
                    f"execution {facts.id} ended {facts.status} at {at(facts.finished)}"
                    + (f" ({summary})" if summary else ""),
                    f"fix what failed (the stage and its error are below), then {RUN_AGAIN}")
    current = facts.declaration.get("version")
    judging.compare(version is not None and version == current, f"on the pipeline's version {current}",
                    f"it ran version {version} of the pipeline, which is now at version {current}: the "
                    "pipeline was edited after the run, and an edit does not re-run it",
                    f"after editing the pipeline, {RUN_AGAIN}")
    if facts.actions is None:
        judging.gap(gap(ctx, ("codepipeline", "ListActionExecutions")))
        return
    problems = _unrun(facts.declaration, facts.actions)
    declared = sum(len(s.get("actions", [])) for s in facts.declaration.get("stages", []))
    judging.compare(not problems, f"all {declared} actions of the declaration ran",
                    f"in execution {facts.id}, " + "; ".join(problems),
                    "let every stage run (no condition that skips one, no disabled transition), then "
                    + RUN_AGAIN)
    commit = facts.commit or ""
    judging.compare(bool(COMMIT.fullmatch(commit)), f"commit {commit[:7]}",
                    f"execution {facts.id} names no commit hash as its source revision "
                    f"({commit[:80] or 'none'!r})",
                    "build from the GitHub (Version 2) Source action of Step 6")
