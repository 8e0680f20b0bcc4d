"""The class summaries: one row per student — score per step, status, why, and the notes of the class
as evidence — as CSV (a spreadsheet), Markdown (to read) and JSON (the record a `--student` regrade
merges into, and the notes as data). The JSON record also keeps the checks each student failed or
could not be read for, so the class board counts the most-failed checks across the whole class
after a regrade too.

Every cell that can carry a student's or an account's text is made inert for its format.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from pipeline_harness.core import inert
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.core.stamps import harness_version, now
from pipeline_harness.grading import likeness
from pipeline_harness.grading.graded import Graded
from pipeline_harness.grading.roster import Student
from pipeline_harness.output.report import FAILED, Failure, failures, step_scores
from pipeline_harness.steps import TITLES

SUMMARY = "class-summary"
NOT_GRADED = "not graded: the run stopped before this student was done"
# 2: the rows keep `failures`; a version 1 record (without them) is read as failing nothing
RECORD_VERSION = 2


@dataclass(frozen=True)
class Row:
    """What the summaries say of one student (also what class-summary.json keeps of them)."""

    student: str
    status: str  # pass | fail | error
    reason: str
    account: str = ""
    region: str = ""
    score: int | None = None  # None: no report
    max_score: int | None = None
    bonus: int | None = None
    percentage: float | None = None
    steps: dict[str, list[int]] = field(default_factory=dict)  # step → [points, max points]
    graded_at: str = ""
    commit: str = ""
    images: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()  # the checks failed (a note is none) or not read, in order

    @classmethod
    def of(cls, graded: Graded, region: str = "") -> Row:
        report = graded.report
        common: dict[str, Any] = {
            "student": graded.student.name, "status": graded.status, "reason": graded.reason,
            "account": graded.account,
            "region": report.region if report else (graded.student.region or region)}
        if report is None:
            return cls(**common)
        execution = report.graded_execution
        return cls(**common, score=report.score, max_score=report.max_score, bonus=report.bonus,
                   percentage=report.percentage, graded_at=report.graded_at,
                   steps={str(s): list(p) for s, p in step_scores(report).items()},
                   commit=(execution.commit or "") if execution else "", images=report.running_images,
                   failures=failures(report))

    @property
    def graded(self) -> bool:
        """Graded fully: a score a gradebook may take (an error row's score would be the grader's fault)."""
        return self.status != "error" and self.score is not None

    def facts(self) -> likeness.Facts:
        return likeness.Facts(self.student, self.account, self.commit, self.images)


def not_graded(student: Student, region: str = "") -> Row:
    return Row(student.name, "error", NOT_GRADED, student.account or "", student.region or region)


def rows_of(graded: list[Graded], region: str = "") -> list[Row]:
    return [Row.of(one, region) for one in graded]


def class_notes(rows: list[Row]) -> dict[str, list[likeness.Note]]:
    """Each student's notes of the class as evidence (same account, commit or running image)."""
    return likeness.notes(row.facts() for row in rows)


def note_lines(rows: list[Row]) -> list[str]:
    """The class notes as lines to read first, one per shared fact: the first of its students in
    roster order, and the note on their row ("Ada: same AWS account 111111111111 as Fay")."""
    lines, seen = [], set()
    for student, found in class_notes(rows).items():
        for note in found:
            if (note.kind, note.value) not in seen:
                seen.add((note.kind, note.value))
                lines.append(f"{student}: {note}")
    return lines


# --- CSV and Markdown -----------------------------------------------------------------------------

def _column(step: int) -> str:
    return "prerequisites" if step == 0 else f"step{step}"


def summary_rows(rows: list[Row]) -> list[dict[str, str | int | float]]:
    """Score per step per student; a student who could not be graded has only a status and reason."""
    noted = class_notes(rows)
    table = []
    for row in rows:
        cells: dict[str, str | int | float] = {
            "student": row.student, "status": row.status, "account": row.account, "region": row.region,
            "score": _or_blank(row.score), "max_score": _or_blank(row.max_score),
            "bonus": _or_blank(row.bonus), "percentage": _or_blank(row.percentage)}
        for step in TITLES:
            points, most = row.steps.get(str(step), ("", ""))
            cells[_column(step)], cells[f"{_column(step)}_max"] = points, most
        cells["reason"] = row.reason
        cells["class_notes"] = "; ".join(map(str, noted[row.student]))
        cells["graded_at"] = row.graded_at
        table.append(cells)
    return table


def _or_blank(value: float | None) -> str | float:
    return "" if value is None else value


def as_csv(rows: list[Row]) -> str:
    """One row per student; every cell made inert for a spreadsheet (a reason quotes AWS errors)."""
    table = [{key: inert.csv_cell(value) for key, value in row.items()} for row in summary_rows(rows)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]) if table else ["student"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


def _cell(value: object) -> str:
    return inert.markdown(value, cell=True)


def _score(row: dict) -> str:
    if row["max_score"] == "":
        return "—"
    share = f" ({row['percentage']:g} %)" if row["percentage"] != "" else ""
    bonus = f" +{row['bonus']} bonus" if row["bonus"] else ""
    return f"{row['score']}/{row['max_score']}{share}{bonus}"


def as_markdown(rows: list[Row]) -> str:
    steps = list(TITLES)
    labels = ("Prerequisites" if s == 0 else f"Step {s}" for s in steps)
    header = ["Student", "Account", "Region", "Status", "Score", *labels, "Notes"]
    lines = ["# Class summary", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in summary_rows(rows):
        per_step = [f"{row[_column(s)]}/{row[f'{_column(s)}_max']}" if row[f"{_column(s)}_max"] != ""
                    else "—" for s in steps]
        notes = "; ".join(str(n) for n in (row["reason"], row["class_notes"]) if n)
        cells = [row["student"], row["account"] or "—", row["region"] or "—", row["status"], _score(row),
                 *per_step, notes]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    counts = {status: sum(r.status == status for r in rows) for status in ("pass", "fail", "error")}
    shared = sum(bool(n) for n in class_notes(rows).values())
    lines += ["", (f"{len(rows)} students: {counts['pass']} passed, {counts['fail']} with checks "
                   f"to fix, {counts['error']} could not be graded fully"
                   + (f"; {shared} share an account, a commit or an image with another (noted, no "
                      "points taken)" if shared else ""))]
    return "\n".join(lines) + "\n"


# --- JSON: the record ------------------------------------------------------------------------------

def as_json(rows: list[Row]) -> str:
    """The rows as data, and the class notes per student (for the class board and for a merge)."""
    noted = class_notes(rows)
    record = {"version": RECORD_VERSION, "harness_version": harness_version(), "written_at": now(),
              "students": [{**asdict(row), "images": list(row.images),
                            "failures": [list(f) for f in row.failures]} for row in rows],
              "notes": {name: [n.as_dict() for n in found] for name, found in noted.items() if found}}
    return json.dumps(record, indent=2) + "\n"


_ROW_FIELDS = {f.name for f in fields(Row)}
_SINCE_VERSION_2 = {"failures"}


def load(directory: str | Path) -> dict[str, Row]:
    """The rows of DIR/class-summary.json, by student; ConfigError when there is none to merge into."""
    path = Path(directory) / f"{SUMMARY}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        rows = [_row(entry) for entry in record["students"]]
    except FileNotFoundError:
        raise ConfigError(f"--student merges into the class summary in {directory}, and there is none "
                          f"({path.name} is missing): grade the whole class into it first") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"{path} is not a class summary pipeline-harness wrote ({type(err).__name__}): "
                          "grade the whole class into the folder again") from None
    return {row.student: row for row in rows}


def _row(entry: Any) -> Row:  # an entry of class-summary.json, as read
    if not isinstance(entry, dict) or set(entry) not in (_ROW_FIELDS, _ROW_FIELDS - _SINCE_VERSION_2):
        raise ValueError("a row with other keys")
    if not all(isinstance(entry[k], str) for k in ("student", "status", "reason", "account", "region",
                                                    "graded_at", "commit")):
        raise ValueError("a row whose text is not text")
    return Row(**{**entry, "images": tuple(str(d) for d in entry["images"]),
                  "steps": {str(k): [int(p) for p in v] for k, v in entry["steps"].items()},
                  "failures": tuple(_failure(f) for f in entry.get("failures", ()))})


def _failure(entry: Any) -> Failure:
    """[check id, step, fail | error], as as_json writes it."""
    check, step, status = entry
    if not (isinstance(check, str) and type(step) is int and status in FAILED):
        raise ValueError("a failure that is not [check id, step, fail | error]")
    return check, step, status


def merged(students: list[Student], kept: dict[str, Row], fresh: dict[str, Row],
           region: str = "") -> list[Row]:
    """The roster's rows: this run's where there is one, else the record's, else `not graded`."""
    return [fresh.get(s.name) or kept.get(s.name) or not_graded(s, region) for s in students]
