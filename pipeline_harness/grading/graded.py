"""One student's outcome in a class run: their report, or why there is none."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_harness.grading.roster import Student
from pipeline_harness.output.report import Report, is_note

REASON_IDS = 5  # failed checks named in a summary row; the student's report has them all


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
        failed = [c.id for c in self.report.checks if c.status == "fail" and not is_note(c)]
        more = f" (+{len(failed) - REASON_IDS} more)" if len(failed) > REASON_IDS else ""
        reason = ", ".join(failed[:REASON_IDS]) + more
        if not self.report.diagnosis:
            return reason
        return f"{self.report.diagnosis.split(':', 1)[0]}: {reason}"  # "Your lab is in X, not Y: …"

    @property
    def account(self) -> str:
        """The account graded, or the one the roster entry names (its role ARN) when none was."""
        return self.report.account if self.report else (self.student.account or "")
