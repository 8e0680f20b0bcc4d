"""The pipeline wait's pace: what a look at the execution (and its deployment) proves about when
success can come."""

from __future__ import annotations

from collections.abc import Callable

from pipeline_harness.waits.pipeline.deploy import DEPLOY_STARTING, DEPLOY_TASKS_RUNNING, DeployService
from pipeline_harness.waits.pipeline.execution import Execution
from pipeline_harness.waits.schedules import AGAIN, NEAR, STEADY, Pace


def steady(execution: Execution) -> Pace:
    """A windowed schedule's pace: nothing to follow."""
    return STEADY


def pace_of(deploy: DeployService) -> Callable[[Execution], Pace]:
    """Until the deployment's new tasks run, success is a soonest-healthy span away at least; once
    a look saw them running, that span from when they joined the target group, and after it near
    if its action is in the last stage (at once if that look saw the deployment settled): the
    service is not read again (`DeployService.ran`), so its settling is never waited for. While
    its tasks fail, the execution may fail within any span."""
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
