"""`pipeline-harness verify`: provision the lab, run every check, tear down; exit 0 only if none failed."""

from __future__ import annotations

import sys

from pipeline_harness import lab
from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.context import Context
from pipeline_harness.errors import EXIT_FAILED, EXIT_OK, HarnessError
from pipeline_harness.report import Report, render
from pipeline_harness.targets import open_target


def add_parser(sub, common):
    parser = sub.add_parser("verify", parents=[common], help="provision, check every step, tear down")
    parser.add_argument("--keep-resources", action="store_true", default=None,
                        help="leave what was provisioned in place")
    return parser


def run(args) -> int:
    settings = settings_from(args, keep_resources=args.keep_resources)
    with open_target(settings, lab.check_plan) as target:
        ctx = Context(settings, target)
        try:
            lab.provision(ctx)
            report = Report(target.name, target.account, target.region, lab.check(ctx))
        finally:
            if not settings.keep_resources:
                left = lab.teardown(ctx)
                for error in left.errors:
                    print(f"pipeline-harness: teardown left something behind: {error}", file=sys.stderr)
    with output(args) as out:
        out.write(render(report, args.format))
    if left_behind := (not settings.keep_resources and left.errors):
        raise HarnessError(f"{len(left_behind)} teardown error(s); run `pipeline-harness teardown`")
    return EXIT_OK if report.ok else EXIT_FAILED
