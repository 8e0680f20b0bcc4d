"""Gradebook files an LMS imports: `DIR/gradebook-canvas.csv` and `DIR/gradebook-moodle.csv`.

Canvas ("How do I import grades in the Gradebook?", and the importer itself, instructure/canvas-lms
lib/gradebook_importer.rb): a header row whose first columns are `Student`, `ID`, `SIS User ID`,
`SIS Login ID`, `Section` — the importer wants "Student" in the first, "ID" in the second and
"Section" in the last of them, and finds a student by ID, then SIS User ID, then SIS Login ID,
then name — then one column per assignment, named by its title (or `Title (id)` for an existing
one); a row whose first cell holds `Points Possible` sets each assignment's points. A blank grade
changes nothing.

Moodle ("Grade import", docs.moodle.org; grade/import/csv/classes/load_data.php): any columns, one
of which the teacher maps to a user field — `Email address` to useremail, or `ID number` to
useridnumber — and a grade column per grade item. Moodle keeps the last row's user when a row's
identifier is blank, and a blank grade erases one: so every row has its identifier and its grade,
and a student without them is left out (and the run refused before grading when one would be).

Only students graded fully get a grade: one whose grade could not be made (an error row) is left
out, so the importer keeps what the gradebook has, and the class summary says why. The grade is the
score without the bonus (the class summary has the bonus apart). Every cell is made inert for a
spreadsheet (inert.csv_cell).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from pipeline_harness.core import inert
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.grading.roster import Student
from pipeline_harness.grading.summaries import Row

FORMATS = ("canvas", "moodle")
ASSIGNMENT = "CI/CD Pipeline for ECS lab"  # the gradebook column's title, unless --assignment
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
# Moodle's own export headers for the user fields its import maps, and the field each maps to
MOODLE_IDENTIFIERS = (("email", "Email address"), ("sis_id", "ID number"))


def file_name(fmt: str) -> str:
    return f"gradebook-{fmt}.csv"


def _csv(rows: list[list]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[inert.csv_cell(cell) for cell in row] for row in rows])
    return out.getvalue()


def points_possible(rows: list[Row]) -> int | str:
    """The lab's maximum on this target: the largest of the students who passed every check (a
    check the target cannot judge is skipped for them, and counts for nobody); with none, the
    largest of all. "" when no one was graded."""
    passed = [row.max_score or 0 for row in rows if row.status == "pass" and row.graded]
    reference = passed or [row.max_score or 0 for row in rows if row.graded]
    return max(reference) if reference else ""


def canvas(students: list[Student], rows: dict[str, Row], assignment: str = ASSIGNMENT) -> str:
    """Canvas's gradebook import: the student columns, the assignment, a Points Possible row."""
    graded = [(s, rows[s.name]) for s in students if s.name in rows and rows[s.name].graded]
    possible = points_possible([row for _, row in graded])
    table: list[list] = [[*CANVAS_COLUMNS, assignment], [POINTS_POSSIBLE, "", "", "", "", possible]]
    table += [[s.name, s.id or "", s.sis_id or "", "", s.section or "", row.score] for s, row in graded]
    return _csv(table)


def moodle_identifier(students: list[Student]) -> tuple[str, str]:
    """(roster key, Moodle's column) every student has: e-mail, else ID number; ConfigError if neither."""
    for key, column in MOODLE_IDENTIFIERS:
        if all(getattr(s, key) for s in students):
            return key, column
    lacking = next(s for s in students if not (s.email or s.sis_id))
    without = next((s for s in students if not s.email), lacking)
    raise ConfigError(f"--gradebook moodle needs a user field Moodle maps on every student: an email "
                      f"for each (or a sis_id, Moodle's ID number, for each); {without.name} has no "
                      "email" + ("" if without.sis_id else " and no sis_id"))


def moodle(students: list[Student], rows: dict[str, Row], assignment: str = ASSIGNMENT) -> str:
    """Moodle's CSV grade import: the identifier the teacher maps, then the grade."""
    key, column = moodle_identifier(students)
    table: list[list] = [[column, assignment]]
    table += [[getattr(s, key), rows[s.name].score] for s in students
              if s.name in rows and rows[s.name].graded]
    return _csv(table)


WRITERS: dict[str, Callable[[list[Student], dict[str, Row], str], str]] = {"canvas": canvas, "moodle": moodle}


def check(fmt: str | None, students: list[Student]) -> None:
    """What the gradebook needs of the roster, refused before anyone is graded."""
    if fmt == "moodle":
        moodle_identifier(students)
