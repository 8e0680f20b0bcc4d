"""Find what earlier runs left behind (by the harness's tags), older than a TTL, and remove it.

Resources are listed per kind of the registry rather than through the Resource Groups Tagging API:
that API does not cover IAM roles and keeps answering with resources deleted minutes ago. Each
leftover's name gives its run prefix; removal is the ordinary teardown of a `Lab` session for that
prefix's run, so the registry's kinds — dependents first, ours-by-tag only — do the work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pipeline_harness import kinds
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.core.stamps import UTC_SECONDS
from pipeline_harness.e2e.inputs import BRANCH_PREFIX
from pipeline_harness.kinds.base import MISSING
from pipeline_harness.session.lab import Lab
from pipeline_harness.settings import TAG_CREATED_AT, TAG_RUN_ID, Settings
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context

if TYPE_CHECKING:  # only its type: the sweep asks it for branches, the CLI makes it
    from pipeline_harness.e2e.github import GitHub

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# older than this is a typo: the cutoff must stay a date
_LONGEST = timedelta(days=100 * 365)


def parse_duration(text: str) -> timedelta:
    """'90m', '6h', '2d', '1w' (or a sum such as '1d12h') → timedelta; ConfigError otherwise."""
    parts = re.fullmatch(r"(?:\d+[mhdw])+", text.strip().lower())
    if not parts:
        raise ConfigError(f"--older-than must look like 90m, 6h, 2d or 1w, not {text!r}")
    parts_found = re.findall(r"(\d+)([mhdw])", text.lower())
    try:
        duration = sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in parts_found), timedelta())
    except OverflowError:
        duration = _LONGEST + _LONGEST
    if duration > _LONGEST:
        raise ConfigError(f"--older-than {text.strip()} is more than {_LONGEST.days // 365} years; "
                          "nothing the harness made is that old")
    return duration


@dataclass(frozen=True)
class Leftover:
    kind: str
    name: str
    prefix: str
    created_at: datetime | None

    def age(self, now: datetime) -> timedelta | None:
        return None if self.created_at is None else now - self.created_at


@dataclass
class Sweep:
    found: list[Leftover] = field(default_factory=list)  # every tagged resource seen
    old: dict[str, list[Leftover]] = field(default_factory=dict)  # prefix -> its leftovers
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)  # prefix -> step -> outcome
    branches: dict[str, str] = field(default_factory=dict)  # branch -> deleted | would delete
    errors: list[str] = field(default_factory=list)


def _when(tags: Mapping[str, str]) -> datetime | None:
    try:
        return datetime.strptime(tags[TAG_CREATED_AT], UTC_SECONDS).replace(tzinfo=UTC)
    except (KeyError, ValueError):
        return None


def _valid_prefix(prefix: str) -> bool:
    return all(c.isalnum() or c == "-" for c in prefix)


def find(target: Target, settings: Settings) -> list[Leftover]:
    """Every resource of a registry kind whose name is a run's name and that carries the run tag."""
    ctx = Context(_run_settings(settings, ""), target)
    listed: dict[object, list[str]] = {}  # kinds sharing a listing (the roles) list once
    found = []
    for kind in kinds.REGISTRY:
        if kind.names is None or target.gap(kind.service):
            continue
        if kind.names not in listed:
            listed[kind.names] = list(kind.names(target))
        base = kind.name(ctx.names)
        for name in listed[kind.names]:
            prefix = kind.run_prefix(name, base)
            if prefix is None or not _valid_prefix(prefix):
                continue
            resource = kind.read(ctx, name)
            tags = kind.tags(ctx, resource) if resource is not MISSING else {}
            if TAG_RUN_ID in tags:
                found.append(Leftover(kind.title, name, prefix, _when(tags)))
    return found


def sweep(target: Target, settings: Settings, older_than: timedelta, *, dry_run: bool = False,
          now: datetime | None = None, github: GitHub | None = None) -> Sweep:
    """Remove (or with dry_run only list) every run older than `older_than`, whole runs at a time.

    A run is old when any of its resources is: a half-deleted run is still removed completely.
    A prefix in `settings` limits the sweep to that run (a nightly job's last sweep of itself).
    `github` (an e2e.github.GitHub) adds the run branches of that repository.
    """
    if dry_run:  # only reads: no allow-list needed
        return _swept(target, settings, older_than, None, now, github)
    with Lab(settings, target) as lab:  # deleting is as risky as making: refused before anything is read
        return _swept(target, settings, older_than, lab, now, github)


def _swept(target: Target, settings: Settings, older_than: timedelta, lab: Lab | None,
           now: datetime | None, github: GitHub | None) -> Sweep:
    """The old runs found, and with a session (not a dry run) removed."""
    now = now or datetime.now(UTC)
    cutoff = now - older_than
    result = Sweep(found=find(target, settings))
    for leftover in result.found:
        if settings.prefix and leftover.prefix != settings.prefix:
            continue
        if leftover.created_at is not None and leftover.created_at < cutoff:
            result.old.setdefault(leftover.prefix, [])
    for leftover in result.found:
        if leftover.prefix in result.old:
            result.old[leftover.prefix].append(leftover)
    if lab is not None:
        for prefix in result.old:
            done = lab.teardown(kinds.REGISTRY, run=_run_settings(settings, prefix))
            result.outcomes[prefix] = done.outcomes
            result.errors.extend(f"{prefix or '(no prefix)'} {e}" for e in done.errors)
    if github is not None:
        _sweep_branches(github, cutoff, lab is None, result)
    return result


def _run_settings(settings: Settings, prefix: str) -> Settings:
    # the prerequisites of a found run are ours too; a connection is only ever the user's
    return settings.replace(prefix=prefix, provision_prerequisites=True, connection_arn=None,
                            create_connection=False)


def _sweep_branches(github: GitHub, cutoff: datetime, dry_run: bool, result: Sweep) -> None:
    for branch in github.branches(BRANCH_PREFIX):
        if github.committed_at(branch.sha) < cutoff:
            result.branches[branch.name] = "would delete" if dry_run else github.delete_branch(branch.name)
