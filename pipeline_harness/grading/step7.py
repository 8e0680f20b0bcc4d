"""Step 7 as checks that read and do not wait: each runs its wait's probe once and judges the one
observation with that wait's acceptors — the same reads and verdicts as `pipeline-harness wait`.

A verdict the acceptors would still wait on (an execution in progress, a rollout not finished) is
a fail here: a grade is a snapshot.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from pipeline_harness import diagnosis
from pipeline_harness.context import Context
from pipeline_harness.errors import HarnessError, Unsupported
from pipeline_harness.steps.base import MISSING, Check, CheckResult
from pipeline_harness.waits import deployments, ecr_tags, http, pipeline, rollout
from pipeline_harness.waits.addresses import PUBLIC, PUBLIC_OR_LOOPBACK
from pipeline_harness.waits.fetch import Fetched
from pipeline_harness.waits.model import FAILURE, SUCCESS, Wait, decide

STEP = 7
COMMIT_TAG = re.compile(r"(?=.*[a-f])[0-9a-f]{7,40}")  # the buildspec's 7-character commit hash
BUILD_TAG = re.compile(r"[0-9]+")  # $CODEBUILD_BUILD_NUMBER
# the IAM actions of its reads: its own, and those of the waits' probes it runs once each
READS = ("codepipeline:ListPipelineExecutions", "codepipeline:GetPipelineExecution",
         "codepipeline:GetPipelineState", "codebuild:BatchGetBuilds", "logs:GetLogEvents",
         "ecr:DescribeImages", "ecr:BatchGetImage", "ecs:DescribeServices", "ecs:DescribeTaskDefinition",
         "ecs:ListTasks", "ecs:DescribeTasks", *deployments.READS,
         "elasticloadbalancing:DescribeLoadBalancers")


def _workloads(ctx: Context) -> None:
    """Tasks and traffic are what the target must run; an emulator may only model the API."""
    # pending a Quirks field in targets/base.py (see the grading report to the lead)
    reason = ctx.target.quirks.runs_no_workloads
    if reason:
        raise Unsupported(f"{ctx.target.name}: {reason}")


# --- the latest pipeline execution ----------------------------------------------------------------

def read_latest(ctx: Context):
    """The summary of the pipeline's latest execution (MISSING: no pipeline, or it never ran)."""
    client = ctx.client("codepipeline")
    try:
        latest = client.list_pipeline_executions(pipelineName=ctx.names.pipeline,
                                                 maxResults=1)["pipelineExecutionSummaries"]
    except client.exceptions.PipelineNotFoundException:
        return MISSING
    return latest[0] if latest else MISSING


def read_execution(ctx: Context):
    latest = ctx.read(read_latest)
    if latest is MISSING:
        return MISSING
    revisions: list[dict] = latest.get("sourceRevisions", [])
    revision = revisions[0].get("revisionId", "") if revisions else ""
    look = pipeline.Probe(ctx.target, ctx.names.pipeline, revision, latest["pipelineExecutionId"])
    return look()


def _state(verdict) -> str | None:
    """An acceptor's state; None where the wait would keep waiting (a snapshot's fail)."""
    return verdict.state if verdict else None


def _described(verdict) -> str:
    return verdict.description if verdict else "not finished"


def _judge_execution(execution: pipeline.Execution, ctx: Context):
    verdict = decide(pipeline.ACCEPTORS, execution)
    return _state(verdict) == SUCCESS, "the latest execution: every stage Succeeded", (
        f"{execution} — {_described(verdict)}")


def _explain_execution(execution: pipeline.Execution, ctx: Context) -> str | None:
    if _state(decide(pipeline.ACCEPTORS, execution)) != FAILURE:
        return None
    return pipeline.explain_failure(ctx.target, ctx.names.pipeline, execution)


# --- ECR: one multi-arch image tagged commit hash, latest and build number -------------------------

@dataclass(frozen=True)
class Pushed:
    """The image tagged `latest`, its commit-hash and build-number tags, and the probe's look."""

    digest: str
    commit: str | None
    build: str | None
    tagged: ecr_tags.Tagged

    def __str__(self) -> str:
        return f"{self.tagged}" + (f"; no {' or '.join(self.absent)} tag" if self.absent else "")

    @property
    def absent(self) -> list[str]:
        return [kind for kind, tag in (("commit-hash", self.commit), ("build-number", self.build))
                if tag is None]


def read_pushed(ctx: Context):
    client, repository = ctx.client("ecr"), ctx.names.ecr_repository
    try:
        details = client.describe_images(repositoryName=repository,
                                         imageIds=[{"imageTag": "latest"}])["imageDetails"]
    except (client.exceptions.RepositoryNotFoundException, client.exceptions.ImageNotFoundException):
        return MISSING
    tags = details[0].get("imageTags", [])
    commit = next((t for t in tags if COMMIT_TAG.fullmatch(t)), None)
    build = next((t for t in tags if BUILD_TAG.fullmatch(t)), None)
    wanted = tuple(t for t in (commit, "latest", build) if t)
    tagged = ecr_tags.ecr_tags_wait(ctx.target, repository, wanted).probe()
    return Pushed(details[0]["imageDigest"], commit, build, tagged)


def _judge_pushed(pushed: Pushed, ctx: Context):
    verdict = decide(ecr_tags.ACCEPTORS, pushed.tagged)
    expected = "one multi-arch image (linux/amd64, linux/arm64) tagged commit hash, latest and build number"
    if pushed.absent:
        return False, expected, str(pushed)
    return _state(verdict) == SUCCESS, expected, f"{pushed} — {_described(verdict)}"


# --- ECS: the pipeline's image rolled out --------------------------------------------------------

def pipeline_image(ctx: Context) -> str:
    """What imagedefinitions.json names (uri:commit), else the digest `latest` points at."""
    pushed = ctx.read(read_pushed)
    if pushed is MISSING:
        return f"{ctx.names.repository_uri}:latest"
    return f"{ctx.names.repository_uri}:{pushed.commit}" if pushed.commit else pushed.digest


def _rollout(ctx: Context) -> Wait:
    return rollout.rollout_wait(ctx.target, ctx.names.cluster, ctx.names.service,
                                pipeline_image(ctx), container=ctx.settings.container)


def read_rollout(ctx: Context):
    _workloads(ctx)
    ecs = ctx.client("ecs")
    try:
        view = _rollout(ctx).probe()
    except ecs.exceptions.ClusterNotFoundException:
        return MISSING
    return MISSING if view.service_status is None else view


def _judge_rollout(view: rollout.RolloutView, ctx: Context):
    verdict = decide(_rollout(ctx).acceptors, view)
    shown = f"{view} — {verdict.description}" if verdict else f"{view} — not finished"
    return bool(verdict and verdict.state == SUCCESS), (
        f"PRIMARY deployment COMPLETED, running == desired, every task on {pipeline_image(ctx)}"), shown


def _explain_rollout(view: rollout.RolloutView, ctx: Context) -> str | None:
    wait = _rollout(ctx)
    verdict = decide(wait.acceptors, view)
    why = verdict.description if verdict and verdict.state == FAILURE else None
    events = wait.explain(view) if wait.explain else None
    return "; ".join(p for p in (why, events, wait.hint) if p) or None


# --- the app behind the ALB -----------------------------------------------------------------------
# The student serves what answers there: one bounded GET (waits/fetch.py), to a load balancer a
# browser can reach, at addresses the target allows — never a redirect, never another host.

INTERNET_FACING = "internet-facing"  # the tutorial opens http://<alb-dns> in a browser
DNS_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


@dataclass(frozen=True)
class Reply:
    """The app's answer at the load balancer's URL, or why it was not asked."""

    url: str
    fetched: Fetched | None
    not_read: str = ""

    def __str__(self) -> str:
        return f"{self.url}: {self.fetched}" if self.fetched else f"{self.url}: not read ({self.not_read})"


def read_app(ctx: Context):
    _workloads(ctx)
    elbv2 = ctx.client("elbv2")
    try:
        lb = elbv2.describe_load_balancers(Names=[ctx.names.load_balancer])["LoadBalancers"][0]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        return MISSING
    dns, scheme = lb.get("DNSName", ""), lb.get("Scheme")
    if not DNS_NAME.fullmatch(dns):
        return Reply(f"http://{dns[:80]!r}/", None, "the load balancer's DNSName is not a DNS name")
    url = f"http://{dns}/"
    if scheme != INTERNET_FACING:
        return Reply(url, None, f"the load balancer's scheme is {scheme or 'not given'}, not "
                                f"{INTERNET_FACING}: a browser cannot reach it")
    addresses = PUBLIC_OR_LOOPBACK if ctx.target.quirks.load_balancers_on_loopback else PUBLIC
    return Reply(url, http.http_wait(url, "", consecutive=1, addresses=addresses).probe().fetched)


def _judge_app(reply: Reply, ctx: Context):
    ok = reply.fetched is not None and reply.fetched.complete and reply.fetched.status == 200
    return ok, f"HTTP 200 from {reply.url}", str(reply)


CHECKS = [
    Check("pipeline.latest-execution", STEP, "All pipeline stages show Succeeded",
          pipeline.HINT, read_execution, _judge_execution,
          (("codepipeline", "ListPipelineExecutions"), ("codepipeline", "GetPipelineExecution"))),
    Check("ecr.pushed-image", STEP, "New images in ECR with multiple tags",
          ecr_tags.HINT, read_pushed, _judge_pushed, (("ecr", None),)),
    Check("ecs.rollout", STEP, "ECS deployment completed, new tasks on the new image",
          diagnosis.OLD_IMAGE_RUNNING.describe(), read_rollout, _judge_rollout,
          (("ecs", None),)),
    Check("app.http", STEP, "Application accessible via the ALB",
          http.HINT, read_app, _judge_app, (("elbv2", None),)),
]

_Explained = tuple[Callable[[Context], Any], Callable[[Any, Context], "str | None"]]
_EXPLAIN: dict[str, _Explained] = {"pipeline.latest-execution": (read_execution, _explain_execution),
                                   "ecs.rollout": (read_rollout, _explain_rollout)}


def diagnose(result: CheckResult, ctx: Context) -> CheckResult:
    """A failed Step 7 check's hint becomes the diagnosis of what the read saw, where there is one."""
    if result.status != "fail" or result.id not in _EXPLAIN:
        return result
    read, explain = _EXPLAIN[result.id]
    try:
        seen = ctx.read(read)
        hint = explain(seen, ctx) if seen is not MISSING else None
    except (HarnessError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
        return result  # the verdict stands; the tutorial's hint is kept when details can't be read
    return dataclasses.replace(result, hint=hint) if hint else result
