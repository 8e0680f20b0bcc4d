"""The pipeline wait: its acceptors, built from the probe and pace that fit its policy, and run."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline_harness.targets.base import Target
from pipeline_harness.waits import events as events_mod
from pipeline_harness.waits.declared import Asked, Declared, Option
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
from pipeline_harness.waits.pipeline.commit import check_commit, start_execution
from pipeline_harness.waits.pipeline.durations import stage_durations
from pipeline_harness.waits.pipeline.execution import NO_PIPELINE, Execution, Probe
from pipeline_harness.waits.pipeline.failure import explain_failure
from pipeline_harness.waits.pipeline.following import Following
from pipeline_harness.waits.pipeline.pace import pace_of, steady
from pipeline_harness.waits.schedules import PIPELINE, Clock, Pace, Paced, Policy, Sleep

ENDED_BADLY = frozenset({"Failed", "Stopped", "Stopping", "Superseded", "Cancelled"})
HINT = ("Build stage takes 3-5 minutes, Deploy stage 1-2 minutes; if any stage fails, click "
        "Details to see error messages (tutorial Step 7)")


@dataclass(frozen=True)
class PipelineRun:
    """A wait that succeeded: its outcome, the execution, how long each of its stages took."""

    outcome: Outcome
    execution_id: str
    stage_durations: dict[str, float] = field(default_factory=dict)
    durations_note: str = ""


ACCEPTORS = (
    Acceptor(FAILURE, lambda e: e.status == NO_PIPELINE,
             "there is no pipeline of that name in this account and region — check the name "
             "(--name, or the config's prefix) and --region"),
    Acceptor(SUCCESS, lambda e: e.status == "Succeeded", "every stage Succeeded"),
    Acceptor(FAILURE, lambda e: e.status in ENDED_BADLY, "the execution did not succeed"),
    Acceptor(RETRY, lambda e: True, "still running"),
)


def pipeline_wait(target: Target, pipeline: str, commit: str, *, start: bool = False,
                  policy: Policy = PIPELINE, events: EventSource | None = None) -> Wait:
    """The wait for the commit's execution (started on it with `start`)."""
    check_commit(commit)
    started = start_execution(target, pipeline, commit) if start else None
    execution_id, declaration = (started.execution_id, started.declaration) if started else (None, None)
    # only a paced schedule uses where the execution is; a windowed one just reads its status
    schedule = policy.schedule
    following: Following | None = None
    if not isinstance(schedule, Paced) or target.gap("codepipeline", "GetPipeline"):
        probe: Probe = Probe(target, pipeline, commit, execution_id)
        pace: Callable[[Execution], Pace] = steady
    else:
        probe = following = Following(target, pipeline, commit, execution_id, declaration=declaration,
                                      listening=lambda: listening(events), follow_from=schedule.every)
        pace = pace_of(following.deploy)

    def declared() -> dict | None:
        """The pipeline's declaration, if starting the execution or a look read it: read once."""
        return following.deploy.declaration if following is not None else declaration

    return Wait(
        name="pipeline", probe=probe, acceptors=ACCEPTORS, policy=policy, show=str, hint=HINT,
        pace=pace, events=events, wakes=events_mod.wakes_pipeline(pipeline, lambda: probe.execution_id),
        may_fail=events_mod.may_fail_pipeline,
        woken=probe.woken, spent=lambda: probe.tally.calls,
        expected=f"every stage of {pipeline} Succeeded for commit {commit}",
        explain=lambda execution: explain_failure(target, pipeline, execution, declaration=declared()),
    )


def wait_for_pipeline(target: Target, pipeline: str, commit: str, *, start: bool = False,
                      policy: Policy = PIPELINE, clock: Clock = time.monotonic,
                      sleep: Sleep = time.sleep, events: EventSource | None = None) -> PipelineRun:
    """Block until the commit's execution Succeeded; raise WaitFailed/WaitTimeout otherwise."""
    wait = pipeline_wait(target, pipeline, commit, start=start, policy=policy, events=events)
    outcome = run(wait, clock=clock, sleep=sleep)
    execution_id = outcome.observation.execution_id
    durations, note = stage_durations(target, pipeline, execution_id)
    return PipelineRun(outcome, execution_id, durations, note)


def _run(asked: Asked) -> tuple[Outcome, dict[str, Any]]:
    """`wait pipeline`: its report adds the stage durations (or why there are none)."""
    target, watched = asked.aws()
    done = wait_for_pipeline(target, watched.pipeline, asked.values["commit"], start=asked.values["start"],
                             policy=asked.policy, events=asked.events)
    note = {"note": done.durations_note} if done.durations_note else {}
    return done.outcome, {"stage_durations": done.stage_durations, **note}


DECLARED = Declared(name="pipeline", policy=PIPELINE, run=_run, options=(
    Option(flag="--commit", required=True, check=check_commit,
           help="commit hash whose pipeline execution to follow"),
    Option(flag="--start", switch=True,
           help="start the execution on --commit (V2 pipelines) instead of finding it"),
))
