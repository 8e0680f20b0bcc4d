"""Wait for the pipeline execution of a commit until every stage Succeeded, or explain why not.

While the execution runs, the wait also follows the ECS service its last stage (the tutorial's
Deploy, an ECS action) deploys to. The schedule sleeps through what that shows cannot end yet: the
deployment's tasks must pass the target group's health checks, which take at least (healthy
threshold − 1) × interval once they registered (health_checks.py) — so the execution cannot
succeed sooner than that, whichever stage it is in. A pipeline without such a service is followed
through its state (which stage runs).
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from datetime import datetime

import botocore.exceptions

from pipeline_harness import diagnosis
from pipeline_harness.errors import ConfigError, HarnessError
from pipeline_harness.targets.base import Target
from pipeline_harness.waits import deployments as deployments_mod
from pipeline_harness.waits import events as events_mod
from pipeline_harness.waits import health_checks
from pipeline_harness.waits.health_checks import HealthChecks, registered_ago, target_groups
from pipeline_harness.waits.model import FAILURE, RETRY, SUCCESS, Acceptor, EventSource, Outcome, Wait, run
from pipeline_harness.waits.policies import AGAIN, NEAR, PIPELINE, STEADY, Clock, Pace, Policy, Sleep
from pipeline_harness.waits.tally import Tally

NO_PIPELINE = "NoSuchPipeline"  # the look's status when the pipeline is not there
ENDED_BADLY = frozenset({"Failed", "Stopped", "Stopping", "Superseded", "Cancelled"})
# how far the last stage's ECS deployment got
DEPLOY_STARTING, DEPLOY_TASKS_RUNNING, DEPLOY_SETTLED = "starting", "new tasks running", "settled"
# health checks that take less than this leave too little to sleep through: following the
# deployment would cost more calls than it saves
FOLLOW_FROM = 20.0
LOG_TAIL_LINES = 10
# a log line, and the whole tail (or a phase's context), as much of it as enters a report: the
# build log is the student's to fill, and a tail is copied into every report of the failure
LOG_LINE_CHARS, LOG_TAIL_CHARS = 200, 2000
CUT = "…"
# the IAM actions of its calls: the execution, its failure's explanation, the Deploy stage's service
READS = ("codepipeline:ListPipelineExecutions", "codepipeline:GetPipelineExecution",
         "codepipeline:GetPipelineState", "codepipeline:GetPipeline", "codepipeline:ListActionExecutions",
         "codebuild:BatchGetBuilds", "logs:GetLogEvents", "ecs:DescribeServices", *health_checks.READS)
STARTS = ("codepipeline:StartPipelineExecution",)  # `wait pipeline --start` only
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
    deploy: str | None = None  # in the last stage: how far its ECS deployment got (DEPLOY_*)
    registered_ago: float | None = None  # and since when its new tasks are in the target group
    failing: bool = False  # and its tasks have begun to fail: the circuit breaker may trip

    def __str__(self) -> str:
        if self.status == NO_PIPELINE:
            return "no such pipeline"
        if self.execution_id is None:
            return "no execution for the commit yet"
        text = f"execution {self.execution_id} {self.status}"
        if self.stage:
            text += f" in stage {self.stage}"
        if self.deploy:
            text += f", ECS deployment {self.deploy}" + (", its tasks failing" if self.failing else "")
        return f"{text} ({self.summary})" if self.summary else text


@dataclass(frozen=True)
class PipelineRun:
    outcome: Outcome
    execution_id: str
    stage_durations: dict[str, float] = field(default_factory=dict)
    durations_note: str = ""


def check_commit(commit: str) -> str:
    """The commit as given, if it is a commit hash: a shorter string would match others' revisions."""
    if not re.fullmatch(r"[0-9a-fA-F]{4,64}", commit):
        raise ConfigError(f"--commit must be a commit hash, 4 to 64 hexadecimal digits (git's short "
                          f"hash is 7), not {commit!r}")
    return commit


def _revision_matches(revision: str, commit: str) -> bool:
    revision, commit = revision.lower(), commit.lower()
    return bool(revision) and (revision.startswith(commit) or commit.startswith(revision))


def find_execution(target: Target, pipeline: str, commit: str) -> str | None:
    """The newest execution whose source revision is the commit (a short hash is enough)."""
    summary = find_summary(target, pipeline, commit)
    return None if summary is None else summary["pipelineExecutionId"]


def find_summary(target: Target | Tally, pipeline: str, commit: str) -> dict | None:
    """The listing's summary of the newest execution whose source revision is the commit."""
    pages = target.client("codepipeline").get_paginator("list_pipeline_executions")
    for page in pages.paginate(pipelineName=pipeline):
        for summary in page.get("pipelineExecutionSummaries", []):
            if any(_revision_matches(r.get("revisionId", ""), commit)
                   for r in summary.get("sourceRevisions", [])):
                return summary
    return None


def start_execution(target: Target, pipeline: str, commit: str) -> str:
    """Start the pipeline on this commit; only V2 pipelines take a source revision override.

    A pipeline that is not there is a configuration error (the name or region is wrong); any
    other refusal, one line that names the pipeline and AWS's answer."""
    client = target.client("codepipeline")
    try:
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
    except botocore.exceptions.ClientError as err:
        if err.response.get("Error", {}).get("Code") == "PipelineNotFoundException":
            raise ConfigError(f"no pipeline named {pipeline} in this account and region — check the "
                              "name (--name, or the config's prefix) and --region") from None
        raise HarnessError(f"wait pipeline: could not start {pipeline} on commit {commit} "
                           f"({' '.join(str(err).split())})") from None
    except botocore.exceptions.BotoCoreError as err:
        raise HarnessError(f"wait pipeline: could not start {pipeline} on commit {commit} "
                           f"({' '.join(str(err).split())})") from None
    return started["pipelineExecutionId"]


class Probe:
    """Finds the commit's execution once (the listing's summary is that look's status), then reads
    its status: one call per look."""

    def __init__(self, target: Target, pipeline: str, commit: str, execution_id: str | None):
        self.target, self.pipeline, self.commit = target, pipeline, commit
        self.execution_id = execution_id
        self.tally = Tally(target)
        self.started: datetime | None = None  # when the execution began, if the listing said

    def woken(self, event: dict) -> None:
        """An event about the execution woke the wait: the next look reads its status."""

    def __call__(self) -> Execution:
        try:
            return self._look()
        except botocore.exceptions.ClientError as err:
            if err.response.get("Error", {}).get("Code") != "PipelineNotFoundException":
                raise
            return Execution(self.execution_id, NO_PIPELINE)

    def _look(self) -> Execution:
        if self.execution_id is None:
            summary = find_summary(self.tally, self.pipeline, self.commit)
            if summary is None:
                return Execution(None, "NotStarted")
            self.execution_id, self.started = summary["pipelineExecutionId"], summary.get("startTime")
            if summary.get("status"):  # the listing says what GetPipelineExecution would
                return Execution(self.execution_id, summary["status"], summary.get("statusSummary", ""))
        execution = self.tally.client("codepipeline").get_pipeline_execution(
            pipelineName=self.pipeline, pipelineExecutionId=self.execution_id)["pipelineExecution"]
        return Execution(self.execution_id, execution["status"], execution.get("statusSummary", ""))


@dataclass(frozen=True)
class Progress:
    """How far the last stage's ECS deployment got, and since when its new tasks are registered."""

    state: str  # DEPLOY_*
    registered_ago: float | None = None
    failing: bool = False  # its tasks have begun to fail (failedTasks)


class DeployService:
    """The ECS service the pipeline's last stage deploys to, and how far the execution's deployment
    of it got — the deployment created since the execution started (without a start time: one
    that was not PRIMARY at the first look).

    The service comes from the pipeline's declaration (the ECS action's ClusterName and
    ServiceName), read once.
    """

    def __init__(self, tally: Tally, pipeline: str):
        self.tally, self.pipeline = tally, pipeline
        self.health = HealthChecks(tally)
        self.names: tuple[str, str] | None = None
        self.groups: tuple[str, ...] = ()
        self.before: str | None = None
        self.read = False
        self.pointless = False  # its health checks are too short to be worth following

    def soonest_healthy(self) -> float:
        """The target group's soonest-healthy span: no deployment of the service ends sooner."""
        return self.health.soonest_healthy(self.groups)

    def progress(self, started: datetime | None) -> Progress | None:
        """None when there is no ECS service to follow."""
        try:
            described = self._describe()
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            return None  # the verdict never rests on it: the wait then polls at its budget's pace
        if described is None:
            return None
        answer, service = described
        deployments = service.get("deployments", [])
        # the execution's deployment failing or failed, or a rollback under way: the action will fail
        failing = any((deployments_mod.failing(d) and self._since(d, started))
                      or deployments_mod.rolled_back_to(d) for d in deployments)
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        if primary is None or not self._since(primary, started):
            return Progress(DEPLOY_STARTING, failing=failing)
        if len(deployments) == 1 or primary.get("rolloutState") == "FAILED":
            return Progress(DEPLOY_SETTLED)
        if 0 < primary.get("desiredCount", 0) <= primary.get("runningCount", 0):
            return Progress(DEPLOY_TASKS_RUNNING, registered_ago(answer, service), failing)
        return Progress(DEPLOY_STARTING, failing=failing)

    def _since(self, deployment: dict, started: datetime | None) -> bool:
        if started is not None and deployment.get("createdAt") is not None:
            return deployment["createdAt"] >= started
        return deployment.get("id") != self.before

    def _describe(self) -> tuple[dict, dict] | None:
        first, self.read = not self.read, True
        if first:
            self.names = self._service_names()
        if self.names is None or self.tally.gap("ecs"):
            return None
        cluster, service = self.names
        answer = self.tally.client("ecs").describe_services(cluster=cluster, services=[service])
        described = next((s for s in answer.get("services", []) if s.get("status") == "ACTIVE"), None)
        if described is None:
            return None
        self.groups = target_groups(described)
        if first:
            self.before = next((d.get("id") for d in described.get("deployments", [])
                                if d.get("status") == "PRIMARY"), None)
            self.pointless = self.soonest_healthy() < FOLLOW_FROM
        return answer, described

    def _service_names(self) -> tuple[str, str] | None:
        stages = self.tally.client("codepipeline").get_pipeline(name=self.pipeline)["pipeline"]["stages"]
        for action in stages[-1]["actions"] if stages else []:
            configuration = action.get("configuration", {})
            if action["actionTypeId"]["provider"] == "ECS" and configuration.get("ServiceName"):
                return configuration.get("ClusterName", "default"), configuration["ServiceName"]
        return None


class Following(Probe):
    """The execution's status (the verdict's only source) and, while it runs, how far the last
    stage's ECS deployment got (without one, which stage runs: the pipeline state).

    Polling, a look makes one read: status and deployment in turn, the status twice after the
    look that found the execution. With an event source, looks are few: a look an event woke
    reads the status, any other one reads both. Once the deployment's new tasks run, only the
    status is read.
    """

    def __init__(self, target: Target, pipeline: str, commit: str, execution_id: str | None,
                 listening: bool = False):
        super().__init__(target, pipeline, commit, execution_id)
        self.deploy = DeployService(self.tally, pipeline)
        self.listening = listening
        self.status_next = True
        self.was_woken = False
        self.last = Execution(None, "NotStarted")  # what the last look made of the execution

    def woken(self, event: dict) -> None:
        self.was_woken = True

    def __call__(self) -> Execution:
        woken, self.was_woken = self.was_woken, False
        if self.status_next or self.listening:
            found_now = self.execution_id is None
            self.last = self._status(found_now, woken)
            following = self.last.deploy in (DEPLOY_TASKS_RUNNING, DEPLOY_SETTLED)
            self.status_next = found_now or following or self.deploy.pointless
        else:
            self.last, self.status_next = self._progress(), True
        return self.last

    def _status(self, found_now: bool, woken: bool) -> Execution:
        execution = super().__call__()
        if execution.status != "InProgress" or found_now:
            return execution
        if self.last.deploy in (DEPLOY_TASKS_RUNNING, DEPLOY_SETTLED):
            # the new tasks ran, and still do; `registered_ago` held for the look that read it
            return dataclasses.replace(self.last, summary=execution.summary, registered_ago=None)
        # a deployment seen starting may be further by now: the status is all this look knows,
        # unless it is the first look at the deployment, or a scheduled one with an event source;
        # tasks seen failing may still fail
        self.last = dataclasses.replace(execution, failing=self.last.failing)
        if not self.deploy.pointless and (not self.deploy.read or (self.listening and not woken)):
            return self._progress()
        return self.last

    def _progress(self) -> Execution:
        progress = self.deploy.progress(self.started)
        if progress is None:
            return self._running_stage() or self.last
        return dataclasses.replace(self.last, deploy=progress.state, registered_ago=progress.registered_ago,
                                   failing=progress.failing)

    def _running_stage(self) -> Execution | None:
        states = self.tally.client("codepipeline").get_pipeline_state(
            name=self.pipeline).get("stageStates", [])
        for index, stage in enumerate(states):
            latest = stage.get("latestExecution", {})
            ours = latest.get("pipelineExecutionId") == self.execution_id
            if ours and latest.get("status") == "InProgress":
                return Execution(self.execution_id, "InProgress", stage=stage["stageName"],
                                 final_stage=index == len(states) - 1)
        return None


def _pace(deploy: DeployService):
    """Until the last stage's new tasks run, success is a soonest-healthy span away at least; once
    they run, that span from when they joined the target group; once its deployment settled (or,
    with no ECS service to follow, once the last stage runs), near. While its tasks fail, the
    execution may fail within any span."""
    def pace(execution: Execution) -> Pace:
        if execution.execution_id is not None and not deploy.read:
            return AGAIN  # just found: the next look reads the deployment too
        if execution.deploy is None:
            return NEAR if execution.final_stage else Pace(failing=execution.failing)
        if execution.deploy == DEPLOY_STARTING:
            return Pace(quiet=deploy.soonest_healthy(), failing=execution.failing)
        if execution.deploy == DEPLOY_TASKS_RUNNING:
            return Pace(quiet=deploy.soonest_healthy(), since=DEPLOY_TASKS_RUNNING, near=True,
                        ago=execution.registered_ago, failing=execution.failing)
        return NEAR
    return pace


ACCEPTORS = (
    Acceptor(FAILURE, lambda e: e.status == NO_PIPELINE,
             "there is no pipeline of that name in this account and region — check the name "
             "(--name, or the config's prefix) and --region"),
    Acceptor(SUCCESS, lambda e: e.status == "Succeeded", "every stage Succeeded"),
    Acceptor(FAILURE, lambda e: e.status in ENDED_BADLY, "the execution did not succeed"),
    Acceptor(RETRY, lambda e: True, "still running"),
)


def pipeline_wait(target: Target, pipeline: str, commit: str, *, start: bool = False,
                  policy: Policy = PIPELINE, clock: Clock = time.monotonic,
                  events: EventSource | None = None) -> Wait:
    """The wait for the commit's execution; `clock` is accepted for callers of the former API
    (the schedule reads the clock `run` is given)."""
    check_commit(commit)
    execution_id = start_execution(target, pipeline, commit) if start else None
    # only a paced schedule uses where the execution is; a windowed one just reads its status
    if policy.every is None or target.gap("codepipeline", "GetPipelineState"):
        probe: Probe = Probe(target, pipeline, commit, execution_id)
        pace = _steady
    else:
        probe = following = Following(target, pipeline, commit, execution_id, listening=events is not None)
        pace = _pace(following.deploy)
    return Wait(
        name="pipeline", probe=probe, acceptors=ACCEPTORS, policy=policy, show=str, hint=HINT,
        pace=pace, events=events, wakes=events_mod.wakes_pipeline(pipeline, lambda: probe.execution_id),
        may_fail=events_mod.may_fail_pipeline,
        woken=probe.woken, spent=lambda: probe.tally.calls,
        expected=f"every stage of {pipeline} Succeeded for commit {commit}",
        explain=lambda execution: explain_failure(target, pipeline, execution),
    )


def _steady(execution: Execution) -> Pace:
    return STEADY  # nothing to follow (no pipeline state): the budget's pace


def wait_for_pipeline(target: Target, pipeline: str, commit: str, *, start: bool = False,
                      policy: Policy = PIPELINE, clock: Clock = time.monotonic,
                      sleep: Sleep = time.sleep, events: EventSource | None = None) -> PipelineRun:
    """Block until the commit's execution Succeeded; raise WaitFailed/WaitTimeout otherwise."""
    wait = pipeline_wait(target, pipeline, commit, start=start, policy=policy, clock=clock, events=events)
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
    if execution.status == NO_PIPELINE:
        return ""
    gap = target.gap("codepipeline", "GetPipelineState")
    if gap:
        return f"stage details unavailable: {gap}"
    if execution.execution_id is None:
        return ""
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
            texts.append(_cut(f"build phase {phase['phaseType']} {phase['phaseStatus']}: {context}".strip(),
                              LOG_TAIL_CHARS))
            break
    logs = build.get("logs", {})
    if logs.get("groupName") and logs.get("streamName"):
        events = target.client("logs").get_log_events(
            logGroupName=logs["groupName"], logStreamName=logs["streamName"],
            limit=LOG_TAIL_LINES, startFromHead=False).get("events", [])
        lines = [_cut(e["message"].rstrip(), LOG_LINE_CHARS) for e in events if e.get("message", "").strip()]
        if lines:
            texts.append(_cut("log tail: " + " | ".join(lines), LOG_TAIL_CHARS))
    return texts


def _cut(text: str, most: int) -> str:
    """At most `most` characters of text, the last one marking a cut."""
    return text if len(text) <= most else text[:most - len(CUT)] + CUT
