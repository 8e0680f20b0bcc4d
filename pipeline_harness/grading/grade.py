"""Grade one account: read-only, names resolved, every check of Steps 1–7, a Report with points.

Scoring: each check has its points (steps' Check.points); an optional item (tag immutability) is a
bonus that earns a point and never costs one; a skip counts in neither score nor max_score; an API
error (access denied, throttled after the client's retries) is `error`, never a fail of the student.
"""

from __future__ import annotations

from pipeline_harness.grading import names, step7
from pipeline_harness.grading.guard import read_only
from pipeline_harness.report import Report
from pipeline_harness.settings import Settings
from pipeline_harness.steps import CHECKS
from pipeline_harness.context import Context
from pipeline_harness.steps.base import Check, CheckResult, run_check
from pipeline_harness.targets.base import Target

GRADED = (*CHECKS, *step7.CHECKS)


def grade(settings: Settings, target: Target) -> Report:
    """Every check against what the account holds; raises TargetUnreachable (exit 3) if it can't be read."""
    guarded = read_only(target)
    ctx = Context(settings, guarded)
    resolution = names.resolve(ctx)
    if resolution.renames:
        ctx = Context(resolution.settings, guarded)  # reads so far were under the names not found
    results = [_grade(check, ctx, resolution) for check in GRADED]
    return Report(guarded.name, guarded.account, guarded.region, results)


def _grade(check: Check, ctx: Context, resolution: names.Resolution) -> CheckResult:
    result = run_check(check, ctx)
    renames = resolution.costing(check.id)
    if renames and result.status == "pass":
        return names.name_result(check, renames, result.max_points)
    return step7.diagnose(result, ctx)
