"""Wait for the pipeline execution of a commit until every stage Succeeded, or explain why not."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from pipeline_harness import diagnosis
from pipeline_harness.errors import ConfigError
from pipeline_harness.targets.base import Target
from pipeline_harness.waits.model import FAILURE, RETRY, SUCCESS, Acceptor, Outcome, Wait, run
from pipeline_harness.waits.policies import PIPELINE, Clock, Policy, Sleep

ENDED_BADLY = frozenset({"Failed", "Stopped", "Stopping", "Superseded", "Cancelled"})
LOG_TAIL_LINES = 10
HINT = ("Build stage takes 3-5 minutes, Deploy stage 1-2 minutes; if any stage fails, click "
        "Details to see error messages (tutorial Step 7)")


@dataclass(frozen=True)
class Execution:
    """What one look saw: the execution for the commit and its status (NotStarted: none yet)."""

    execution_id: str | None
    status: str
    summary: str = ""
    stage: str | None = None  # the stage it runs, when the look read the pipeline state
    final_stage: bool = False  # that stage is the pipeline's last (the tutorial's Deploy)

    def __str__(self) -> str:
        if self.execution_id is None:
            return "no execution for the commit yet"
        text = f"execution {self.execution_id} {self.status}"
        if self.stage:
            text += f" in stage {self.stage}"
        return f"{text} ({self.summary})" if self.summary else text


@dataclass(frozen=True)
class PipelineRun:
    outcome: Outcome
    execution_id: str
    stage_durations: dict[str, float] = field(default_factory=dict)
    durations_note: str = ""


def _revision_matches(revision: str, commit: str) -> bool:
    revision, commit = revision.lower(), commit.lower()
    return bool(revision) and (revision.startswith(commit) or commit.startswith(revision))


def find_execution(target: Target, pipeline: str, commit: str) -> str | None:
    """The newest execution whose source revision is the commit (a short hash is enough)."""
    pages = target.client("codepipeline").get_paginator("list_pipeline_executions")
    for page in pages.paginate(pipelineName=pipeline):
        for summary in page.get("pipelineExecutionSummaries", []):
            if any(_revision_matches(r.get("revisionId", ""), commit)
                   for r in summary.get("sourceRevisions", [])):
                return summary["pipelineExecutionId"]
    return None


def start_execution(target: Target, pipeline: str, commit: str) -> str:
    """Start the pipeline on this commit; only V2 pipelines take a source revision override."""
    client = target.client("codepipeline")
    declaration = client.get_pipeline(name=pipeline)["pipeline"]
    if declaration.get("pipelineType", "V1") != "V2":
        raise ConfigError(f"pipeline {pipeline} is {declaration.get('pipelineType', 'V1')}: only "
                          "V2 pipelines can be started on a given commit; push the commit instead")
    source = next((a["name"] for s in declaration["stages"] for a in s["actions"]
                   if a["actionTypeId"]["category"] == "Source"), None)
    if source is None:
        raise ConfigError(f"pipeline {pipeline} has no Source action to start on commit {commit}")
    started = client.start_pipeline_execution(name=pipeline, sourceRevisions=[
        {"actionName": source, "revisionType": "COMMIT_ID", "revisionValue": commit}])
    return started["pipelineExecutionId"]


class Probe:
    """Finds the commit's execution once, then reads its status: one call per look.

    While `stages()` says so (the policy scouts for the last stage starting), a look reads the
    pipeline state instead — still one call — and takes it as the answer only when it shows the
    execution running in a stage; anything else (between stages, failed, gone) is read from the
    execution itself, so the verdict always comes from get_pipeline_execution.
    """

    def __init__(self, target: Target, pipeline: str, commit: str, execution_id: str | None,
                 stages: Callable[[], bool] = lambda: False):
        self.target, self.pipeline, self.commit = target, pipeline, commit
        self.execution_id = execution_id
        self.stages, self.final_seen = stages, False

    def __call__(self) -> Execution:
        if self.execution_id is None:
            self.execution_id = find_execution(self.target, self.pipeline, self.commit)
            if self.execution_id is None:
                return Execution(None, "NotStarted")
        if not self.final_seen and self.stages():
            running = self._running_stage()
            if running is not None:
                self.final_seen = running.final_stage
                return running
        execution = self.target.client("codepipeline").get_pipeline_execution(
            pipelineName=self.pipeline, pipelineExecutionId=self.execution_id)["pipelineExecution"]
        return Execution(self.execution_id, execution["status"], execution.get("statusSummary", ""))

    def _running_stage(self) -> Execution | None:
        states = self.target.client("codepipeline").get_pipeline_state(
            name=self.pipeline).get("stageStates", [])
        for index, stage in enumerate(states):
            latest = stage.get("latestExecution", {})
            ours = latest.get("pipelineExecutionId") == self.execution_id
            if ours and latest.get("status") == "InProgress":
                return Execution(self.execution_id, "InProgress", stage=stage["stageName"],
                                 final_stage=index == len(states) - 1)
        return None


def _scouting_from(policy: Policy, clock: Clock) -> Callable[[], bool]:
    """True on looks from the policy's scout window on: stage progress can't steer it earlier."""
    first: list[float] = []

    def scouting() -> bool:
        now = clock()
        first[:] = first or [now]
        return now - first[0] >= policy.scout.after
    return scouting


ACCEPTORS = (
    Acceptor(SUCCESS, lambda e: e.status == "Succeeded", "every stage Succeeded"),
    Acceptor(FAILURE, lambda e: e.status in ENDED_BADLY, "the execution did not succeed"),
    Acceptor(RETRY, lambda e: True, "still running"),
)


def pipeline_wait(target: Target, pipeline: str, commit: str, *, start: bool = False,
                  policy: Policy = PIPELINE, clock: Clock = time.monotonic) -> Wait:
    execution_id = start_execution(target, pipeline, commit) if start else None
    if target.gap("codepipeline", "GetPipelineState") or policy.scout is None:
        probe, policy = Probe(target, pipeline, commit, execution_id), policy.blind()
    else:
        probe = Probe(target, pipeline, commit, execution_id, stages=_scouting_from(policy, clock))
    return Wait(
        name="pipeline", probe=probe, acceptors=ACCEPTORS, policy=policy, show=str, hint=HINT,
        milestone=lambda execution: execution.final_stage,
        expected=f"every stage of {pipeline} Succeeded for commit {commit}",
        explain=lambda execution: explain_failure(target, pipeline, execution),
    )


def wait_for_pipeline(target: Target, pipeline: str, commit: str, *, start: bool = False,
                      policy: Policy = PIPELINE, clock: Clock = time.monotonic,
                      sleep: Sleep = time.sleep) -> PipelineRun:
    """Block until the commit's execution Succeeded; raise WaitFailed/WaitTimeout otherwise."""
    wait = pipeline_wait(target, pipeline, commit, start=start, policy=policy, clock=clock)
    outcome = run(wait, clock=clock, sleep=sleep)
    execution_id = outcome.observation.execution_id
    durations, note = stage_durations(target, pipeline, execution_id)
    return PipelineRun(outcome, execution_id, durations, note)


def stage_durations(target: Target, pipeline: str, execution_id: str) -> tuple[dict[str, float], str]:
    """Seconds each stage took in this execution, from its action executions."""
    gap = target.gap("codepipeline", "ListActionExecutions")
    if gap:
        return {}, f"stage durations unavailable: {gap}"
    spans: dict[str, list] = {}
    pages = target.client("codepipeline").get_paginator("list_action_executions")
    for page in pages.paginate(pipelineName=pipeline, filter={"pipelineExecutionId": execution_id}):
        for action in page.get("actionExecutionDetails", []):
            begin, end = action.get("startTime"), action.get("lastUpdateTime")
            if begin is None or end is None:
                continue
            span = spans.setdefault(action["stageName"], [begin, end])
            span[0], span[1] = min(span[0], begin), max(span[1], end)
    return {stage: (end - begin).total_seconds() for stage, (begin, end) in spans.items()}, ""


def explain_failure(target: Target, pipeline: str, execution: Execution) -> str:
    """The failed stage and action, its error, the build's failed phase and log tail, the Common Issue."""
    if execution.status == "Superseded":
        return "a newer execution superseded it before it finished"
    gap = target.gap("codepipeline", "GetPipelineState")
    if gap:
        return f"stage details unavailable: {gap}"
    failed = _failed_action(target, pipeline, execution.execution_id)
    if failed is None:
        return "no failed action found in the pipeline state"
    stage, action, error, provider, external_id = failed
    parts = [f"stage {stage}, action {action} failed: {error}"]
    texts = [error, execution.summary]
    if provider == "CodeBuild" and external_id:
        build_texts = _build_failure(target, external_id)
        parts.extend(build_texts)
        texts.extend(build_texts)
    issue = diagnosis.match(texts, stage=stage if stage in ("Source", "Build", "Deploy") else None)
    if issue is not None:
        parts.append(issue.describe())
    return "; ".join(parts)


def _failed_action(target: Target, pipeline: str, execution_id: str):
    client = target.client("codepipeline")
    providers = {(s["name"], a["name"]): a["actionTypeId"]["provider"]
                 for s in client.get_pipeline(name=pipeline)["pipeline"]["stages"]
                 for a in s["actions"]}
    for stage in client.get_pipeline_state(name=pipeline).get("stageStates", []):
        if stage.get("latestExecution", {}).get("pipelineExecutionId") != execution_id:
            continue
        for action in stage.get("actionStates", []):
            latest = action.get("latestExecution", {})
            if latest.get("status") == "Failed":
                details = latest.get("errorDetails", {})
                error = f"{details.get('code', 'error')}: {details.get('message', latest.get('summary', ''))}"
                provider = providers.get((stage["stageName"], action["actionName"]))
                return stage["stageName"], action["actionName"], error, provider, \
                    latest.get("externalExecutionId")
    return None


def _build_failure(target: Target, build_id: str) -> list[str]:
    """The build's failed phase and the tail of its CloudWatch log."""
    builds = target.client("codebuild").batch_get_builds(ids=[build_id]).get("builds", [])
    if not builds:
        return [f"build {build_id} not found"]
    build = builds[0]
    texts = []
    for phase in build.get("phases", []):
        if phase.get("phaseStatus") in ("FAILED", "FAULT", "TIMED_OUT", "STOPPED"):
            context = " ".join(c.get("message", "") for c in phase.get("contexts", []))
            texts.append(f"build phase {phase['phaseType']} {phase['phaseStatus']}: {context}".strip())
            break
    logs = build.get("logs", {})
    if logs.get("groupName") and logs.get("streamName"):
        events = target.client("logs").get_log_events(
            logGroupName=logs["groupName"], logStreamName=logs["streamName"],
            limit=LOG_TAIL_LINES, startFromHead=False).get("events", [])
        lines = [e["message"].rstrip() for e in events if e.get("message", "").strip()]
        if lines:
            texts.append("log tail: " + " | ".join(lines))
    return texts
