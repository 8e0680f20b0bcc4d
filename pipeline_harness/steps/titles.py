"""Titles that name what each check compares: a name the tutorial gives, in backticks in a check's
title, reads as the run's own — prefixed, configured, or the student's as the class roster says."""

from __future__ import annotations

import re
from dataclasses import fields
from functools import cache

from pipeline_harness.settings import Names, Settings
from pipeline_harness.settings.names import LAB_VALUES
from pipeline_harness.settings.names import NAMES as NAME_RULES
from pipeline_harness.targets.context import Context

ACCOUNT, REGION = "<your-account-id>", "<your-region>"  # the tutorial's placeholders
# the names a title may show: the tutorial's resource names (as the run writes them) and the lab's
# values the tutorial gives (as configured)
NAMES = tuple(key for key, rule in NAME_RULES.items() if rule.tutorial)
_GIVEN = {f.name for f in fields(Settings) if f.default is not None}  # the tutorial gives no connection ARN
SETTINGS = tuple(key for key in LAB_VALUES if key in _GIVEN)
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
