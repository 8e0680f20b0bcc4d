"""`pipeline-harness grade`: a read-only score of an existing lab, per step, with the tutorial's hints."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.cli.parsing import Subparsers
from pipeline_harness.core.errors import EXIT_FAILED, EXIT_OK, ConfigError
from pipeline_harness.grading import classroom, gradebooks, progress, roster, summaries
from pipeline_harness.grading.grade import grade
from pipeline_harness.output.report import render
from pipeline_harness.steps import codepipeline
from pipeline_harness.targets import open_target

# what output.report renders, each student's report with --accounts too (the summary is Markdown)
FORMATS = ("table", "json", "junit", "markdown", "gradescope", "html")


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "grade", parents=[common], help="score an existing lab per step, read-only, with hints",
        description="Run every check of Steps 1-7 against an existing account without changing "
                    "anything; names default to the tutorial's (override them in --config).")
    parser.add_argument("--as-of", metavar="TIME",
                        help="grade as of this time, ISO 8601 (2026-11-02T23:59:00Z; without an offset: "
                             "UTC; default now): executions finished after it are not counted")
    parser.add_argument("--repository", metavar="OWNER/REPO",
                        help="the GitHub repository the pipeline's Source action must use (default: "
                             "any owner/repo, as the tutorial asks)")
    parser.add_argument("--role-arn", metavar="ARN",
                        help="grade the account of this role, assumed with the base credentials (the "
                             "read-only grader role a student made, e.g. submitted to Gradescope)")
    parser.add_argument("--external-id", metavar="ID", help="with --role-arn: the role's external id")
    parser.add_argument("--student", metavar="NAME",
                        help="with --accounts: regrade only this student and merge the result into the "
                             "summaries already in --output-dir; for one account: the name its report "
                             "gives")
    group = parser.add_argument_group("a whole class")
    group.add_argument("--accounts", metavar="FILE",
                       help="the class roster, TOML [[student]] tables (keys: docs/grading.md, "
                            "\"A class roster\"): grade every student's account")
    group.add_argument("--jobs", type=int, default=8, help="students graded at once (default 8)")
    # the one progress a verb writes: the class's bar (one account is graded without one)
    group.add_argument("--quiet", action="store_true",
                       help="no progress bar on stderr (it is shown only on a terminal anyway)")
    group.add_argument("--student-timeout", metavar="SECONDS", type=float,
                       help="with --accounts: a student not graded within this time is an error row "
                            f"and the run goes on (default {classroom.STUDENT_TIMEOUT:g})")
    group.add_argument("--output-dir", metavar="DIR",
                       help="with --accounts: one report per student (in --format; html: a page "
                            "each), class-summary.csv/.md/.json and the class board, index.html, go "
                            "here; the summary is also printed")
    group.add_argument("--gradebook", choices=gradebooks.FORMATS,
                       help="with --accounts: also write DIR/gradebook-canvas.csv or "
                            "DIR/gradebook-moodle.csv for the LMS's grade import")
    group.add_argument("--assignment", metavar="TITLE",
                       help=f"with --gradebook: the gradebook column's title (default "
                            f"{gradebooks.ASSIGNMENT!r}; Canvas: 'Title (id)' names an existing one)")
    return parser


def as_of_time(text: str | None) -> datetime | None:
    """--as-of as an aware time (UTC when it names no offset); a bad or future one is exit 2."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--as-of must be an ISO 8601 time such as 2026-11-02T23:59:00Z, not "
                          f"{text!r}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment > datetime.now(UTC):
        raise ConfigError(f"--as-of {text} is in the future: nothing has finished by then yet")
    return moment


def _refuse_mixed(args: argparse.Namespace) -> None:
    """Options that belong to a class, or to one account, refused in the other."""
    if args.repository and not codepipeline.REPOSITORY_ID.fullmatch(args.repository):
        raise ConfigError(f"--repository must be a GitHub owner/repo, not {args.repository!r}")
    if args.accounts:
        for given, said in ((args.repository, "--repository"), (args.role_arn, "--role-arn")):
            if given:
                raise ConfigError(f"{said} is for one account; with --accounts give each student's "
                                  f"{said.lstrip('-').replace('-', '_')} in the accounts file")
    else:
        for given, said in ((args.student_timeout is not None, "--student-timeout"),
                            (args.gradebook, "--gradebook")):
            if given:
                raise ConfigError(f"{said} is for a class (--accounts); one account is graded "
                                  "until it is done")
    if args.external_id is not None and not args.role_arn:
        raise ConfigError("--external-id goes with --role-arn")
    if args.assignment is not None and not args.gradebook:
        raise ConfigError("--assignment names the --gradebook column; give --gradebook canvas or moodle")
    if args.assignment is not None and not args.assignment.strip():
        raise ConfigError("--assignment must be a non-empty title")


def run(args: argparse.Namespace) -> int:
    as_of = as_of_time(args.as_of)
    settings = settings_from(args)
    _refuse_mixed(args)
    if args.accounts:
        timeout = classroom.STUDENT_TIMEOUT if args.student_timeout is None else args.student_timeout
        rows = classroom.run_class(
            settings, args.accounts, jobs=args.jobs, fmt=args.format, output_dir=args.output_dir,
            timeout=timeout, as_of=as_of, only=args.student, gradebook=args.gradebook,
            assignment=args.assignment or gradebooks.ASSIGNMENT,
            progress=lambda total: progress.shown(total, quiet=args.quiet))
        with output(args) as out:
            out.write(summaries.as_markdown(rows))
        judged = [r for r in rows if args.student in (None, r.student)]  # a regrade: that student
        return EXIT_OK if all(r.status == "pass" for r in judged) else EXIT_FAILED
    student = roster.role_student(args.role_arn, args.external_id, args.student) if args.role_arn else None
    with open_target(settings) as base:
        target = classroom.student_target(student, base) if student else base
        report = grade(settings, target, repository=args.repository, as_of=as_of,
                       student=args.student or "")
    with output(args) as out:
        out.write(render(report, args.format))
    return EXIT_OK if report.ok else EXIT_FAILED
