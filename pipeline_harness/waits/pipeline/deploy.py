"""The Amazon ECS deploy action the execution must pass, read from the pipeline's declaration, and
how far the execution's deployment of its service got.

Its new tasks must pass the target group's health checks, which take at least (healthy threshold
− 1) × interval once they registered (health_checks.py): the execution cannot succeed sooner than
that, whichever stage the action is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline_harness.core.errors import AWS_ERRORS
from pipeline_harness.waits import deployments as deployments_mod
from pipeline_harness.waits.health_checks import HealthChecks, registered_ago, target_groups
from pipeline_harness.waits.tally import Tally

# how far the execution's ECS deployment got
DEPLOY_STARTING, DEPLOY_TASKS_RUNNING, DEPLOY_SETTLED = "starting", "new tasks running", "settled"


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

    The service comes from the pipeline's declaration, read once — not at all when starting the
    execution read it (`declaration`) — and kept for explaining a failure. Reading the service
    proves something only while that deployment's tasks have not run yet, and only if its target
    group's soonest-healthy span is longer than the polling interval (`follow_from`): a shorter one
    cannot spare a single look.
    """

    def __init__(self, tally: Tally, pipeline: str, follow_from: float, declaration: dict | None = None):
        self.tally, self.pipeline, self.follow_from = tally, pipeline, follow_from
        self.health = HealthChecks(tally)
        self.declaration = declaration  # the pipeline's, once someone read it
        self.declared = False
        self.stages: tuple[str, ...] = ()  # the stages' names, in order
        self.names: tuple[str, str] | None = None
        self.last_stage = False  # its action is in the last stage: near once its tasks' span is over
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
        if self.declaration is None:
            try:
                read = self.tally.client("codepipeline").get_pipeline(name=self.pipeline)
            except AWS_ERRORS:
                return  # the verdict never rests on it: the wait then polls
            self.declaration = read["pipeline"]
        declaration = self.declaration
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
        except AWS_ERRORS:
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
