"""The waits `pipeline-harness wait` runs, by name; each is declared beside its builder
(`DECLARED`, declared.py)."""

from __future__ import annotations

from pipeline_harness.waits import ecr_tags, http, pipeline, rollout
from pipeline_harness.waits.declared import Declared, Option

WAITS: dict[str, Declared] = {w.name: w for w in (pipeline.DECLARED, ecr_tags.DECLARED, rollout.DECLARED,
                                                  http.DECLARED)}


def options() -> tuple[tuple[Declared, Option], ...]:
    """Every wait's options, with the wait each belongs to, in the registry's order."""
    return tuple((wait, option) for wait in WAITS.values() for option in wait.options)
