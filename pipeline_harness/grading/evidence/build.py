"""Link `build`: the execution's Build action ran a CodeBuild build of the graded project, started by
the pipeline, that SUCCEEDED building commit C; its build number N and its times are what the
image is compared with.

Which call proves what:
- ListActionExecutions (the execution link's read): the Build action's CodeBuild build id,
  `output.executionResult.externalExecutionId`;
- BatchGetBuilds: `buildStatus` SUCCEEDED, `resolvedSourceVersion` = C, `projectName` the graded
  project, `initiator` `codepipeline/<pipeline>` (a build started by hand names the user), its
  `buildNumber` N and `startTime`/`endTime`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline_harness.grading.evidence import execution as execution_link
from pipeline_harness.grading.evidence.execution import Execution
from pipeline_harness.grading.evidence.link import Judging, Link, at, gap, reads
from pipeline_harness.steps.base import dig
from pipeline_harness.targets.context import Context

PROVES = ("the execution's Build action ran a CodeBuild build of the graded project, started by the "
          "pipeline, that SUCCEEDED on commit C")
PIPELINE_INITIATOR = "codepipeline/"  # CodeBuild's initiator of a build a pipeline started


@dataclass(frozen=True)
class Build:
    id: str
    number: str  # N, the third tag the buildspec pushes ($CODEBUILD_BUILD_NUMBER)
    started: datetime | None
    ended: datetime | None

    def __str__(self) -> str:
        return f"build {self.id} (number {self.number}, {at(self.started)} to {at(self.ended)})"


def _build_action(ran: Execution, project: str) -> dict | None:
    builds = ran.ran("CodeBuild")
    return next((a for a in builds if dig(a, "input", "configuration", "ProjectName") == project),
                builds[0] if builds else None)


@reads("build", PROVES)
def build(ctx: Context, judging: Judging) -> Link:
    before = ctx.read(execution_link.execution)
    ran: Execution | None = judging.facts(before)
    if ran is None:
        return judging.link()
    if ran.actions is None:
        judging.gap(gap(ctx, ("codepipeline", "ListActionExecutions")))
        return judging.link()
    project = ctx.names.codebuild_project
    action = _build_action(ran, project)
    build_id = dig(action, "output", "executionResult", "externalExecutionId")
    if not judging.compare(bool(build_id), "", f"execution {ran.id} ran no CodeBuild build"
                           + (f" (its CodeBuild action ended {action.get('status')})" if action else ""),
                           "the Build stage must be the CodeBuild project of Step 5; "
                           f"{execution_link.RUN_AGAIN}"):
        return judging.link()
    if not ran.commit:  # the execution link says why there is none to compare with
        judging.rests_on(before)
        return judging.link()
    missing = gap(ctx, ("codebuild", "BatchGetBuilds"))
    if missing:
        judging.gap(missing)
        return judging.link()
    answer = ctx.client("codebuild").batch_get_builds(ids=[build_id])
    found = next(iter(answer.get("builds", [])), None)
    if found is None:
        judging.breaks(f"build {build_id} of execution {ran.id} is not in CodeBuild (deleted, or another "
                       "account's)", execution_link.RUN_AGAIN)
        return judging.link()
    facts = Build(build_id, str(found.get("buildNumber", "")), found.get("startTime"), found.get("endTime"))
    _judge(ctx, judging, found, ran, project)
    return judging.link(facts)


def _judge(ctx: Context, judging: Judging, found: dict, ran: Execution, project: str) -> None:
    build_id, status = found.get("id", ""), found.get("buildStatus")
    judging.compare(status == "SUCCEEDED", f"build {build_id} SUCCEEDED",
                    f"build {build_id} ended {status}", "fix the build (its failed phase and log are "
                    f"in CodeBuild), then {execution_link.RUN_AGAIN}")
    built = str(found.get("resolvedSourceVersion", "")).lower()
    judging.compare(built == ran.commit, f"on commit {ran.short}",
                    f"build {build_id} built commit {built[:12] or 'none'}; execution {ran.id} is of "
                    f"commit {ran.short}", execution_link.RUN_AGAIN)
    judging.compare(found.get("projectName") == project, f"of project {project}",
                    f"build {build_id} is of project {found.get('projectName')}, not {project}",
                    f"the Build stage must run the CodeBuild project {project} (Step 6)")
    initiator = str(found.get("initiator", ""))
    judging.compare(initiator.startswith(PIPELINE_INITIATOR), f"started by {initiator}",
                    f"build {build_id} was started by {initiator or 'nobody named'}, not by the pipeline",
                    f"let the pipeline start its build: {execution_link.RUN_AGAIN}")
    number = str(found.get("buildNumber", ""))
    judging.compare(number.isdigit(), f"build number {number}", f"build {build_id} has no build number",
                    execution_link.RUN_AGAIN)
