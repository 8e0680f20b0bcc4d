"""May the GitHub token push to the repository? GitHub's own answer, without pushing: GET
/repos/{owner}/{repo} carries `permissions.push` for the authenticated token's user."""

from __future__ import annotations

import time
from collections.abc import Callable

from pipeline_harness.core.errors import HarnessError
from pipeline_harness.e2e import inputs
from pipeline_harness.e2e.github import GitHub
from pipeline_harness.preflight.lines import line, not_given
from pipeline_harness.steps import verification
from pipeline_harness.steps.base import CheckResult
from pipeline_harness.targets.context import Context

CHECK_ID = "github.push"
STEP = verification.NUMBER  # the run pushes the commit Step 7 follows
ATTEMPTS = 2  # a preflight answers in about a minute: one retry of a 5xx, not five
TIMEOUT = (5, 10)  # connect, read (seconds), as the preflight's AWS calls
HINT = "a fine-grained token with Contents: Read and write on that repository (docs/nightly.md, step 2)"


def check(ctx: Context, token: str | None, github: Callable[[str, str], GitHub] | None = None,
          explicit: frozenset[str] = frozenset()) -> CheckResult:
    repository = ctx.settings.github_repository
    title = f"The GitHub token may push to {repository}"
    if not inputs.given(ctx.settings, "github_repository", explicit):
        return not_given(ctx, CHECK_ID, STEP, "The GitHub token may push to the repository",
                         "the repository (PIPELINE_HARNESS_GITHUB_REPOSITORY)")
    if not token:
        return not_given(ctx, CHECK_ID, STEP, title, "a GitHub token (GITHUB_TOKEN or "
                         "PIPELINE_HARNESS_GITHUB_TOKEN)")
    try:
        record = (github or client)(repository, token).repository_record()
    except HarnessError as err:
        return line(CHECK_ID, STEP, title, "fail", str(err), HINT)
    permissions = record.get("permissions")
    if not isinstance(permissions, dict):
        return line(CHECK_ID, STEP, title, "fail",
                    "GitHub's answer carries no permissions: the token is not one of a user", HINT)
    if permissions.get("push") is not True:
        granted = sorted(k for k, v in permissions.items() if v is True) or ["none"]
        return line(CHECK_ID, STEP, title, "fail",
                    f"GitHub says the token may not push (its permissions: {', '.join(granted)})", HINT)
    return line(CHECK_ID, STEP, title, "pass", f"GitHub says the token may push to {repository}")


def client(repository: str, token: str, sleep: Callable[[float], None] = time.sleep) -> GitHub:
    """GitHub as the preflight asks it: fewer attempts and a shorter read than the run's pushes."""
    return GitHub(repository, token, attempts=ATTEMPTS, timeout=TIMEOUT, sleep=sleep)
