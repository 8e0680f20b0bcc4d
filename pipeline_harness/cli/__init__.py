"""`pipeline-harness`: one verb per module; expected failures are one line and an exit code."""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import traceback
from typing import NoReturn

import botocore.exceptions

from pipeline_harness.cli.common import check_output, common_options
from pipeline_harness.core import inert
from pipeline_harness.core.errors import (
    AWS_ERRORS,
    EXIT_CRASH,
    EXIT_FAILED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    HarnessError,
    first_line,
    unexpected,
)

VERBS = ("verify", "grade", "provision", "teardown", "lint", "wait", "sweep", "preflight", "report",
         "grader-role")

EPILOG = ("exit codes: 0 all passed; 1 a check or wait failed; 2 usage or configuration error; "
          "3 target unreachable or credentials missing; 4 pipeline-harness crashed (a bug: the "
          "traceback is written to a file in the temp directory)")


class _Parser(argparse.ArgumentParser):
    """A usage mistake is one line on stderr (and exit 2), not the whole usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pipeline-harness", epilog=EPILOG, description="Verify the ECS CodePipeline lab.")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb in VERBS:
        module = importlib.import_module(f"pipeline_harness.cli.{verb.replace('-', '_')}")
        command = module.add_parser(sub, common_options(module.FORMATS))
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else 0
    try:
        check_output(args)
        return args.run(args)
    except HarnessError as err:
        _say(str(err))
        return err.exit_code
    except AWS_ERRORS as err:  # one the verbs don't expect: still one line, never a traceback
        _say(f"AWS call failed unexpectedly: {first_line(err)}")
        dropped = isinstance(err, botocore.exceptions.ConnectionError)
        return EXIT_UNREACHABLE if dropped else EXIT_FAILED
    except KeyboardInterrupt:
        print("pipeline-harness: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug of ours: one line on the terminal, the traceback in a file
        _say(f"crashed with {unexpected(err)} ({_kept(err)})")
        return EXIT_CRASH


def _say(line: str) -> None:
    """One line on stderr, made inert: an error may quote what an account or a file holds."""
    print(f"pipeline-harness: {inert.terminal(line)}", file=sys.stderr)


def _kept(err: Exception) -> str:
    """Where the crash's traceback was written, for a bug report."""
    try:
        with tempfile.NamedTemporaryFile("w", prefix="pipeline-harness-crash-", suffix=".txt",
                                         delete=False, encoding="utf-8") as file:
            traceback.print_exception(err, file=file)
    except OSError as problem:
        return f"the traceback could not be written: {first_line(problem)}"
    return f"the traceback is in {file.name}"


if __name__ == "__main__":
    sys.exit(main())
