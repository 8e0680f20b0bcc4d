"""Titles that name what each check compares: a name the tutorial gives, in backticks in a check's
title, reads as the run's own — prefixed, configured, or the student's as the class roster says."""

from __future__ import annotations

import re
from functools import cache

from pipeline_harness.context import Context
from pipeline_harness.settings import Names, Settings

ACCOUNT, REGION = "<your-account-id>", "<your-region>"  # the tutorial's placeholders
# the names a title may show: Names attributes (prefixed) and Settings fields (as configured)
NAMES = ("ecr_repository", "connection_name", "artifact_bucket", "pipeline_role", "codebuild_role",
         "pipeline_policy", "codebuild_policy", "codebuild_project", "log_group", "pipeline",
         "cluster", "service", "load_balancer")
SETTINGS = ("codebuild_image", "buildspec", "branch", "image_definitions_file", "container")
_SPAN = re.compile(r"`[^`]*`")


@cache
def tutorial() -> Names:
    """The tutorial's own names: no prefix, its placeholder for the account."""
    return Settings().names(ACCOUNT)


def spans(ctx: Context) -> dict[str, str]:
    """Each tutorial name as a title shows it (`name`) → the name this run compares."""
    names, defaults = tutorial(), tutorial().settings
    shown = {f"`{getattr(names, key)}`": f"`{getattr(ctx.names, key)}`" for key in NAMES}
    shown |= {f"`{getattr(defaults, key)}`": f"`{getattr(ctx.settings, key)}`" for key in SETTINGS}
    shown[f"`{REGION}`"] = f"`{ctx.names.region}`"
    return shown


def render(title: str, ctx: Context) -> str:
    """The title with every tutorial name in it replaced by the one the check compares."""
    if "`" not in title:
        return title
    shown = spans(ctx)
    return _SPAN.sub(lambda span: shown.get(span.group(0), span.group(0)), title)
