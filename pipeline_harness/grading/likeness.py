"""The class as evidence: students whose roster entries reach the same AWS account, or whose graded
execution built the same commit, or whose service runs the same image digest — noted in each of
their rows, no points taken. Copied work is the commonest way to cheat a lab; whether it is copied
is the teacher's to judge, so these are notes, never verdicts.

The facts are the grade's: the account each roster entry reaches (the report's, or the one its
role ARN names when it could not be graded), the graded execution's commit and the running tasks'
image digests (grading/evidence's `execution` and `tasks` links).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

# what is compared, as the note says it
KINDS = {"account": "same AWS account", "commit": "same commit", "image": "same running image"}


@dataclass(frozen=True)
class Facts:
    """What one student's row says about their work."""

    student: str
    account: str = ""
    commit: str = ""
    images: tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    kind: str  # account | commit | image
    value: str  # the account id, the commit hash, the image digest
    others: tuple[str, ...]  # the other students sharing it, in roster order

    def __str__(self) -> str:
        shown = self.value[:7] if self.kind == "commit" else \
            f"{self.value[:19]}…" if self.kind == "image" else self.value
        return f"{KINDS[self.kind]} {shown} as {', '.join(self.others)}"

    def as_dict(self) -> dict:
        return {**asdict(self), "others": list(self.others), "says": str(self)}


def notes(rows: Iterable[Facts]) -> dict[str, list[Note]]:
    """student → the notes on their row (every student sharing a fact gets one, naming the others)."""
    rows = list(rows)
    sharing: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        values = [("account", row.account), ("commit", row.commit), *(("image", d) for d in row.images)]
        for kind, value in dict.fromkeys(values):
            if value:
                sharing[(kind, value)].append(row.student)
    found: dict[str, list[Note]] = {row.student: [] for row in rows}
    for (kind, value), students in sharing.items():
        if len(students) < 2:
            continue
        for student in students:
            found[student].append(Note(kind, value, tuple(s for s in students if s != student)))
    return found
