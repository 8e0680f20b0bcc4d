"""The connection the pipeline will use: it exists in the run's account and region, is GitHub's and
AVAILABLE — read the way the run reads it (`kinds.connections.by_arn`)."""

from __future__ import annotations

from pipeline_harness.core.errors import AWS_ERRORS, first_line
from pipeline_harness.kinds import connections
from pipeline_harness.kinds.base import MISSING
from pipeline_harness.preflight.lines import line, not_given
from pipeline_harness.steps import connection as step
from pipeline_harness.steps.base import CheckResult
from pipeline_harness.targets.context import Context

CHECK_ID = "connection"
TITLE = "The GitHub connection exists, is GitHub's and AVAILABLE"


def check(ctx: Context) -> CheckResult:
    reason = ctx.target.gap(connections.SERVICE)
    if reason:
        return line(CHECK_ID, step.NUMBER, TITLE, "skip", f"skipped: {reason}")
    arn = ctx.settings.connection_arn
    if not arn:
        return not_given(ctx, CHECK_ID, step.NUMBER, TITLE, "the connection's ARN "
                         "(PIPELINE_HARNESS_CONNECTION_ARN)")
    problem = step.lab_arn_problem(arn, ctx)
    if problem:
        return line(CHECK_ID, step.NUMBER, TITLE, "fail", f"{arn} is {problem}",
                    "use a connection made in the nightly's own account and region")
    try:
        found = connections.by_arn(ctx, arn)
    except AWS_ERRORS as err:
        return line(CHECK_ID, step.NUMBER, TITLE, "error", f"could not read {arn}: {first_line(err)}")
    if found is MISSING:
        return line(CHECK_ID, step.NUMBER, TITLE, "fail", f"no connection {arn} in the account",
                    "Developer Tools → Settings → Connections → Create connection → GitHub")
    name, provider = found.get("ConnectionName"), found.get("ProviderType")
    status = found.get("ConnectionStatus")
    if provider != "GitHub":
        return line(CHECK_ID, step.NUMBER, TITLE, "fail", f"connection {name} is {provider}'s, not GitHub's",
                    "create a GitHub connection (Step 2)")
    if status != "AVAILABLE":
        return line(CHECK_ID, step.NUMBER, TITLE, "fail",
                    f"connection {name} is {status}, expected AVAILABLE", step.HANDSHAKE_HINT)
    return line(CHECK_ID, step.NUMBER, TITLE, "pass", f"connection {name} is GitHub's and AVAILABLE")
