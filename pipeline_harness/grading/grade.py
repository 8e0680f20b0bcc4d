"""Grade one account: read-only, names resolved, every check of Steps 1–7 and of the student's own
source, a Report with points.

Scoring: each check has its points (steps' Check.points); an optional item (tag immutability) is a
bonus that earns a point and never costs one; a lint finding that only explains a failed build is
listed in a check worth no points; a skip counts in neither score nor max_score; an API error
(access denied, throttled after the client's retries) is `error`, never a fail of the student.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime

from pipeline_harness.core.errors import HarnessError
from pipeline_harness.core.stamps import now
from pipeline_harness.grading import evidence, names, region, source, step7
from pipeline_harness.grading.evidence import deployment
from pipeline_harness.grading.guard import read_only
from pipeline_harness.kinds import codebuild, connections, ecs, iam, s3
from pipeline_harness.kinds import codepipeline as codepipeline_kinds
from pipeline_harness.kinds import ecr as ecr_kinds
from pipeline_harness.output.report import Report
from pipeline_harness.settings import Settings
from pipeline_harness.steps import CHECKS, codepipeline, titles
from pipeline_harness.steps.base import Check, CheckResult, run_check
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context

GRADED = (*CHECKS, *source.CHECKS, *step7.CHECKS)
# the kinds whose reads and listings the grader makes (the IAM policy file is derived from them)
KINDS = (ecr_kinds.REPOSITORY, connections.CONNECTION, s3.ARTIFACT_BUCKET, iam.PIPELINE_ROLE,
         iam.CODEBUILD_ROLE, codebuild.PROJECT, codepipeline_kinds.PIPELINE, ecs.CLUSTER, ecs.SERVICE)


class TimedOut(HarnessError):
    """The student's deadline passed: no further check is started."""


def graded(repository: str | None = None) -> tuple[Check, ...]:
    """The checks, with pipeline.source expecting `repository` where a class roster names it."""
    if not repository:
        return GRADED
    return tuple(codepipeline.pinned_source(repository) if c.id == "pipeline.source" else c
                 for c in GRADED)


def grade(settings: Settings, target: Target, repository: str | None = None,
          as_of: datetime | None = None, deadline: float | None = None, student: str = "") -> Report:
    """Every check against what the account holds; raises TargetUnreachable (exit 3) if it can't be read.

    `repository` (owner/repo) pins the GitHub repository the Source action must use; without it,
    any repository of the owner/repo form passes, as the tutorial asks. `as_of` (default now):
    executions finished after it are not counted (Step 7's chain of evidence starts before it).
    Past `deadline` (a time.monotonic() value) no further check starts: TimedOut. `student` is the
    name the report gives (the roster's, or --student).
    """
    began = now()
    guarded = read_only(target)
    expected = Context(settings, guarded, as_of=as_of)
    resolution = names.resolve(expected)
    # reads so far were under the names not found
    ctx = Context(resolution.settings, guarded, as_of=as_of) if resolution.renames else expected
    results = []
    for check in graded(repository):
        if deadline is not None and time.monotonic() > deadline:
            raise TimedOut(f"the deadline passed before {check.id} (and the checks after it)")
        results.append(_grade(check, ctx, expected, resolution))
    where = region.diagnosis(ctx)
    if where.elsewhere:
        results = [region.pointed(result) for result in results]
    return Report(guarded.name, guarded.account, guarded.region, results, evidence.as_of(ctx),
                  evidence.graded(ctx), student=student, graded_at=began, diagnosis=where.said,
                  running_images=running_images(ctx))


def running_images(ctx: Context) -> tuple[str, ...]:
    """The image digests the service's running tasks run, as the chain of evidence read them."""
    running = ctx.read(deployment.tasks).facts
    return tuple(sorted({d for _, _, d in running.tasks if d})) if running else ()


def _grade(check: Check, ctx: Context, expected: Context, resolution: names.Resolution) -> CheckResult:
    result = run_check(check, ctx)
    renames = resolution.costing(check.id)
    if renames and result.status == "pass":
        named = names.name_result(check, renames, result.max_points)
        return dataclasses.replace(named, title=titles.render(check.title, expected))
    return source.explain(step7.diagnose(result, ctx), ctx)
