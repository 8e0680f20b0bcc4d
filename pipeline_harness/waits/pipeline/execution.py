"""The execution probe: what one look saw of the commit's execution, read from its status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import botocore.exceptions

from pipeline_harness.targets.base import Target
from pipeline_harness.waits.pipeline.commit import find_summary
from pipeline_harness.waits.tally import Tally

NO_PIPELINE = "NoSuchPipeline"  # the look's status when the pipeline is not there


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
