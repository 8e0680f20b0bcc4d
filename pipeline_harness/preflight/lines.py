"""One line per preflight check, in the report's shape (`CheckResult`), so every verb's formats fit."""

from __future__ import annotations

from pipeline_harness.steps.base import CheckResult
from pipeline_harness.targets.context import Context


def line(check_id: str, step: int, title: str, status: str, message: str, hint: str = "") -> CheckResult:
    """A check's result: a pass earns its point, a skip counts in neither score nor maximum."""
    return CheckResult(check_id, step, title, status, 1 if status == "pass" else 0, 1, message, hint)


def not_given(ctx: Context, check_id: str, step: int, title: str, what: str) -> CheckResult:
    """An input the nightly run needs is missing: a failure where the pipeline would really run;
    on a target whose pipelines run nothing (an emulator) nothing is pushed or built, so a skip."""
    if ctx.target.quirks.pipeline_runs_nothing:
        return line(check_id, step, title, "skip",
                    f"skipped: {ctx.target.name}'s pipelines run nothing, and {what} is not given")
    return line(check_id, step, title, "fail", f"{what} is not given")
