"""What a class run leaves in its folder for graded students, written the way `classroom.run_class`
writes it as each student is done: their report, then the class summaries and the board."""

from __future__ import annotations

from pathlib import Path

from pipeline_harness.grading import classroom, summaries
from pipeline_harness.grading.graded import Graded


def written(graded: list[Graded], fmt: str, folder: str | Path) -> list[Path]:
    """Each graded student's report in `fmt` (none for a student who could not be graded), the
    summaries and the board linking the reports; the paths written."""
    names = {g.student.name: classroom.report_name(g.student, fmt) for g in graded}
    reports = [path for g in graded if (path := classroom.write_report(g, fmt, folder)) is not None]
    return reports + classroom.write_summaries(summaries.rows_of(graded), folder, report_names=names)
