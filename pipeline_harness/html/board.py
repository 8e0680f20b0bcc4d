"""The class board, `index.html` beside the students' reports: students × tutorial steps as a heat map,
the checks most students failed, the run's notes, each student's report one link away.

`class_board` only renders: it takes the class summary's rows (`grading.summaries.summary_rows`),
each student's failed checks (the class record's `failures`, so a regrade of one student still
counts the whole class) and their report files' names, and returns the page. Everything in it a
student or their account chose — names, accounts, reasons, notes that quote them, file names — goes
through the HTML layer's autoescape and `inert.html`; a file name becomes a link only to a file in
the board's own folder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline_harness.html import render
from pipeline_harness.output.report import Failure, section
from pipeline_harness.steps import TITLES

INDEX = "index.html"
_STEP_COLUMN = re.compile(r"step(\d+)")


@dataclass(frozen=True)
class Cell:
    """One student's points in one step; `fraction` None: nothing there was assessed."""

    text: str
    fraction: float | None

    @property
    def colour(self) -> str:
        """Red (none of the step's points) through amber to green (all of them); grey: not assessed."""
        if self.fraction is None:
            return "#eaeef2"
        return f"hsl({round(120 * self.fraction)} 65% 78%)"


@dataclass(frozen=True)
class Row:
    student: str
    status: str  # pass | fail | error, as the summary says
    account: str
    score: Cell
    steps: list[Cell]
    reason: str
    report: str | None  # the report's file name, in the board's folder

    @property
    def graded(self) -> bool:
        """Whether there are points to show; a student who could not be graded has only a reason."""
        return any(cell.fraction is not None for cell in (self.score, *self.steps))


@dataclass(frozen=True)
class Failed:
    """A check and the students who failed it (or whose account it could not read)."""

    check: str
    section: str
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def step_columns(rows: Sequence[Mapping[str, object]]) -> list[str]:
    """The summary's per-step columns, in its order: each key that has a `<key>_max` beside it."""
    keys = list(rows[0]) if rows else []
    return [key for key in keys if f"{key}_max" in keys]


def column_label(key: str) -> tuple[str, str]:
    """(short heading, the tutorial's title) of a per-step column: `step3` → Step 3."""
    number = _STEP_COLUMN.fullmatch(key)
    step = int(number[1]) if number else 0
    short = f"Step {step}" if number else key.capitalize()
    return short, TITLES.get(step, short)


def _cell(points: object, most: object) -> Cell:
    if not isinstance(most, int) or isinstance(most, bool) or not isinstance(points, int):
        return Cell("—", None)
    if most <= 0:  # every check of the step was skipped, or is worth no points
        return Cell(f"{points}/{most}", None)
    return Cell(f"{points}/{most}", max(0.0, min(1.0, points / most)))


def _rows(rows: Sequence[Mapping[str, object]], columns: list[str],
          report_files: Mapping[str, str]) -> list[Row]:
    made = []
    for row in rows:
        student = str(row["student"])
        made.append(Row(student, str(row["status"]), str(row.get("account") or ""),
                        _cell(row.get("score"), row.get("max_score")),
                        [_cell(row.get(key), row.get(f"{key}_max")) for key in columns],
                        str(row.get("reason") or ""), report_files.get(student)))
    return made


def most_failed(failures: Mapping[str, Sequence[Failure]]) -> list[Failed]:
    """Every check some student failed or could not be read for, the most failed first."""
    found: dict[str, Failed] = {}
    for student, failed in failures.items():
        for check, step, status in failed:
            entry = found.setdefault(check, Failed(check, section(step)))
            (entry.failed if status == "fail" else entry.errors).append(student)
    return sorted(found.values(), key=lambda f: (-len(f.failed), -len(f.errors), f.check))


def class_board(rows: Sequence[Mapping[str, object]], *,
                failures: Mapping[str, Sequence[Failure]] | None = None,
                report_files: Mapping[str, str] | None = None, notes: Sequence[str] = (),
                title: str = "Class board") -> str:
    """index.html of a graded class.

    `rows`: `summary_rows(rows)`; `failures`: the checks each student failed or could not be read
    for, by name (a note is none); `report_files`: each student's report file by name, in the
    board's folder; `notes`: lines the run wants a teacher to read first (two students on one
    account, say)."""
    columns = step_columns(rows)
    made = _rows(rows, columns, report_files or {})
    statuses = [row.status for row in made]
    return render("board.html.j2", page_title=title, rows=made,
                  columns=[column_label(key) for key in columns], failed=most_failed(failures or {}),
                  notes=list(notes), counts={s: statuses.count(s) for s in ("pass", "fail", "error")},
                  scale=[*(Cell(f"{step * 25} %", step / 4) for step in range(5)),
                         Cell("not assessed", None)])
