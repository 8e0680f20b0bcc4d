"""Grading a class: each student's account graded concurrently, one report each plus a summary.

The accounts file is TOML, one `[[student]]` table per student:

    [[student]]
    name = "Ada"
    role_arn = "arn:aws:iam::111111111111:role/lab-grader"   # assumed from the base credentials
    external_id = "course-2026"                               # optional
    repository = "ada-lovelace/my-ecs-php-app"                # optional: the GitHub repository
                                                              # her pipeline must build
    [student.names]                                           # optional: the names Ada used
    pipeline = "dev-php-pipeline"

    [[student]]
    name = "Grace"
    profile = "grace"                                         # or a profile in ~/.aws/config
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import queue
import re
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

import boto3

from pipeline_harness import inert
from pipeline_harness.errors import (
    AWS_ERRORS,
    ConfigError,
    HarnessError,
    TargetUnreachable,
    first_line,
    unexpected,
)
from pipeline_harness.grading.grade import grade
from pipeline_harness.grading.guard import read_only
from pipeline_harness.report import Report, render, step_scores
from pipeline_harness.settings import Settings, load_toml
from pipeline_harness.steps import TITLES, codepipeline
from pipeline_harness.targets import open_target, sessions
from pipeline_harness.targets.base import Target

SESSION_NAME = "pipeline-harness-grader"
EXTENSIONS = {"table": "txt", "json": "json", "junit": "xml", "markdown": "md"}
SUMMARY = "class-summary"
REASON_IDS = 5  # failed checks named in a summary row; the student's report has them all
# a student's whole grade takes a second or two; what takes minutes is held up by the student
STUDENT_TIMEOUT = 300.0
NOT_GRADED = "not graded: the run stopped before this student was done"
# a Ctrl-C the kernel hands to a grading thread is only raised here once this thread runs again
_NOTICE_SIGNALS = 0.5
_STUDENT_KEYS = {"name", "profile", "role_arn", "external_id", "repository", "names"}
# IAM's role ARN, in ASCII: the partitions IAM has, 12 digits, an optional /path/ and a name of
# IAM's characters (at most 64); `\d` and `\w` alone would take any script's digits and letters
_IAM_CHARS = r"[A-Za-z0-9+=,.@_-]"
_ROLE_ARN = re.compile(rf"arn:(?:aws|aws-cn|aws-us-gov):iam::[0-9]{{12}}:role/"
                       rf"(?P<path>(?:{_IAM_CHARS}+/)*)(?P<name>{_IAM_CHARS}{{1,64}})")
MAX_ROLE_PATH = 512  # IAM's limit on a role's path, its slashes included
# where and how the grader runs stays the instructor's; a student only used other names
# a student's GitHub repository is the `repository` column: it pins pipeline.source
_NOT_NAMES = {"target", "endpoint_url", "region", "profile", "prefix", "allowed_accounts", "run_id",
              "created_at", "github_repository"}
NAME_SETTINGS = tuple(sorted(f.name for f in fields(Settings)
                             if f.type in ("str", "str | None") and f.name not in _NOT_NAMES))


@dataclass(frozen=True)
class Student:
    name: str
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    repository: str | None = None  # owner/repo the Source action must use; None: any owner/repo
    names: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """The student's name as a file name."""
        return re.sub(r"[^A-Za-z0-9._-]+", "-", self.name).strip("-.") or "student"


@dataclass(frozen=True)
class Graded:
    """One student's outcome: a report, or why there is none."""

    student: Student
    report: Report | None = None
    error: str = ""

    @property
    def status(self) -> str:
        if self.report is None or self.report.counts["error"]:
            return "error"
        return "fail" if self.report.counts["fail"] else "pass"

    @property
    def reason(self) -> str:
        if self.report is None:
            return self.error
        errors = [c for c in self.report.checks if c.status == "error"]
        if errors:
            return f"{len(errors)} check(s) could not be read, e.g. {errors[0].id}: {errors[0].message}"
        failed = [c.id for c in self.report.checks if c.status == "fail"]
        more = f" (+{len(failed) - REASON_IDS} more)" if len(failed) > REASON_IDS else ""
        return ", ".join(failed[:REASON_IDS]) + more


# --- the accounts file ----------------------------------------------------------------------------

def read_accounts(path: str | Path, settings: Settings) -> list[Student]:
    """The students of an accounts file; anything wrong with it is one ConfigError line."""
    data = load_toml(path, "accounts file")
    tables = data.get("student")
    if not isinstance(tables, list) or not tables or set(data) != {"student"}:
        raise ConfigError(f"accounts file {path} must hold [[student]] tables and nothing else")
    for number, table in enumerate(tables, 1):
        if not isinstance(table, dict):
            raise ConfigError(f"accounts file {path}: student #{number} must be a [[student]] table, "
                              f"not {table!r}")
    students = [_student(table, number, path, settings) for number, table in enumerate(tables, 1)]
    for seen, kind in (([s.name for s in students], "name"), ([s.slug for s in students], "file name")):
        twice = sorted({x for x in seen if seen.count(x) > 1})
        if twice:
            raise ConfigError(f"accounts file {path}: two students share the {kind} {twice[0]!r}")
    return students


def _student(table: dict, number: int, path, settings: Settings) -> Student:
    def bad(problem: str) -> ConfigError:
        who = table.get("name") if isinstance(table.get("name"), str) else "no name"
        return ConfigError(f"accounts file {path}: student #{number} ({who}): {problem}")

    unknown = sorted(set(table) - _STUDENT_KEYS)
    if unknown:
        raise bad(f"unknown key {unknown[0]!r}; known keys: {', '.join(sorted(_STUDENT_KEYS))}")
    for key in _STUDENT_KEYS - {"names"}:
        if key in table and not (isinstance(table[key], str) and table[key].strip()):
            raise bad(f"{key} must be non-empty text")
    if "name" not in table:
        raise bad("needs a name")
    if ("profile" in table) == ("role_arn" in table):
        raise bad("needs exactly one of profile or role_arn")
    arn = _ROLE_ARN.fullmatch(table["role_arn"]) if "role_arn" in table else None
    if "role_arn" in table and (arn is None or len(arn["path"]) + 1 > MAX_ROLE_PATH):
        raise bad(f"role_arn {table['role_arn']!r} is not an IAM role ARN "
                  "(arn:aws:iam::<12-digit account>:role/<name>)")
    if "external_id" in table and "role_arn" not in table:
        raise bad("external_id goes with role_arn")
    if "repository" in table and not codepipeline.REPOSITORY_ID.fullmatch(table["repository"]):
        raise bad(f"repository {table['repository']!r} is not a GitHub owner/repo "
                  "(tutorial Common Issues: repository name format)")
    names = table.get("names", {})
    if not isinstance(names, dict):
        raise bad("[student.names] must be a table")
    for key, value in names.items():
        if key not in NAME_SETTINGS:
            raise bad(f"names.{key} is not a name setting; known: {', '.join(NAME_SETTINGS)}")
        if not isinstance(value, str):
            raise bad(f"names.{key} must be text, not {value!r}")
        if not value.strip():
            raise bad(f"names.{key} must be a non-empty name (leave it out for the lab's {key})")
    try:
        settings.replace(**names)
    except ConfigError as err:
        raise bad(str(err)) from None
    return Student(**table)


# --- grading --------------------------------------------------------------------------------------

def session_for(student: Student, base: Target) -> boto3.Session:
    """The student's credentials: their profile, or their role assumed with the base credentials."""
    if student.profile:
        if student.profile not in sessions.profiles():
            raise TargetUnreachable(f"AWS profile {student.profile!r} is not configured")
        return sessions.session(base.region, student.profile)
    assume = {"RoleArn": student.role_arn, "RoleSessionName": SESSION_NAME}
    if student.external_id:
        assume["ExternalId"] = student.external_id
    try:
        credentials = base.client("sts").assume_role(**assume)["Credentials"]
    except AWS_ERRORS as err:
        raise TargetUnreachable(f"cannot assume {student.role_arn}: {err}") from None
    return sessions.session(base.region, aws_access_key_id=credentials["AccessKeyId"],
                            aws_secret_access_key=credentials["SecretAccessKey"],
                            aws_session_token=credentials["SessionToken"])


def grade_student(student: Student, settings: Settings, base: Target,
                  as_of: datetime | None = None, deadline: float | None = None) -> Graded:
    """One student's grade (as of `as_of`, default now); whatever keeps us out of their account, or
    goes wrong while grading it, is their row's reason (one line), never the end of the class run."""
    try:
        target = read_only(base.with_session(session_for(student, base)))  # grade() keeps it as is
        _ = target.account
        return Graded(student, report=grade(settings.replace(**student.names), target,
                                            repository=student.repository, as_of=as_of,
                                            deadline=deadline))
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


# --- the class summary ----------------------------------------------------------------------------

def _column(step: int) -> str:
    return "prerequisites" if step == 0 else f"step{step}"


def summary_rows(graded: list[Graded]) -> list[dict[str, str | int]]:
    """Score per step per student; a student who could not be graded has only a status and reason."""
    rows = []
    for one in graded:
        row: dict[str, str | int] = {"student": one.student.name, "status": one.status,
                                     "account": one.report.account if one.report else "",
                                     "score": "", "max_score": ""}
        scores = step_scores(one.report) if one.report else {}
        for step in TITLES:
            points, most = scores.get(step, ("", ""))
            row[_column(step)], row[f"{_column(step)}_max"] = points, most
        if one.report:
            row["score"], row["max_score"] = one.report.score, one.report.max_score
        row["reason"] = one.reason
        rows.append(row)
    return rows


def as_csv(graded: list[Graded]) -> str:
    """One row per student; every cell made inert for a spreadsheet (a reason quotes AWS errors)."""
    rows = [{key: inert.csv_cell(value) for key, value in row.items()} for row in summary_rows(graded)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["student"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _cell(value) -> str:
    return inert.markdown(value, cell=True)


def as_markdown(graded: list[Graded]) -> str:
    steps = list(TITLES)
    labels = ("Prerequisites" if s == 0 else f"Step {s}" for s in steps)
    header = ["Student", "Account", "Status", "Score", *labels, "Notes"]
    lines = ["# Class summary", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    for row in summary_rows(graded):
        score = f"{row['score']}/{row['max_score']}" if row["max_score"] != "" else "—"
        per_step = [f"{row[_column(s)]}/{row[f'{_column(s)}_max']}" if row[f"{_column(s)}_max"] != ""
                    else "—" for s in steps]
        cells = [row["student"], row["account"] or "—", row["status"], score, *per_step, row["reason"]]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    counts = {status: sum(g.status == status for g in graded) for status in ("pass", "fail", "error")}
    lines += ["", (f"{len(graded)} students: {counts['pass']} passed, {counts['fail']} with checks "
                   f"to fix, {counts['error']} could not be graded fully")]
    return "\n".join(lines) + "\n"


def write_reports(graded: list[Graded], fmt: str, directory: str | Path) -> list[Path]:
    """One report per graded student in `fmt`, plus the class summary as CSV and Markdown."""
    reports = [write_report(g, fmt, directory) for g in graded]
    return [p for p in reports if p is not None] + write_summaries(graded, directory)


def write_report(graded: Graded, fmt: str, directory: str | Path) -> Path | None:
    """The student's report in `fmt` (None: there is none, their row says why)."""
    if graded.report is None:
        return None
    return _write(Path(directory) / f"{graded.student.slug}.{EXTENSIONS[fmt]}",
                  render(graded.report, fmt))


def write_summaries(graded: list[Graded], directory: str | Path) -> list[Path]:
    """class-summary.csv and class-summary.md of these rows."""
    directory = Path(directory)
    return [_write(directory / f"{SUMMARY}.csv", as_csv(graded)),
            _write(directory / f"{SUMMARY}.md", as_markdown(graded))]


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
    made = [p for p in (directory, *directory.parents) if not p.exists() and not p.is_symlink()]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory, prefix=".pipeline-harness-probe-") as probe:
            probe.write(b"probe")
            probe.flush()
    except OSError as err:
        remove_made(made)
        raise ConfigError(f"--output-dir {directory}: cannot write the reports there: {err}") from None
    names = [f"{s.slug}.{EXTENSIONS[fmt]}" for s in students] + [f"{SUMMARY}.csv", f"{SUMMARY}.md"]
    taken = [n for n in names if (directory / n).exists() and not (directory / n).is_file()]
    if taken:
        raise ConfigError(f"--output-dir {directory}: {taken[0]} is there and is not a file")
    return made


def remove_made(made: list[Path]) -> None:
    """The folders prepare_output_dir created, removed while they are still empty (deepest first)."""
    for folder in made:
        try:
            folder.rmdir()
        except OSError:
            return


def run_class(settings: Settings, accounts: str | Path, *, jobs: int, fmt: str,
              output_dir: str | Path | None, timeout: float = STUDENT_TIMEOUT,
              as_of: datetime | None = None) -> list[Graded]:
    """Read the accounts file, grade everyone from the base target, write the reports.

    Each student's report is written as soon as they are done, and the class summaries with it, so
    an interrupted or failed run keeps what it finished (the students not reached are rows saying
    so); the folders prepare_output_dir made are removed only while no report is in them."""
    if not output_dir:
        raise ConfigError("--accounts needs --output-dir DIR for the students' reports")
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, not {jobs}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ConfigError(f"--student-timeout must be a positive number of seconds, not {timeout:g}")
    students = read_accounts(accounts, settings)  # a broken file stops us before any AWS call
    made = prepare_output_dir(output_dir, students, fmt)  # and so does a folder we cannot write
    done: dict[str, Graded] = {}

    def so_far() -> list[Graded]:
        return [done.get(s.name) or Graded(s, error=NOT_GRADED) for s in students]

    def finished(graded: Graded) -> None:
        done[graded.student.name] = graded
        write_report(graded, fmt, output_dir)
        write_summaries(so_far(), output_dir)

    try:
        with open_target(settings) as base:
            return grade_class(students, settings, base, jobs=jobs, timeout=timeout, as_of=as_of,
                               done=finished)
    except BaseException:
        if not done:
            remove_made(made)
            raise
        with contextlib.suppress(ConfigError):  # the error that stopped the run is the one to report
            write_summaries(so_far(), output_dir)
        raise
