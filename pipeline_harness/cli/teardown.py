"""`pipeline-harness teardown`: remove the lab's resources that carry the harness's tags."""

from __future__ import annotations

import argparse
import json

from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.cli.parsing import Subparsers
from pipeline_harness.core.errors import EXIT_FAILED, EXIT_OK
from pipeline_harness.session.lab import Lab

FORMATS = ("table", "json")  # each step's outcome and the errors: no checks to report


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return sub.add_parser("teardown", parents=[common],
                          help="delete the lab's resources made by pipeline-harness (never others)")


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with Lab(settings) as lab:
        result = lab.teardown()
    with output(args) as out:
        if args.format == "json":
            out.write(json.dumps({"outcomes": result.outcomes, "errors": result.errors}, indent=2) + "\n")
        else:
            for step, outcome in result.outcomes.items():
                out.write(f"{step:<14} {outcome}\n")
            for error in result.errors:
                out.write(f"ERROR {error}\n")
    return EXIT_FAILED if result.errors else EXIT_OK
