"""Progress on stderr while a class is graded: a tqdm bar — students done, of how many, the last one's
score — only where a person watches (a terminal) and not with --quiet. Names are the roster's, shown
as the terminal shows any text (inert.terminal), cut to a few words."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

from pipeline_harness.core import inert
from pipeline_harness.grading.graded import Graded

SHOWN = 40  # characters of the last student's name and score


def said(graded: Graded) -> str:
    """The last student done, as the bar shows them: `Ada Lovelace 33/34` or `Cy: error`."""
    report = graded.report
    outcome = f"{report.score}/{report.max_score}" if report and graded.status != "error" else "error"
    text = inert.terminal(f"{graded.student.name} {outcome}")
    return text if len(text) <= SHOWN else f"{text[:SHOWN - 1]}…"


@contextmanager
def shown(total: int, quiet: bool = False,
          stream: TextIO | None = None) -> Iterator[Callable[[Graded], None]]:
    """`done(graded)` for each student finished; a bar on `stream` (stderr) when it is a terminal."""
    bar = tqdm(total=total, desc="grading", unit="student", file=stream or sys.stderr,
               disable=True if quiet else None, dynamic_ncols=True, leave=True)  # None: a terminal only
    try:
        def done(graded: Graded) -> None:
            bar.set_postfix_str(said(graded), refresh=False)
            bar.update()

        yield done
    finally:
        bar.close()
