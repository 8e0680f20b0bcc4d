"""Wait for the pipeline execution of a commit until every stage Succeeded, or explain why not.

Polled, the wait reads the execution's status at every instant 15 s polling would (the policy's
grid, schedules.py), unless what it read proves that success cannot be there yet. Once the
execution runs, it reads the pipeline's declaration once: an Amazon ECS deploy action in any stage
(the tutorial's Deploy, the last one) needs its deployment's tasks to pass the target group's
health checks, which take at least (healthy threshold − 1) × interval once they registered
(health_checks.py) — so the execution cannot succeed sooner than that, whichever stage it is in.
A look at that service instead of the status proves as much for its own moment while the
deployment has not settled. A pipeline without such an action is polled as 15 s polling is.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
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
from pipeline_harness.waits.model import (
    FAILURE,
    RETRY,
    SUCCESS,
    Acceptor,
    EventSource,
    Outcome,
    Wait,
    listening,
    run,
)
from pipeline_harness.waits.schedules import AGAIN, NEAR, PIPELINE, STEADY, Clock, Pace, Paced, Policy, Sleep
from pipeline_harness.waits.tally import Tally

NO_PIPELINE = "NoSuchPipeline"  # the look's status when the pipeline is not there
ENDED_BADLY = frozenset({"Failed", "Stopped", "Stopping", "Superseded", "Cancelled"})
# how far the execution's ECS deployment got
DEPLOY_STARTING, DEPLOY_TASKS_RUNNING, DEPLOY_SETTLED = "starting", "new tasks running", "settled"
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
    deploy: str | None = None  # how far its ECS deployment got (DEPLOY_*), when a look read it
    registered_ago: float | None = None  # and since when its new tasks are in the target group
    failing: bool = False  # and its tasks have begun to fail: the circuit breaker may trip
    # heard from events: the last stage runs (the one before it succeeded), or succeeded too (the
    # status follows in seconds)
    final_runs: bool = False
    ending: bool = False

    def __str__(self) -> str:
        if self.status == NO_PIPELINE:
            return "no such pipeline"
        if self.execution_id is None:
            return "no execution for the commit yet"
        text = f"execution {self.execution_id} {self.status}"
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
    """How far the execution's ECS deployment got, and since when its new tasks are registered."""

    state: str  # DEPLOY_*
    registered_ago: float | None = None
    failing: bool = False  # its tasks have begun to fail (failedTasks)


def ecs_deploy(declaration: dict, region: str) -> tuple[tuple[str, str] | None, bool]:
    """(cluster, service) of the pipeline's last Amazon ECS deploy action that the execution must
    pass to succeed, and whether it is in the last stage.

    None when there is no such action: an action in a stage that a condition may skip (result
    SKIP), or acting with a role or in a region of its own (its service may be another account's
    or region's), proves nothing; nor does any in a PARALLEL pipeline, whose executions deploy at
    the same time.
    """
    if declaration.get("executionMode") == "PARALLEL":
        return None, False
    stages = declaration.get("stages", [])
    for index in reversed(range(len(stages))):
        if _may_be_skipped(stages[index]):
            continue
        actions = sorted(stages[index].get("actions", []), key=lambda a: a.get("runOrder", 1), reverse=True)
        for action in actions:
            kind = action.get("actionTypeId", {})
            configuration = action.get("configuration", {})
            if ((kind.get("owner"), kind.get("category"), kind.get("provider")) != ("AWS", "Deploy", "ECS")
                    or not configuration.get("ServiceName") or action.get("roleArn")
                    or action.get("region", region) != region):
                continue
            names = configuration.get("ClusterName") or "default", configuration["ServiceName"]
            return names, index == len(stages) - 1
    return None, False


def _may_be_skipped(stage: dict) -> bool:
    conditions = [c for key in ("beforeEntry", "onSuccess", "onFailure")
                  for c in stage.get(key, {}).get("conditions", [])]
    return stage.get("onFailure", {}).get("result") == "SKIP" or any(
        c.get("result") == "SKIP" for c in conditions)


class DeployService:
    """The ECS service an Amazon ECS deploy action of the pipeline deploys to (`ecs_deploy`), and
    how far the execution's deployment of it got — the deployment created since the execution
    started (without a start time: one that was not PRIMARY at the first look).

    The service comes from the pipeline's declaration, read once. Reading the service proves
    something only while that deployment's tasks have not run yet, and only if its target group's
    soonest-healthy span is longer than the polling interval (`follow_from`): a shorter one cannot
    spare a single look.
    """

    def __init__(self, tally: Tally, pipeline: str, follow_from: float):
        self.tally, self.pipeline, self.follow_from = tally, pipeline, follow_from
        self.health = HealthChecks(tally)
        self.declared = False
        self.stages: tuple[str, ...] = ()  # the stages' names, in order
        self.names: tuple[str, str] | None = None
        self.last_stage = False  # its action is in the last stage: once it settled, success is near
        self.groups: tuple[str, ...] = ()
        self.before: str | None = None
        self.read = False
        self.pointless = False  # its health checks are too short to be worth following
        self.ran = False  # the execution's deployment ran: reading it proves nothing more

    @property
    def followed(self) -> bool:
        """Reading the service may still prove something."""
        return self.names is not None and not self.pointless and not self.ran

    def declare(self) -> None:
        """Read the pipeline's declaration: which service to follow, if any."""
        self.declared = True
        try:
            declaration = self.tally.client("codepipeline").get_pipeline(name=self.pipeline)["pipeline"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            return  # the verdict never rests on it: the wait then polls
        self.stages = tuple(str(s.get("name")) for s in declaration.get("stages", []))
        if not self.tally.gap("ecs"):
            self.names, self.last_stage = ecs_deploy(declaration, self.tally.target.region)

    def soonest_healthy(self) -> float:
        """The target group's soonest-healthy span: no deployment of the service ends sooner."""
        return self.health.soonest_healthy(self.groups)

    def progress(self, started: datetime | None) -> Progress | None:
        """None when there is no ECS service to follow (after all)."""
        try:
            described = self._describe()
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            described = None  # the verdict never rests on it: the wait then polls
        if described is None:
            self.names = None
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
        if self.names is None:
            return None
        first, self.read = not self.read, True
        cluster, service = self.names
        answer = self.tally.client("ecs").describe_services(cluster=cluster, services=[service])
        described = next((s for s in answer.get("services", []) if s.get("status") == "ACTIVE"), None)
        if described is None:
            return None
        self.groups = target_groups(described)
        if first:
            self.before = next((d.get("id") for d in described.get("deployments", [])
                                if d.get("status") == "PRIMARY"), None)
            self.pointless = self.soonest_healthy() <= self.follow_from
        return answer, described


class Following(Probe):
    """The execution's status (the verdict's only source) and, while it runs, how far the
    deployment of an ECS deploy action it must pass got.

    Polled, each look makes one read, the status or the service in turn while reading the service
    proves something (`DeployService.followed`), and the status too when the service shows the
    deployment settled: success may be there. The look after the one that found the execution
    also reads the declaration, once; the first look at the service its target groups, once.
    With an event source, looks are few: a look an event woke reads the status, any other one the
    service too.
    """

    def __init__(self, target: Target, pipeline: str, commit: str, execution_id: str | None, *,
                 listening: Callable[[], bool], follow_from: float):
        super().__init__(target, pipeline, commit, execution_id)
        self.deploy = DeployService(self.tally, pipeline, follow_from)
        self.listening = listening
        self.service_next = False
        self.was_woken = False
        self.succeeded: set[str] = set()  # the stages events said succeeded
        self.last = Execution(None, "NotStarted")  # what the last look made of the execution

    def woken(self, event: dict) -> None:
        self.was_woken = True
        detail = event.get("detail", {})
        if event.get("detail-type") in events_mod.PIPELINE_PARTS and detail.get("state") == "SUCCEEDED":
            self.succeeded.add(str(detail.get("stage")))

    def __call__(self) -> Execution:
        woken, self.was_woken = self.was_woken, False
        if self.execution_id is None:
            self.last = super().__call__()
        elif self.listening():
            self.last = self._listened(woken)
        else:
            self.last = self._polled()
        return self.last

    def _polled(self) -> Execution:
        if self.service_next and self.deploy.followed:
            self.service_next = False
            seen = self._progress()
            if seen.deploy in (DEPLOY_STARTING, DEPLOY_TASKS_RUNNING):
                return seen  # not settled: the execution cannot have succeeded
            self.last = seen
        self.service_next = True
        return self._status()

    def _listened(self, woken: bool) -> Execution:
        execution = self._status()
        stages = self.deploy.stages
        if execution.status == "InProgress" and stages and stages[-1] in self.succeeded:
            return dataclasses.replace(execution, ending=True)
        if execution.status == "InProgress" and stages[-2:-1] and stages[-2] in self.succeeded:
            execution = dataclasses.replace(execution, final_runs=True)
        if execution.status != "InProgress" or not self.deploy.followed:
            return execution
        if not self.deploy.read or not woken:
            self.last = execution
            return self._progress()
        return execution

    def _status(self) -> Execution:
        execution = super().__call__()
        if execution.status != "InProgress":
            return execution
        if not self.deploy.declared:
            self.deploy.declare()
        if self.last.deploy in (DEPLOY_TASKS_RUNNING, DEPLOY_SETTLED):
            # the new tasks ran, and still do; `registered_ago` held for the look that read it
            return dataclasses.replace(self.last, summary=execution.summary, registered_ago=None)
        # tasks seen failing may still fail
        return dataclasses.replace(execution, failing=self.last.failing)

    def _progress(self) -> Execution:
        progress = self.deploy.progress(self.started)
        if progress is None:
            return dataclasses.replace(self.last, deploy=None, registered_ago=None)
        self.deploy.ran |= progress.state in (DEPLOY_TASKS_RUNNING, DEPLOY_SETTLED)
        return dataclasses.replace(self.last, deploy=progress.state, registered_ago=progress.registered_ago,
                                   failing=progress.failing)


def _pace(deploy: DeployService):
    """Until the deployment's new tasks run, success is a soonest-healthy span away at least; once
    they run, that span from when they joined the target group; once it settled, near if its
    action is in the last stage. While its tasks fail, the execution may fail within any span."""
    def pace(execution: Execution) -> Pace:
        unread = not deploy.declared or (deploy.followed and not deploy.read)
        if (execution.execution_id is not None and unread) or execution.ending:
            return AGAIN  # the next look reads the declaration, or the service, or the end
        if execution.deploy is None:
            return Pace(near=execution.final_runs, failing=execution.failing)
        if execution.deploy == DEPLOY_STARTING:
            return Pace(quiet=deploy.soonest_healthy(), failing=execution.failing, ahead=DEPLOY_TASKS_RUNNING)
        if execution.deploy == DEPLOY_TASKS_RUNNING:
            return Pace(quiet=deploy.soonest_healthy(), since=DEPLOY_TASKS_RUNNING, near=deploy.last_stage,
                        ago=execution.registered_ago, failing=execution.failing)
        return NEAR if deploy.last_stage else STEADY
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
    schedule = policy.schedule
    if not isinstance(schedule, Paced) or target.gap("codepipeline", "GetPipeline"):
        probe: Probe = Probe(target, pipeline, commit, execution_id)
        pace = _steady
    else:
        probe = following = Following(target, pipeline, commit, execution_id,
                                      listening=lambda: listening(events), follow_from=schedule.every)
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
    return STEADY  # a windowed schedule: nothing to follow


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
