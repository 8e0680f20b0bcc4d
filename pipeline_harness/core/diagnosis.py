"""Failure signals (error details, build phases, log lines) → the tutorial's "Common Issues".

Pure functions on text and records; the titles and hints are the tutorial's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CommonIssue:
    title: str
    hints: tuple[str, ...]
    signals: tuple[re.Pattern, ...]
    stage: str | None = None  # the pipeline stage where the tutorial places it

    def describe(self) -> str:
        return f'tutorial Common Issues "{self.title}": ' + "; ".join(self.hints)


def _signals(*patterns: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


CONNECTION = CommonIssue(
    title="Source stage fails with connection error",
    hints=('Verify CodeStar connection status is "Available"',
           "Check GitHub App has access to the repository",
           "Ensure repository name format is correct (owner/repo)"),
    signals=_signals(r"connection\b.*\bnot available", r"connection\b.*\b(pending|not found)",
                     r"unable to use connection", r"codestar-connections:UseConnection",
                     r"codeconnections:UseConnection", r"repository .*not (found|accessible)"),
    stage="Source",
)

COMMANDS_SUBKEYS = CommonIssue(
    title="Build fails with 'Commands[X] subkeys error'",
    hints=("Check buildspec.yml for YAML syntax errors",
           "Avoid colons (`:`) in echo statements - use hyphens (`-`) instead",
           "Ensure proper indentation in buildspec.yml"),
    signals=_signals(r"Commands\[\d+\].*subkeys", r"subkeys instead"),
    stage="Build",
)

DOCKER_PERMISSION = CommonIssue(
    title="Build stage fails with Docker permission denied",
    hints=("Verify CodeBuild project has Privileged mode enabled",
           "Check CodeBuild role has ECR permissions",
           "Ensure buildspec.yml exists in repository root"),
    signals=_signals(r"permission denied.*docker", r"docker.*permission denied",
                     r"cannot connect to the docker daemon", r"docker\.sock",
                     r"not authorized to perform: ecr:", r"no basic auth credentials",
                     r"denied: .*(not authorized|access)", r"buildspec\.yml: no such file",
                     r"YAML_FILE_ERROR.*(no such file|not found)"),
    stage="Build",
)

DEPLOY_PERMISSION = CommonIssue(
    title="Deploy stage fails with permission error",
    hints=("Verify CodePipeline role has ECS permissions (AmazonECS_FullAccess)",
           "Check cluster and service names match exactly",
           "Ensure ECS service exists and is active"),
    signals=_signals(r"not authorized to perform: (ecs|iam:PassRole)", r"ClusterNotFound",
                     r"ServiceNotFound", r"service .*(does not exist|is not active|not found)",
                     r"cluster .*(does not exist|not found)", r"AccessDenied"),
    stage="Deploy",
)

OLD_IMAGE_RUNNING = CommonIssue(
    title="Deployment succeeds but old image still running",
    hints=("Check imagedefinitions.json container name matches task definition",
           "Verify ECS service is actually updating (check Deployments tab)",
           "Wait for health checks to pass (can take 2-3 minutes)"),
    signals=_signals(r"container .*does not exist", r"container name .*not (found|in)",
                     r"imagedefinitions\.json.*container"),
    stage="Deploy",
)

# most specific first: a missing buildspec and a subkeys error both say YAML_FILE_ERROR
COMMON_ISSUES = (CONNECTION, COMMANDS_SUBKEYS, DOCKER_PERMISSION, OLD_IMAGE_RUNNING,
                 DEPLOY_PERMISSION)


def match(texts: Iterable[str], stage: str | None = None) -> CommonIssue | None:
    """The first Common Issue whose signals appear in the texts (limited to `stage` if given)."""
    joined = "\n".join(t for t in texts if t)
    for issue in COMMON_ISSUES:
        if stage is not None and issue.stage not in (None, stage):
            continue
        if any(signal.search(joined) for signal in issue.signals):
            return issue
    return None

