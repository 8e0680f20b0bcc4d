"""The formats the LMSs and Gradescope read, as their own code and specification read them — not as
our writers write them — so a test can hold a file we wrote against each.

- Gradescope: results.json against a JSON schema written from its "Autograder Specifications"
  (tests/data/gradescope/results.schema.json says where from).
- Canvas: the gradebook importer, instructure/canvas-lms lib/gradebook_importer.rb (commit
  00b222d77ee43d046e6aee0347c4ed5b27e1741f): `row_has_student_headers?` (more than 3 columns,
  "Student" in the first, "ID" in the second), `update_column_count` (SIS User ID and SIS Login ID
  after ID), `header?` ("Section" in the last student column), `check_for_non_student_row` (a
  first cell holding "Points Possible" is the points-possible row), `process_pp`.
  And the guide: community.canvaslms.com, "How do I import grades in the Gradebook?".
- Moodle: grade/import/csv/classes/load_data.php (moodle/moodle, commit
  0289d8c7665458f8ffc47e34527598e15523f104), `prepare_import_grade_data` and
  `map_user_data_with_value`: the teacher maps one column to useremail or useridnumber ("Grade
  import", docs.moodle.org: "Email address" to useremail, "ID number" to useridnumber); a row with
  a blank identifier keeps the previous row's user; a grade is unformat_float's or "-"/blank (none);
  above gradepointmax (100 by default) the import is refused.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import jsonschema

GRADESCOPE_SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "gradescope" / "results.schema.json").read_text())
MOODLE_MAPPED = {"Email address": "useremail", "ID number": "useridnumber"}
MOODLE_GRADE_POINT_MAX = 100


def gradescope_results(text: str) -> dict:
    """A results.json Gradescope accepts: valid against its specification's schema."""
    results = json.loads(text)
    jsonschema.Draft202012Validator(GRADESCOPE_SCHEMA).validate(results)
    return results


@dataclass(frozen=True)
class CanvasImport:
    assignments: list[str]
    points_possible: dict[str, str]
    students: list[dict[str, str]]  # each row: the student columns and the assignments' grades


def canvas_import(text: str) -> CanvasImport:
    """The file as Canvas's importer reads it; AssertionError where it would refuse it."""
    rows = list(csv.reader(io.StringIO(text)))
    header, rest = rows[0], rows[1:]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "not a student header"
    student_columns = 3  # name, ID, Section
    if "SIS User ID" in header[2] and "SIS Login ID" in header[3]:
        student_columns += 2
    assert "Section" in header[student_columns - 1], "no Section as the last student column"
    assignments = header[student_columns:]
    points: dict[str, str] = {}
    students = []
    for row in rest:
        assert len(row) == len(header), f"a row of {len(row)} cells under {len(header)} headings"
        if "Points Possible" in row[0]:
            points = dict(zip(assignments, row[student_columns:], strict=True))
            continue
        students.append(dict(zip(header, row, strict=True)))
    return CanvasImport(assignments, points, students)


def moodle_import(text: str, mapped_from: str) -> list[tuple[str, float]]:
    """(identifier, grade) per row as Moodle's CSV import maps `mapped_from` (the column the teacher
    maps); AssertionError where the import would go wrong (a blank identifier: the previous row's
    user; a grade it cannot read or over its maximum)."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert mapped_from in MOODLE_MAPPED and mapped_from in header
    who, grades = header.index(mapped_from), [i for i, h in enumerate(header) if h != mapped_from]
    assert len(grades) == 1, f"one grade column, not {header}"
    read = []
    for row in rows[1:]:
        assert row[who].strip(), "a blank identifier: Moodle would give the grade to the row before"
        grade = float(row[grades[0]])
        assert 0 <= grade <= MOODLE_GRADE_POINT_MAX
        read.append((row[who], grade))
    return read
