"""The probe that follows, while the execution runs, the ECS deployment it must pass (deploy.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from pipeline_harness.targets.base import Target
from pipeline_harness.waits import events as events_mod
from pipeline_harness.waits.pipeline.deploy import (
    DEPLOY_SETTLED,
    DEPLOY_STARTING,
    DEPLOY_TASKS_RUNNING,
    DeployService,
)
from pipeline_harness.waits.pipeline.execution import Execution, Probe


class Following(Probe):
    """The execution's status (the verdict's only source) and, while it runs, how far the
    deployment of an ECS deploy action it must pass got.

    Polled, each look makes one read, the status or the service in turn while reading the service
    proves something (`DeployService.followed`), and the status too when the service shows the
    deployment settled: success may be there. The look after the one that found the execution
    also reads the declaration, once (not when starting the execution read it); the first look at
    the service its target groups, once. With an event source, looks are few: a look an event
    woke reads the status, any other one the service too.
    """

    def __init__(self, target: Target, pipeline: str, commit: str, execution_id: str | None, *,
                 listening: Callable[[], bool], follow_from: float, declaration: dict | None = None):
        super().__init__(target, pipeline, commit, execution_id)
        self.deploy = DeployService(self.tally, pipeline, follow_from, declaration)
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
