"""Wait for the pipeline execution of a commit until every stage Succeeded, or explain why not.

Polled, the wait reads the execution's status at every instant 15 s polling would (the policy's
grid, schedules.py), unless what it read proves that success cannot be there yet. Once the
execution runs, it reads the pipeline's declaration once: an Amazon ECS deploy action in any stage
(the tutorial's Deploy, the last one) needs its deployment's tasks to pass the target group's
health checks, which take at least (healthy threshold − 1) × interval once they registered
(health_checks.py) — so the execution cannot succeed sooner than that, whichever stage it is in.
A look at that service instead of the status proves as much for its own moment while the
deployment has not settled. A pipeline without such an action is polled as 15 s polling is.

One module per job: finding the commit's execution (commit.py), the execution probe
(execution.py), the ECS deploy it must pass (deploy.py) and the probe that follows it
(following.py), the pace (pace.py), the acceptors and the wait itself (wait.py), stage durations
(durations.py), explaining a failure (failure.py). The public names are here.
"""

from pipeline_harness.waits.pipeline.commit import check_commit, start_execution
from pipeline_harness.waits.pipeline.durations import stage_durations
from pipeline_harness.waits.pipeline.execution import Execution
from pipeline_harness.waits.pipeline.failure import explain_failure
from pipeline_harness.waits.pipeline.wait import (
    ACCEPTORS,
    DECLARED,
    HINT,
    PIPELINE,
    PipelineRun,
    pipeline_wait,
    wait_for_pipeline,
)

__all__ = ["ACCEPTORS", "DECLARED", "HINT", "PIPELINE", "Execution", "PipelineRun", "check_commit",
           "explain_failure", "pipeline_wait", "stage_durations", "start_execution", "wait_for_pipeline"]
