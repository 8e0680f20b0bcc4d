"""What a person must give the nightly run; everything missing is named in one message."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.settings import Settings

TOKEN_VARIABLES = ("PIPELINE_HARNESS_GITHUB_TOKEN", "GITHUB_TOKEN")
REGION_VARIABLES = ("PIPELINE_HARNESS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION")
PREREQUISITES = ("cluster", "service", "load_balancer")
_DEFAULTS = {f.name: f.default for f in fields(Settings)}


@dataclass(frozen=True)
class Inputs:
    """The run's settings (names, region, connection, repository) and the GitHub token."""

    settings: Settings
    github_token: str = ""

    @property
    def run_branch(self) -> str:
        return run_branch(self.settings.run_id)


BRANCH_PREFIX = "pipeline-harness/run-"


def run_branch(run_id: str) -> str:
    """The branch a run pushes to; the sweep finds leftovers by this prefix."""
    return f"{BRANCH_PREFIX}{run_id}"


def given(settings: Settings, name: str, explicit: frozenset[str]) -> bool:
    # the tutorial's defaults name the author's repository and a lab nobody else owns: not an answer
    return name in explicit or getattr(settings, name) != _DEFAULTS[name]


def missing(settings: Settings, environ: Mapping[str, str],
            explicit: frozenset[str] = frozenset()) -> list[str]:
    """What the run still needs, in words a person can act on (empty when nothing)."""
    lacking = []
    if not (given(settings, "region", explicit) or any(environ.get(v) for v in REGION_VARIABLES)):
        lacking.append("the AWS region (--region, PIPELINE_HARNESS_REGION or AWS_REGION)")
    if not settings.connection_arn:
        lacking.append("the ARN of an AVAILABLE CodeStar connection (PIPELINE_HARNESS_CONNECTION_ARN;"
                       " its GitHub handshake can only be done in the console)")
    if not given(settings, "github_repository", explicit):
        lacking.append("the GitHub repository owner/repo to push to (PIPELINE_HARNESS_GITHUB_REPOSITORY)")
    if not any(environ.get(v) for v in TOKEN_VARIABLES):
        lacking.append("a GitHub token allowed to push to that repository (GITHUB_TOKEN or "
                       "PIPELINE_HARNESS_GITHUB_TOKEN)")
    if not settings.provision_prerequisites and not all(
            given(settings, name, explicit) for name in PREREQUISITES):
        lacking.append("existing ECS cluster, service and ALB names (PIPELINE_HARNESS_CLUSTER, "
                       "_SERVICE, _LOAD_BALANCER) or --provision-prerequisites")
    return lacking


def gather(settings: Settings, environ: Mapping[str, str] | None = None,
           explicit: frozenset[str] = frozenset()) -> Inputs:
    """The run's inputs, or one ConfigError (exit 2) listing everything that is missing.

    `explicit` names settings given on the command line, which count even when they equal a default.
    """
    environ = os.environ if environ is None else environ
    lacking = missing(settings, environ, explicit)
    if lacking:
        raise ConfigError("the nightly end-to-end run needs: " + "; ".join(lacking))
    return Inputs(run_settings(settings, environ, explicit), token(environ) or "")


def token(environ: Mapping[str, str]) -> str | None:
    """The GitHub token, from the first variable of TOKEN_VARIABLES that holds one."""
    return next((environ[v] for v in TOKEN_VARIABLES if environ.get(v)), None)


def run_settings(settings: Settings, environ: Mapping[str, str],
                 explicit: frozenset[str] = frozenset()) -> Settings:
    """The settings a nightly run works with (its names, branch, region), whatever is missing."""
    # parallel nightly runs never share a name: the run id goes into every name and the branch
    # its Step 7 waits listen to the run's events (a rule and a queue of its own, torn down with the lab)
    settings = settings.replace(branch=run_branch(settings.run_id), wait_events=True,
                                prefix=settings.prefix or f"n{settings.run_id[:8]}-")
    region = next((environ[v] for v in REGION_VARIABLES if environ.get(v)), None)
    if not given(settings, "region", explicit) and region:
        # the AWS SDK's own variables (set by configure-aws-credentials) name the region
        settings = settings.replace(region=region)
    return settings
