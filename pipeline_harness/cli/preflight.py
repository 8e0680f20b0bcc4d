"""`pipeline-harness preflight`: before the nightly run makes anything, read-only checks that it can
work in this account — one line each; exit 0 when none failed, 1 when one did."""

from __future__ import annotations

import argparse
import os

from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.cli.parsing import Subparsers
from pipeline_harness.core.errors import EXIT_FAILED, EXIT_OK, ConfigError
from pipeline_harness.e2e import inputs
from pipeline_harness.output.report import Report, render
from pipeline_harness.preflight.permissions import principal
from pipeline_harness.preflight.run import CALLS, preflight
from pipeline_harness.session import lab
from pipeline_harness.targets import open_target
from pipeline_harness.targets.context import Context

FORMATS = ("table", "json", "junit", "markdown")  # what output.report renders but a student's grade


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "preflight", parents=[common],
        help="read-only checks that the nightly run can work in this account, before it makes anything",
        description="Check, without changing anything, what the nightly end-to-end run needs: the account "
                    "allow-listed, its inputs given, the region serving every service, the nightly role "
                    "allowed every request (IAM's policy simulator), the GitHub connection AVAILABLE, "
                    "the GitHub token allowed to push, room in the account's service quotas.")
    parser.add_argument("--provision-prerequisites", action="store_true", default=None,
                        help="the run makes its own VPC, ALB and Fargate service (as the nightly does)")
    parser.add_argument("--role-arn", metavar="ARN",
                        help="the role to simulate (default: the caller's; needed for a role with a path)")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.role_arn is not None and principal(args.role_arn) != args.role_arn:
        raise ConfigError(f"--role-arn must be an IAM role or user ARN, not {args.role_arn!r}")
    explicit = frozenset({"region"} if args.region else ())
    settings = inputs.run_settings(settings_from(args, provision_prerequisites=args.provision_prerequisites),
                                   os.environ, explicit)
    with open_target(settings, lab.check_plan) as target:
        target.client_config = target.client_config.merge(CALLS)  # the clients made from here on
        checks = preflight(Context(settings, target), os.environ, explicit, role_arn=args.role_arn)
        report = Report(target.name, target.account, target.region, checks)
    with output(args) as out:
        out.write(render(report, args.format))
    return EXIT_OK if report.ok else EXIT_FAILED

