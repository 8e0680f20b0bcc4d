"""`pipeline-harness grader-role`: the read-only role the grader assumes in a student's account.

    pipeline-harness grader-role template cloudformation > grader-role.yaml   # or terraform
    pipeline-harness grader-role check --teacher-account 111122223333 --external-id course-2026

`template` prints the role as a CloudFormation template (deployable as a StackSet to every student
account) or a Terraform configuration, both derived from the grader policy. `check` is for the
student, with their own credentials (`--profile`, the usual chain): read-only, it says whether the
role exists, whether the teacher's account may assume it (with the external id, and only with it),
whether anyone else may, and whether it may do exactly what the grader policy grants — one line per
finding with what to fix. Exit 0 when nothing failed, 1 when a finding did, 2 a bad option, 3 no
credentials or no answer.
"""

from __future__ import annotations

import argparse
from importlib import resources

from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.cli.parsing import Subparsers
from pipeline_harness.core.errors import EXIT_FAILED, EXIT_OK
from pipeline_harness.grading import grader_role
from pipeline_harness.grading.guard import read_only
from pipeline_harness.iam.files import GRADER_ROLE_TEMPLATES
from pipeline_harness.output.report import Report, render
from pipeline_harness.targets import open_target

FORMATS = ("table", "json", "junit", "markdown")  # check's: what output.report renders but a grade


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = sub.add_parser("grader-role", help="the grader's role: its templates, a student's self-check",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="grader_role_verb", required=True, metavar="{template,check}")
    template = verbs.add_parser("template", help="print the role as CloudFormation or Terraform")
    template.add_argument("language", choices=tuple(GRADER_ROLE_TEMPLATES))
    template.add_argument("--output", metavar="FILE", help="write it to this file instead of stdout")
    template.set_defaults(run=_template)
    check = verbs.add_parser(
        "check", parents=[common], help="check the role in your own account, read-only",
        description="With your own credentials: does the grader's role exist, may your teacher's "
                    "account assume it (with the external id, and only with it), may nobody else, and "
                    "may it do exactly what the grader policy grants?")
    check.add_argument("--teacher-account", required=True, metavar="ID",
                       help="your teacher's 12-digit AWS account id")
    check.add_argument("--external-id", metavar="ID", help="the external id your teacher gave you")
    check.add_argument("--role-name", default=grader_role.ROLE_NAME,
                       help=f"the role's name (default {grader_role.ROLE_NAME})")
    check.set_defaults(run=_check)
    return parser


def run(args: argparse.Namespace) -> int:  # the subverbs set their own `run`
    raise AssertionError(f"grader-role {args.grader_role_verb} has no run")


def _template(args: argparse.Namespace) -> int:
    filename, _ = GRADER_ROLE_TEMPLATES[args.language]
    text = resources.files("pipeline_harness.iam").joinpath(filename).read_text(encoding="utf-8")
    with output(args) as out:
        out.write(text)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    grader_role.check_options(args.teacher_account, args.external_id, args.role_name)  # before any call
    settings = settings_from(args)
    with open_target(settings) as target:
        checks = grader_role.check(read_only(target), args.teacher_account, args.external_id,
                                   args.role_name)
        report = Report(target.name, target.account, target.region, checks)
    with output(args) as out:
        out.write(render(report, args.format))
    return EXIT_OK if report.ok else EXIT_FAILED
