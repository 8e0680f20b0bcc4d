"""A second model of a release, written apart from the waits: how a push becomes a successful
pipeline execution, for pipeline shapes the lab does not have.

It knows nothing of the schedules (pipeline_harness/waits: their Pace rules, budgets, grids); its
durations come from what people report of real CodePipeline, CodeBuild, ECS and ALB runs, or are
stated below as assumptions. It shares with waits_lag.py only the names (the waits ask for them)
and the rendering of its events as the AWS documentation's samples. Seconds after the push:

- CodePipeline starts the execution 2-30 s after the push (the CodeStar connection's webhook;
  assumption). Source (CodeStarSourceConnection) takes 3-20 s; 1-5 s pass between stages
  (assumptions).
- A CodeBuild build: queued 0-3 s, provisioning around 25 s (lognormal, 10-240 s), source 2-10 s,
  the buildspec's work around 2.5 min (lognormal, 20 s-20 min), post-build, upload and finalizing
  1-6 s each — the phases of one public report (blog.kriation.com, 2021: queued 1 s,
  provisioning 24 s, download 4 s, install 13 s, pre-build 4 s, build 163 s, post-build 6 s,
  upload 5 s, finalizing 2 s), and provisioning can take minutes (masakimisawa.com: 3.5 min). The
  image's tags are pushed at the end of the BUILD phase, 0.3 s apart. CodePipeline marks the
  action done 1-10 s after the build ends (assumption).
- An Amazon ECS deploy: the service's new deployment is created 3-12 s after the action starts,
  for 1-3 tasks; each task runs 15-120 s later (Fargate placement and image pull; lognormal around
  35 s; assumption) and is registered in the target group 1-5 s after that. The ALB checks it
  every HealthCheckIntervalSeconds, the first check at a random moment of the first interval;
  checks pass once the app is up (0-20 s after the task runs), and HealthyThresholdCount passes in
  a row make it healthy. Health checks: AWS's defaults (30 s x 5), the fast settings AWS's own
  advice gives (5 s x 2, nathanpeck.com 2020, "Speeding up Amazon ECS container deployments") and
  values between. Once every new task is healthy the old ones drain: for the whole
  deregistration delay when clients keep connections open (half the runs; the ECS guide
  "Optimize load balancer connection draining": the agent waits for the target to be unused),
  else 0-3 s; the delay is 300 s (the default) with default health checks, 5 or 30 s with tuned
  ones. The old tasks stop 1-10 s after SIGTERM, the deployment is COMPLETED 1-5 s later, and
  CodePipeline's action sees it 5-60 s after that (assumption: the action's polling is not
  documented; the GitHub action's waiter polls up to 120 s apart,
  aws-actions/amazon-ecs-deploy-task-definition#756).
- A last stage of another kind after the ECS deploy: a manual approval (someone approves 30 s-30
  min later, lognormal around 3 min; assumption), a CodeBuild test stage (a build as above, its
  work around 1.5 min, 20 s-8 min), a Lambda invoke (the function reports back 1-40 s later, the
  action ends 1-5 s after). Or an S3 deploy instead of ECS (5-40 s), or no deploy at all.
- The execution turns Succeeded 0-3 s after its last action (assumption).

Each state change is an event (the harness renders them as the documentation's samples).
"""

from __future__ import annotations

import email.utils
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import botocore


@dataclass(frozen=True)
class Names:
    """What the harness calls things; the waits ask for these, the model only answers."""

    account: str
    region: str
    pipeline: str
    commit: str
    execution: str
    previous: str
    cluster: str
    service: str
    container: str
    target_group: str
    repository: str
    tags: tuple[str, ...]
    new_image: str
    old_image: str
    new_digest: str
    old_digest: str
    new_task_definition: str
    old_task_definition: str
    manifest: str  # the image's OCI index
    media_type: str
    at: datetime  # the push

    @property
    def cluster_arn(self) -> str:
        return f"arn:aws:ecs:{self.region}:{self.account}:cluster/{self.cluster}"

    @property
    def service_arn(self) -> str:
        return f"arn:aws:ecs:{self.region}:{self.account}:service/{self.cluster}/{self.service}"

    def task_arn(self, task: str) -> str:
        return f"arn:aws:ecs:{self.region}:{self.account}:task/{self.cluster}/{task}"


DEFAULT_HEALTH = ((30, 5),)
SHORT_HEALTH = ((5, 2), (10, 2), (5, 3), (6, 3), (15, 2))  # soonest healthy 5-15 s
MIXED_HEALTH = ((30, 5), (30, 3), (15, 3), (10, 3), (10, 2), (5, 2))


# a last stage of another kind: (stage, category, provider)
LAST_STAGES = {"approval": ("Approval", "Approval", "Manual"), "test": ("Test", "Test", "CodeBuild"),
               "invoke": ("Invoke", "Invoke", "Lambda"), "s3": ("Deploy", "Deploy", "S3")}


@dataclass(frozen=True)
class Shape:
    """A pipeline: whether it deploys to ECS, what its last stage is, its target group's checks."""

    name: str
    ecs: bool
    last: str | None  # "approval" | "test" | "invoke" | "s3" | None (Source and Build only)
    health: tuple[tuple[int, int], ...] = ()


SHAPES = (
    Shape("ECS deploy, then a manual approval; default health checks", True, "approval", DEFAULT_HEALTH),
    Shape("ECS deploy, then a manual approval; health checks below 20 s", True, "approval", SHORT_HEALTH),
    Shape("ECS deploy, then a CodeBuild test stage; mixed health checks", True, "test", MIXED_HEALTH),
    Shape("ECS deploy, then a Lambda invoke; health checks below 20 s", True, "invoke", SHORT_HEALTH),
    Shape("ECS deploy last; health checks below 20 s", True, None, SHORT_HEALTH),
    Shape("S3 deploy, no ECS", False, "s3"),
    Shape("Source and Build only", False, None),
)


def _lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> float:
    return min(high, max(low, median * math.exp(rng.gauss(0, sigma))))


@dataclass(frozen=True)
class Build:
    """One CodeBuild build: when its BUILD phase ends (the tags are pushed) and CodePipeline sees it."""

    work_ends: float
    noticed: float

    @classmethod
    def draw(cls, rng: random.Random, start: float, work_median: float,
             work_range: tuple[float, float]) -> Build:
        u = rng.uniform
        work_ends = (start + u(0, 3) + _lognormal(rng, 25, 0.5, 10, 240) + u(2, 10)
                     + _lognormal(rng, work_median, 0.7, *work_range))
        return cls(work_ends, work_ends + u(1, 6) + u(1, 6) + u(1, 6) + u(1, 10))


@dataclass(frozen=True)
class Task:
    running: float
    registered: float
    healthy: float


@dataclass
class Release:
    """One push-to-succeeded timeline of a pipeline of some shape, and what AWS answers along it."""

    names: Names
    shape: Shape
    started: float  # the execution
    stages: list[tuple[str, str, str, float, float]]  # (stage, category, provider, begins, ends)
    pushed: float  # the image's first tag
    done: float  # the execution Succeeded
    interval: int = 30
    threshold: int = 5
    created: float = math.inf  # the ECS deployment
    tasks: tuple[Task, ...] = ()
    old_stopped: float = math.inf
    completed: float = math.inf
    events: list[tuple[float, str, dict]] = field(default_factory=list)  # (when, sample, detail)

    @classmethod
    def draw(cls, rng: random.Random, shape: Shape, names: Names) -> Release:
        u = rng.uniform
        started = u(2, 30)
        source_ends = started + u(3, 20)
        build = Build.draw(rng, source_ends + u(1, 5), 150, (20, 1200))
        stages = [("Source", "Source", "CodeStarSourceConnection", started, source_ends),
                  ("Build", "Build", "CodeBuild", source_ends, build.noticed)]
        release = cls(names, shape, started, stages, build.work_ends, math.inf)
        ends = build.noticed
        if shape.ecs:
            ends = release._deploy_to_ecs(rng, ends + u(1, 5))
        last = LAST_STAGES.get(shape.last or "")
        if last is not None:
            begins = ends + u(1, 5)
            ends = begins + release._last_stage(rng, shape.last or "", begins)
            stages.append((*last, begins, ends))
        release.done = ends + u(0, 3)
        release.events = release._events()
        return release

    def _deploy_to_ecs(self, rng: random.Random, begins: float) -> float:
        u = rng.uniform
        self.interval, self.threshold = rng.choice(self.shape.health)
        self.created = begins + u(3, 12)
        tasks = []
        for _ in range(rng.choice((1, 2, 3))):
            running = self.created + _lognormal(rng, 35, 0.5, 15, 120)
            registered = running + u(1, 5)
            first_check = registered + u(0, self.interval)
            up = running + u(0, 20)
            failing_checks = max(0, math.ceil((up - first_check) / self.interval))
            tasks.append(Task(running, registered,
                              first_check + (failing_checks + self.threshold - 1) * self.interval))
        self.tasks = tuple(sorted(tasks, key=lambda t: t.running))
        delay = 300 if self.shape.health == DEFAULT_HEALTH else rng.choice((5, 30))
        drained = delay if rng.random() < 0.5 else u(0, 3)
        self.old_stopped = max(t.healthy for t in self.tasks) + drained + u(1, 10)
        self.completed = self.old_stopped + u(1, 5)
        ends = self.completed + u(5, 60)
        self.stages.append(("Deploy", "Deploy", "ECS", begins, ends))
        return ends

    def _last_stage(self, rng: random.Random, kind: str, begins: float) -> float:
        u = rng.uniform
        if kind == "approval":
            return _lognormal(rng, 180, 1.0, 30, 1800) + u(1, 3)
        if kind == "test":
            return Build.draw(rng, begins, 90, (20, 480)).noticed - begins
        if kind == "invoke":
            return u(1, 40) + u(1, 5)
        return u(5, 40)  # s3

    def tag_pushed(self, index: int) -> float:
        return self.pushed + 0.3 * index

    @property
    def tags_pushed(self) -> float:
        return self.tag_pushed(len(self.names.tags) - 1)

    # --- what happened, as events -----------------------------------------------------------------
    def _events(self) -> list[tuple[float, str, dict]]:
        names = self.names
        said: list[tuple[float, str, dict]] = [(self.started, "codepipeline-pipeline-succeeded",
                                                {"state": "STARTED"})]
        for stage, category, provider, _, ends in self.stages:
            kind = {"owner": "AWS", "category": category, "provider": provider, "version": "1"}
            said += [(ends, "codepipeline-action-succeeded",
                      {"stage": stage, "action": stage, "state": "SUCCEEDED", "type": kind}),
                     (ends, "codepipeline-stage-stopped", {"stage": stage, "state": "SUCCEEDED"})]
        said.append((self.done, "codepipeline-pipeline-succeeded", {"state": "SUCCEEDED"}))
        said += [(self.tag_pushed(i), "ecr-image-push",
                  {"repository-name": names.repository, "image-tag": tag, "image-digest": names.new_digest})
                 for i, tag in enumerate(names.tags)]
        if self.shape.ecs:
            said.append((self.created, "ecs-deployment-in-progress", {"deploymentId": "ecs-svc/8"}))
            said += [(t.running, "ecs-task-state-change", self._task(f"new-{i}", "RUNNING"))
                     for i, t in enumerate(self.tasks)]
            said += [(self.old_stopped, "ecs-task-state-change", self._task(f"old-{i}", "STOPPED"))
                     for i in range(2)]
            said += [(self.completed, "ecs-deployment-completed", {"deploymentId": "ecs-svc/8"}),
                     (self.completed, "ecs-service-steady-state", {"clusterArn": names.cluster_arn})]
        return sorted(said, key=lambda e: e[0])

    def _task(self, task: str, status: str) -> dict:
        detail = {"clusterArn": self.names.cluster_arn, "group": f"service:{self.names.service}",
                  "taskArn": self.names.task_arn(task), "lastStatus": status}
        return {**detail, "desiredStatus": "STOPPED"} if status == "STOPPED" else detail

    # --- what AWS answers ---------------------------------------------------------------------------
    def answer(self, operation: str, params: dict, now: float) -> dict:
        return getattr(self, "_" + botocore.xform_name(operation))(params, now)

    def _time(self, seconds: float) -> datetime:
        return self.names.at + timedelta(seconds=seconds)

    def _status(self, now: float) -> str:
        return "Succeeded" if now >= self.done else "InProgress"

    def _list_pipeline_executions(self, params: dict, now: float) -> dict:
        names = self.names

        def summary(execution: str, revision: str, started: float, status: str) -> dict:
            return {"pipelineExecutionId": execution, "status": status, "startTime": self._time(started),
                    "sourceRevisions": [{"actionName": "Source", "revisionId": revision}]}
        listed = [summary(names.previous, "1a2b3c4" + "0" * 33, -7200, "Succeeded")]
        if now >= self.started:
            ours = summary(names.execution, names.commit + "0" * 33, self.started, self._status(now))
            listed.insert(0, ours)
        return {"pipelineExecutionSummaries": listed}

    def _get_pipeline_execution(self, params: dict, now: float) -> dict:
        return {"pipelineExecution": {"pipelineExecutionId": self.names.execution,
                                      "pipelineName": self.names.pipeline, "status": self._status(now)}}

    def _get_pipeline(self, params: dict, now: float) -> dict:
        names = self.names

        def stage(name: str, category: str, provider: str) -> dict:
            configuration = {"ClusterName": names.cluster, "ServiceName": names.service,
                             "FileName": "imagedefinitions.json"} if provider == "ECS" else {}
            kind = {"category": category, "owner": "AWS", "provider": provider, "version": "1"}
            return {"name": name, "actions": [{"name": name, "actionTypeId": kind, "runOrder": 1,
                                               "configuration": configuration}]}
        return {"pipeline": {
            "name": names.pipeline, "roleArn": f"arn:aws:iam::{names.account}:role/pipeline-service-role",
            "artifactStore": {"type": "S3", "location": f"pipeline-artifacts-{names.account}"},
            "pipelineType": "V2", "executionMode": "QUEUED",
            "stages": [stage(name, category, provider) for name, category, provider, _, _ in self.stages]}}

    def _get_pipeline_state(self, params: dict, now: float) -> dict:
        def stage(name: str, begins: float, ends: float) -> dict:
            if now < begins:
                return {"stageName": name, "latestExecution": {"pipelineExecutionId": self.names.previous,
                                                               "status": "Succeeded"}}
            status = "InProgress" if now < ends else "Succeeded"
            return {"stageName": name, "latestExecution": {"pipelineExecutionId": self.names.execution,
                                                           "status": status}}
        return {"pipelineName": self.names.pipeline,
                "stageStates": [stage(name, begins, ends) for name, _, _, begins, ends in self.stages]}

    # --- ECR ----------------------------------------------------------------------------------------
    def _batch_get_image(self, params: dict, now: float) -> dict:
        names, images, failures = self.names, [], []
        for wanted in params["imageIds"]:
            tag = wanted["imageTag"]
            index = names.tags.index(tag) if tag in names.tags else None
            new = index is not None and now >= self.tag_pushed(index)
            digest = names.new_digest if new else (names.old_digest if tag == "latest" else None)
            if digest is None:
                failures.append({"imageId": wanted, "failureCode": "ImageNotFound",
                                 "failureReason": "Requested image not found"})
            else:
                images.append({"imageId": {"imageDigest": digest, "imageTag": tag},
                               "imageManifest": names.manifest, "imageManifestMediaType": names.media_type})
        return {"images": images, "failures": failures}

    # --- ECS ----------------------------------------------------------------------------------------
    def _deployments(self, now: float) -> list[dict]:
        names = self.names

        def deployment(did: str, status: str, task_definition: str, state: str, desired: int, running: int,
                       created: float) -> dict:
            return {"id": did, "status": status, "taskDefinition": task_definition, "desiredCount": desired,
                    "runningCount": running, "pendingCount": desired - running, "rolloutState": state,
                    "createdAt": self._time(created), "failedTasks": 0}
        old = deployment("ecs-svc/7", "PRIMARY", names.old_task_definition, "COMPLETED", 2, 2, -7200)
        if now < self.created:
            return [old]
        desired = len(self.tasks)
        running = sum(t.running <= now for t in self.tasks)
        state = "COMPLETED" if now >= self.completed else "IN_PROGRESS"
        new = deployment("ecs-svc/8", "PRIMARY", names.new_task_definition, state, desired, running,
                         self.created)
        return [new] if now >= self.old_stopped else [new, {**old, "status": "ACTIVE"}]

    def _service_events(self, now: float) -> list[dict]:
        group = f"(target-group {self.names.target_group})"
        said = [(-7000, "has reached a steady state."),
                (self.created + 1, f"has started {len(self.tasks)} tasks.")]
        said += [(t.registered, f"registered 1 targets in {group}") for t in self.tasks]
        said += [(self.old_stopped - 1, f"deregistered 2 targets in {group}"),
                 (self.completed, "(deployment ecs-svc/8) deployment completed."),
                 (self.completed, "has reached a steady state.")]
        shown = sorted(((t, m) for t, m in said if t <= now), reverse=True)
        return [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{t}{m}")), "createdAt": self._time(t),
                 "message": f"(service {self.names.service}) {m}"} for t, m in shown]

    def _describe_services(self, params: dict, now: float) -> dict:
        names = self.names
        return {"services": [{
            "serviceName": names.service, "serviceArn": names.service_arn, "clusterArn": names.cluster_arn,
            "status": "ACTIVE", "desiredCount": len(self.tasks) or 2, "runningCount": len(self.tasks) or 2,
            "loadBalancers": [{"targetGroupArn": names.target_group, "containerName": names.container,
                               "containerPort": 80}],
            "deployments": self._deployments(now), "events": self._service_events(now)}],
            "failures": [], "ResponseMetadata": self._dated(now)}

    def _dated(self, now: float) -> dict:
        date = email.utils.format_datetime(self._time(int(now)), usegmt=True)
        return {"HTTPStatusCode": 200, "HTTPHeaders": {"date": date}}

    def _describe_task_definition(self, params: dict, now: float) -> dict:
        new = params["taskDefinition"] == self.names.new_task_definition
        return {"taskDefinition": {"taskDefinitionArn": params["taskDefinition"], "containerDefinitions": [
            {"name": self.names.container, "image": self.names.new_image if new else self.names.old_image}]}}

    def _running_tasks(self, now: float) -> list[tuple[str, str]]:
        new = [(f"new-{i}", self.names.new_image) for i, t in enumerate(self.tasks) if t.running <= now]
        old = [] if now >= self.old_stopped else [(f"old-{i}", self.names.old_image) for i in range(2)]
        return new + old

    def _list_tasks(self, params: dict, now: float) -> dict:
        return {"taskArns": [self.names.task_arn(task) for task, _ in self._running_tasks(now)]}

    def _describe_tasks(self, params: dict, now: float) -> dict:
        images = {self.names.task_arn(task): image for task, image in self._running_tasks(now)}
        return {"tasks": [{"taskArn": arn, "lastStatus": "RUNNING",
                           "containers": [{"name": self.names.container, "image": images.get(arn, "")}]}
                          for arn in params["tasks"]], "failures": []}

    def _list_service_deployments(self, params: dict, now: float) -> dict:
        return {"serviceDeployments": []}  # nothing was rolled back

    def _describe_target_groups(self, params: dict, now: float) -> dict:
        return {"TargetGroups": [{"TargetGroupArn": self.names.target_group,
                                  "HealthCheckIntervalSeconds": self.interval,
                                  "HealthyThresholdCount": self.threshold}]}

