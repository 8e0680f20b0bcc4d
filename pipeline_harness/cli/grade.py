"""`pipeline-harness grade`: a read-only score of an existing lab, per step, with the tutorial's hints."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.errors import EXIT_FAILED, EXIT_OK, ConfigError
from pipeline_harness.grading import classroom
from pipeline_harness.grading.grade import grade
from pipeline_harness.report import render
from pipeline_harness.steps import codepipeline
from pipeline_harness.targets import open_target


def add_parser(sub, common):
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
    group = parser.add_argument_group("a whole class")
    group.add_argument("--accounts", metavar="FILE",
                       help="TOML file of [[student]] tables (name; profile or role_arn; optional "
                            "external_id, repository and [student.names]): grade every student's "
                            "account")
    group.add_argument("--jobs", type=int, default=8, help="students graded at once (default 8)")
    group.add_argument("--student-timeout", metavar="SECONDS", type=float,
                       help="with --accounts: a student not graded within this time is an error row "
                            f"and the run goes on (default {classroom.STUDENT_TIMEOUT:g})")
    group.add_argument("--output-dir", metavar="DIR",
                       help="with --accounts: one report per student (in --format) and "
                            "class-summary.csv/.md go here; the summary is also printed")
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


def run(args) -> int:
    as_of = as_of_time(args.as_of)
    settings = settings_from(args)
    if args.repository and not codepipeline.REPOSITORY_ID.fullmatch(args.repository):
        raise ConfigError(f"--repository must be a GitHub owner/repo, not {args.repository!r}")
    if args.accounts and args.repository:
        raise ConfigError("--repository is for one account; with --accounts give each student's "
                          "repository in the accounts file")
    if args.student_timeout is not None and not args.accounts:
        raise ConfigError("--student-timeout is for a class (--accounts); one account is graded "
                          "until it is done")
    if args.accounts:
        timeout = classroom.STUDENT_TIMEOUT if args.student_timeout is None else args.student_timeout
        graded = classroom.run_class(settings, args.accounts, jobs=args.jobs, fmt=args.format,
                                     output_dir=args.output_dir, timeout=timeout, as_of=as_of)
        with output(args) as out:
            out.write(classroom.as_markdown(graded))
        return EXIT_OK if all(g.status == "pass" for g in graded) else EXIT_FAILED
    with open_target(settings) as target:
        report = grade(settings, target, repository=args.repository, as_of=as_of)
    with output(args) as out:
        out.write(render(report, args.format))
    return EXIT_OK if report.ok else EXIT_FAILED
