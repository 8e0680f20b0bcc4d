"""The preflight: every check in the order a maintainer fixes them, each read-only and each one line.

The account first (allow-listed, by the rule provisioning itself applies), then what the run is given,
then whether the region serves the services, whether the nightly role may make every request, the
connection, the GitHub token, and the room the account's quotas leave.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import botocore.config

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.e2e import inputs
from pipeline_harness.e2e.github import GitHub
from pipeline_harness.preflight import connection, permissions, quotas, region, repository
from pipeline_harness.preflight.lines import line, not_given
from pipeline_harness.steps import PREREQUISITES
from pipeline_harness.steps.base import CheckResult
from pipeline_harness.targets.context import Context

BUDGET = 60.0  # seconds: checks not begun by then are errors saying so (a check begun finishes)
# each call: two attempts of at most 5 s to connect and 10 s to read (the target's default is 3 × 35 s)
CALLS = botocore.config.Config(connect_timeout=5, read_timeout=10,
                               retries={"mode": "standard", "total_max_attempts": 2})


def preflight(ctx: Context, environ: Mapping[str, str], explicit: frozenset[str] = frozenset(), *,
              role_arn: str | None = None, github: Callable[[str, str], GitHub] | None = None,
              clock: Callable[[], float] = time.monotonic, budget: float = BUDGET) -> list[CheckResult]:
    """Every check's lines, in order; a check not begun within `budget` seconds is an error line."""
    checks: list[tuple[str, Callable[[], list[CheckResult]]]] = [
        ("account.allowed", lambda: [_allowed(ctx)]),
        ("inputs", lambda: [_inputs(ctx, environ, explicit)]),
        *((f"region.{service}", lambda service=service: [region.probe(ctx, service)])
          for service in region.services()),
        ("permissions", lambda: permissions.check(ctx, role_arn)),
        ("connection", lambda: [connection.check(ctx)]),
        ("github.push", lambda: [repository.check(ctx, inputs.token(environ), github, explicit)]),
        ("quota", lambda: quotas.check(ctx)),
    ]
    deadline, results = clock() + budget, []
    for check_id, check in checks:
        if clock() > deadline:
            results.append(line(check_id, PREREQUISITES, f"{check_id} (not run)", "error",
                                f"not run: the preflight's {budget:g} s were spent before it began"))
            continue
        results += check()
    return results


def _allowed(ctx: Context) -> CheckResult:
    title = "The account is one the harness may provision in (the allow-list)"
    try:
        ctx.target.require_allowed_account()
    except ConfigError as err:
        return line("account.allowed", PREREQUISITES, title, "fail", str(err),
                    "set NIGHTLY_AWS_ACCOUNT_ID (the workflow's PIPELINE_HARNESS_ALLOWED_ACCOUNTS)")
    return line("account.allowed", PREREQUISITES, title, "pass",
                f"account {ctx.target.account} may be provisioned in")


def _inputs(ctx: Context, environ: Mapping[str, str], explicit: frozenset[str]) -> CheckResult:
    title = "Everything the nightly run needs is given"
    lacking = inputs.missing(ctx.settings, environ, explicit)
    if not lacking:
        return line("inputs", PREREQUISITES, title, "pass", "region, connection, repository, token and "
                    "the ECS prerequisites are given")
    return not_given(ctx, "inputs", PREREQUISITES, title,
                     f"what the nightly run needs ({'; '.join(lacking)})")
