"""`pipeline-harness sweep --older-than DURATION [--dry-run]`: remove what old runs left behind."""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime, timedelta
from typing import TextIO

from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.cli.parsing import Subparsers
from pipeline_harness.core.errors import EXIT_FAILED, EXIT_OK, ConfigError
from pipeline_harness.e2e.github import GitHub
from pipeline_harness.e2e.inputs import TOKEN_VARIABLES
from pipeline_harness.session import sweep as sweep_mod
from pipeline_harness.steps import codepipeline
from pipeline_harness.targets import open_target

FORMATS = ("table", "json")  # what was found and removed: no checks to report


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "sweep", parents=[common],
        help="delete resources (and run branches) the harness tagged, older than a duration",
        description="Find every resource carrying pipeline-harness's tags in the account and region "
                    "whose created-at is older than --older-than, and delete whole runs, "
                    "dependencies first. Never touches untagged resources.")
    parser.add_argument("--older-than", required=True, metavar="DURATION",
                        help="age to sweep: 90m, 6h, 2d, 1w (or sums like 1d12h)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    parser.add_argument("--github-repository", metavar="OWNER/REPO",
                        help="also sweep run branches there (token from GITHUB_TOKEN or "
                             "PIPELINE_HARNESS_GITHUB_TOKEN)")
    return parser


def run(args: argparse.Namespace) -> int:
    older_than = sweep_mod.parse_duration(args.older_than)
    settings = settings_from(args)
    github = _github(args.github_repository)
    now = datetime.now(UTC)
    with open_target(settings) as target:
        result = sweep_mod.sweep(target, settings, older_than, dry_run=args.dry_run, now=now,
                                 github=github)
    with output(args) as out:
        if args.format == "json":
            json.dump(_as_dict(result, now, args.dry_run), out, indent=2)
            out.write("\n")
        else:
            _table(out, result, now, args.dry_run)
    return EXIT_FAILED if result.errors else EXIT_OK


def _github(repository: str | None) -> GitHub | None:
    if not repository:
        return None
    if not codepipeline.REPOSITORY_ID.fullmatch(repository):
        raise ConfigError(f"--github-repository must be a GitHub owner/repo, not {repository!r}")
    token = next((os.environ[v] for v in TOKEN_VARIABLES if os.environ.get(v)), None)
    if token is None:
        raise ConfigError(f"--github-repository {repository} needs a token in "
                          f"{' or '.join(TOKEN_VARIABLES)}")
    return GitHub(repository, token)


def _hours(age: timedelta | None) -> float | None:
    return None if age is None else round(age.total_seconds() / 3600, 1)


def _as_dict(result: sweep_mod.Sweep, now: datetime, dry_run: bool) -> dict:
    return {
        "dry_run": dry_run,
        "runs": {prefix or "(no prefix)": {
            "resources": [{"kind": r.kind, "name": r.name,
                           "age_hours": _hours(r.age(now))} for r in leftovers],
            "outcomes": result.outcomes.get(prefix, {})}
            for prefix, leftovers in result.old.items()},
        "branches": result.branches,
        "errors": result.errors,
    }


def _table(out: TextIO, result: sweep_mod.Sweep, now: datetime, dry_run: bool) -> None:
    verb = "would delete" if dry_run else "deleted"
    if not result.old and not result.branches:
        out.write("nothing to sweep\n")
    for prefix, leftovers in result.old.items():
        out.write(f"run {prefix or '(no prefix)'}: {verb}\n")
        for leftover in leftovers:
            age = leftover.age(now)
            shown = f"{age.total_seconds() / 3600:.1f}h old" if age else "age unknown"
            out.write(f"  {leftover.kind:<18} {leftover.name}  ({shown})\n")
    for branch, outcome in result.branches.items():
        out.write(f"branch {branch}: {outcome}\n")
    for error in result.errors:
        out.write(f"ERROR {error}\n")
