"""`pipeline-harness provision`: make the lab (Steps 1–6) and keep it; a failure removes what it made."""

from __future__ import annotations

import argparse
import json

from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.cli.parsing import Subparsers
from pipeline_harness.core.errors import EXIT_OK
from pipeline_harness.session.lab import Lab

FORMATS = ("table", "json")  # the handles of what was made: no checks to report


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = sub.add_parser("provision", parents=[common], help="create the lab's resources")
    parser.add_argument("--provision-prerequisites", action="store_true", default=None,
                        help="on real AWS, also create the VPC, ALB, ECS cluster and service")
    return parser


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args, provision_prerequisites=args.provision_prerequisites)
    with Lab(settings, keep=True) as lab:  # kept once whole; a failure halfway removes what it made
        handles = lab.provision()
    with output(args) as out:
        if args.format == "json":
            out.write(json.dumps({"run_id": settings.run_id, "resources": handles}, indent=2) + "\n")
        else:
            for step, handle in handles.items():
                out.write(f"{step:<14} {json.dumps(handle)}\n")
            out.write(f"provisioned (run {settings.run_id}); remove with `pipeline-harness teardown`\n")
    return EXIT_OK
