"""Progress while a class is graded: a bar on a terminal, nothing elsewhere or with --quiet, and a
student's name shown as the terminal shows any text."""

import io

from pipeline_harness.grading import progress
from pipeline_harness.grading.classroom import Graded, Student
from pipeline_harness.output.report import Report
from pipeline_harness.steps.base import CheckResult


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _graded(name: str) -> Graded:
    check = CheckResult("ecr.repository", 1, "ECR repository exists", "pass", 1, 1, "found it")
    return Graded(Student(name, profile="p"), report=Report("aws", "1", "eu-north-1", [check]))


def test_a_terminal_sees_students_done_of_how_many_and_the_last_ones_score():
    terminal = Terminal()

    with progress.shown(2, stream=terminal) as done:
        done(_graded("Ada"))
        done(Graded(Student("Bob", profile="p"), error="timed out after 300 s"))

    shown = terminal.getvalue()
    assert "2/2" in shown and "Bob error" in shown and "grading" in shown


def test_nothing_is_shown_where_no_one_watches_or_with_quiet():
    file, terminal = io.StringIO(), Terminal()

    for stream, quiet in ((file, False), (terminal, True)):
        with progress.shown(1, quiet=quiet, stream=stream) as done:
            done(_graded("Ada"))

    assert file.getvalue() == terminal.getvalue() == ""


def test_a_students_name_is_shown_without_its_escapes_and_cut():
    said = progress.said(_graded("\x1b]52;c;Y2xpcA==\x07Ada\x1b[2J" + "x" * 100))

    assert "\x1b" not in said and said.startswith("Ada") and len(said) == progress.SHOWN
