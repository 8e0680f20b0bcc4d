"""Grading a class: each student's account graded concurrently, each report written as its student
is done, the class summaries, the class board (index.html) and gradebook files rewritten with it.

The roster (the accounts file) is read by grading/roster.py; its keys are documented once, in
docs/grading.md ("A class roster"). The summaries are grading/summaries.py's, the gradebook files
grading/gradebooks.py's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import queue
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import boto3

from pipeline_harness.core.errors import (
    AWS_ERRORS,
    ConfigError,
    HarnessError,
    TargetUnreachable,
    first_line,
    unexpected,
)
from pipeline_harness.grading import gradebooks, summaries
from pipeline_harness.grading.grade import grade
from pipeline_harness.grading.graded import REASON_IDS, Graded
from pipeline_harness.grading.guard import read_only
from pipeline_harness.grading.roster import NAME_SETTINGS, Student, read_accounts
from pipeline_harness.grading.summaries import NOT_GRADED, SUMMARY, Row
from pipeline_harness.html.board import INDEX, class_board
from pipeline_harness.output.report import render
from pipeline_harness.settings import Settings
from pipeline_harness.targets import open_target, sessions
from pipeline_harness.targets.base import Target

__all__ = ["NAME_SETTINGS", "NOT_GRADED", "REASON_IDS", "SUMMARY", "Graded", "Student", "read_accounts"]

SESSION_NAME = "pipeline-harness-grader"
EXTENSIONS = {"table": "txt", "json": "json", "junit": "xml", "markdown": "md", "gradescope": "json",
              "html": "html"}
# a student's whole grade takes a second or two; what takes minutes is held up by the student
STUDENT_TIMEOUT = 300.0
# a Ctrl-C the kernel hands to a grading thread is only raised here once this thread runs again
_NOTICE_SIGNALS = 0.5


# --- grading --------------------------------------------------------------------------------------

def session_for(student: Student, base: Target, region: str | None = None) -> boto3.Session:
    """The student's credentials, in `region` (default the base's): their profile, or their role
    assumed with the base credentials."""
    region = region or base.region
    if student.profile:
        if student.profile not in sessions.profiles():
            raise TargetUnreachable(f"AWS profile {student.profile!r} is not configured")
        return sessions.session(region, student.profile)
    assume = {"RoleArn": student.role_arn, "RoleSessionName": SESSION_NAME}
    if student.external_id:
        assume["ExternalId"] = student.external_id
    try:
        credentials = base.client("sts").assume_role(**assume)["Credentials"]
    except AWS_ERRORS as err:
        raise TargetUnreachable(f"cannot assume {student.role_arn}: {err}") from None
    return sessions.session(region, aws_access_key_id=credentials["AccessKeyId"],
                            aws_secret_access_key=credentials["SecretAccessKey"],
                            aws_session_token=credentials["SessionToken"])


def student_target(student: Student, base: Target) -> Target:
    """The student's account, read-only, in the student's region (the roster's, else the run's)."""
    region = student.region or base.region
    reached = base.with_session(session_for(student, base, region))
    return read_only(dataclasses.replace(reached, region=region))  # grade() keeps it as is


def grade_student(student: Student, settings: Settings, base: Target,
                  as_of: datetime | None = None, deadline: float | None = None) -> Graded:
    """One student's grade (as of `as_of`, default now); whatever keeps us out of their account, or
    goes wrong while grading it, is their row's reason (one line), never the end of the class run."""
    try:
        target = student_target(student, base)
        _ = target.account
        graded_settings = settings.replace(region=target.region, **student.names)
        return Graded(student, report=grade(graded_settings, target, repository=student.repository,
                                            as_of=as_of, deadline=deadline, student=student.name))
    except (HarnessError, *AWS_ERRORS) as err:
        return Graded(student, error=first_line(err))
    except Exception as err:  # a bug, or an answer nobody foresaw: this student's row only
        return Graded(student, error=f"could not be graded: {unexpected(err)}")


def grade_class(students: list[Student], settings: Settings, base: Target, jobs: int = 8,
                timeout: float = STUDENT_TIMEOUT, as_of: datetime | None = None,
                done: Callable[[Graded], None] = lambda graded: None) -> list[Graded]:
    """Every student, at most `jobs` at a time, in the accounts file's order; `done(graded)` as each
    one finishes.

    A student has `timeout` seconds; then their row is `timed out` and the run goes on. Python
    cannot stop a thread, so each student is graded in a daemon thread: one held up by what the
    student serves is left behind (it starts no further check past its deadline, and cannot keep
    the process from exiting), and its place is given to the next student. Outcomes are taken only
    here, each once, so an answer that comes after the deadline changes nothing.
    """
    finished: queue.SimpleQueue[tuple[int, Graded]] = queue.SimpleQueue()
    waiting, running = deque(enumerate(students)), dict[int, float]()  # index -> its deadline
    outcomes: dict[int, Graded] = {}

    def start(index: int, student: Student) -> None:
        running[index] = deadline = time.monotonic() + timeout
        threading.Thread(target=lambda: finished.put((index, grade_student(student, settings, base,
                                                                           as_of, deadline))),
                         name=f"grade-{student.slug}", daemon=True).start()

    def settle(index: int, graded: Graded) -> None:
        del running[index]
        outcomes[index] = graded
        done(graded)

    while waiting or running:
        while waiting and len(running) < jobs:
            start(*waiting.popleft())
        until = max(0.0, min(running.values()) - time.monotonic())
        try:
            index, graded = finished.get(timeout=min(until, _NOTICE_SIGNALS))
        except queue.Empty:
            now = time.monotonic()
            for late in [i for i, deadline in running.items() if deadline <= now]:
                settle(late, Graded(students[late], error=f"timed out after {timeout:g} s"))
            continue
        if index in running:  # else its row already says it timed out
            settle(index, graded)
    return [outcomes[i] for i in range(len(students))]


# --- what is written -----------------------------------------------------------------------------

def report_name(student: Student, fmt: str) -> str:
    """The file name of the student's report in `fmt`, in the output folder."""
    return f"{student.slug}.{EXTENSIONS[fmt]}"


def write_report(graded: Graded, fmt: str, directory: str | Path) -> Path | None:
    """The student's report in `fmt` (None: there is none, their row says why)."""
    if graded.report is None:
        return None
    return _write(Path(directory) / report_name(graded.student, fmt), render(graded.report, fmt))


@dataclasses.dataclass(frozen=True)
class Gradebook:
    """A gradebook file to write with the summaries: its LMS's format, the roster, the column."""

    fmt: str
    students: list[Student]
    assignment: str = gradebooks.ASSIGNMENT


def write_summaries(rows: list[Row], directory: str | Path, gradebook: Gradebook | None = None, *,
                    report_names: Mapping[str, str] | None = None) -> list[Path]:
    """class-summary.csv, .md and .json of these rows, the class board (index.html, linking each
    student's report named in `report_names`), and the gradebook file if one is asked for."""
    directory = Path(directory)
    written = [_write(directory / f"{SUMMARY}.csv", summaries.as_csv(rows)),
               _write(directory / f"{SUMMARY}.md", summaries.as_markdown(rows)),
               _write(directory / f"{SUMMARY}.json", summaries.as_json(rows)),
               _write(directory / INDEX, board(rows, directory, report_names or {}))]
    if gradebook is not None:
        text = gradebooks.WRITERS[gradebook.fmt](gradebook.students, {r.student: r for r in rows},
                                                 gradebook.assignment)
        written.append(_write(directory / gradebooks.file_name(gradebook.fmt), text))
    return written


def board(rows: list[Row], directory: Path, report_names: Mapping[str, str]) -> str:
    """The class board of these rows: every student, the most-failed checks of the whole class (the
    rows keep them, also those a regrade merged in), the class notes, and a link to each report
    that is in the folder — only for a row with a score, so a student who could not be graded this
    time is not linked to a report left by an earlier run."""
    linked = {row.student: report_names[row.student] for row in rows
              if row.score is not None and row.student in report_names
              and (directory / report_names[row.student]).is_file()}
    return class_board(summaries.summary_rows(rows), failures={row.student: row.failures for row in rows},
                       report_files=linked, notes=summaries.note_lines(rows))


def _write(path: Path, text: str) -> Path:
    """Written whole or not at all: a reader (or a run killed meanwhile) never sees half a file."""
    part = path.with_name(f".{path.name}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            part.unlink()
        raise ConfigError(f"cannot write the reports into {path.parent}: {err}") from None
    return path


def prepare_output_dir(directory: str | Path, students: list[Student], fmt: str) -> list[Path]:
    """Make sure the reports can be written into `directory` before anyone is graded.

    Creates the folder (and missing parents) and writes a probe file; returns the folders it
    created, so a run that stops before writing can remove them. ConfigError if it cannot."""
    directory = Path(directory)
    ours = [*(f"{SUMMARY}.{e}" for e in ("csv", "md", "json")), INDEX,
            *(gradebooks.file_name(f) for f in gradebooks.FORMATS)]
    _refuse_reports_named_as(ours, students, fmt)  # before a folder is made for a run that cannot be
    made = [p for p in (directory, *directory.parents) if not p.exists() and not p.is_symlink()]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory, prefix=".pipeline-harness-probe-") as probe:
            probe.write(b"probe")
            probe.flush()
    except OSError as err:
        remove_made(made)
        raise ConfigError(f"--output-dir {directory}: cannot write the reports there: {err}") from None
    names = [*(report_name(s, fmt) for s in students), *ours]
    taken = [n for n in names if (directory / n).exists() and not (directory / n).is_file()]
    if taken:
        raise ConfigError(f"--output-dir {directory}: {taken[0]} is there and is not a file")
    return made


def _refuse_reports_named_as(ours: list[str], students: list[Student], fmt: str) -> None:
    """A student whose report would overwrite the class's own files (a student called `index` with
    --format html); compared without case, as macOS and Windows file systems compare names."""
    taken = {name.casefold() for name in ours}
    for student in students:
        if report_name(student, fmt).casefold() in taken:
            raise ConfigError(f"student {student.name!r}: the report would be {report_name(student, fmt)}, "
                              f"a file of the class run's own; rename the student in the accounts file "
                              f"or choose another --format")


def remove_made(made: list[Path]) -> None:
    """The folders prepare_output_dir created, removed while they are still empty (deepest first)."""
    for folder in made:
        try:
            folder.rmdir()
        except OSError:
            return


def run_class(settings: Settings, accounts: str | Path, *, jobs: int, fmt: str,
              output_dir: str | Path | None, timeout: float = STUDENT_TIMEOUT,
              as_of: datetime | None = None, only: str | None = None, gradebook: str | None = None,
              assignment: str = gradebooks.ASSIGNMENT,
              progress: Callable[[int], contextlib.AbstractContextManager[Callable[[Graded], None]]]
              | None = None) -> list[Row]:
    """Read the accounts file, grade everyone (or `only` that student, merged into the summaries
    already in `output_dir`) from the base target, write the reports; the class's rows.

    Each student's report is written as soon as they are done, and the class summaries (and the
    `gradebook` file) with it, so an interrupted or failed run keeps what it finished (the students
    not reached are rows saying so); the folders prepare_output_dir made are removed only while no
    report is in them. `progress(total)` gives the `done(graded)` a progress bar shows."""
    if not output_dir:
        raise ConfigError("--accounts needs --output-dir DIR for the students' reports")
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, not {jobs}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ConfigError(f"--student-timeout must be a positive number of seconds, not {timeout:g}")
    students = read_accounts(accounts)  # a broken file stops us before any AWS call
    gradebooks.check(gradebook, students)
    graded_now = _only(students, only)
    kept = summaries.load(output_dir) if only else {}  # and so does a regrade with nothing to merge into
    made = prepare_output_dir(output_dir, students, fmt)  # and a folder we cannot write
    book = Gradebook(gradebook, students, assignment) if gradebook else None
    names = {s.name: report_name(s, fmt) for s in students}
    done: dict[str, Row] = {}

    def so_far() -> list[Row]:
        return summaries.merged(students, kept, done, settings.region)

    with (progress or _silent)(len(graded_now)) as shown:
        def finished(graded: Graded) -> None:
            done[graded.student.name] = Row.of(graded, settings.region)
            write_report(graded, fmt, output_dir)
            write_summaries(so_far(), output_dir, book, report_names=names)
            shown(graded)

        try:
            with open_target(settings) as base:
                grade_class(graded_now, settings, base, jobs=jobs, timeout=timeout, as_of=as_of,
                            done=finished)
            return so_far()
        except BaseException:
            if not done:
                remove_made(made)
                raise
            with contextlib.suppress(ConfigError):  # the error that stopped the run is the one to report
                write_summaries(so_far(), output_dir, book, report_names=names)
            raise


def _only(students: list[Student], name: str | None) -> list[Student]:
    """Who this run grades: everyone, or the one roster entry of that name."""
    if name is None:
        return students
    match = [s for s in students if s.name == name]
    if not match:
        raise ConfigError(f"--student {name!r} is not in the accounts file; its students: "
                          + ", ".join(s.name for s in students[:10]) + (" …" if len(students) > 10 else ""))
    return match


@contextlib.contextmanager
def _silent(total: int) -> Iterator[Callable[[Graded], None]]:
    yield lambda graded: None
