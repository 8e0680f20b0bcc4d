"""Creates that a target can't tag in the same call are written down until their tags are on.

Ownership is read from tags, so a resource made by one call and tagged by the next would be
nobody's if the process died in between (kill -9, a lost machine). The journal is a small JSON
file per endpoint, account and region in the state directory (PIPELINE_HARNESS_STATE_DIR, default
~/.local/state/pipeline-harness): an entry is written before the create and removed once the
resource carries its tags or is gone, so a later teardown on this machine still knows it is ours.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STATE_DIR_VARIABLE = "PIPELINE_HARNESS_STATE_DIR"


def state_dir() -> Path:
    given = os.environ.get(STATE_DIR_VARIABLE)
    return Path(given) if given else Path.home() / ".local" / "state" / "pipeline-harness"


class Journal:
    def __init__(self, endpoint: str, account: str, region: str):
        where = re.sub(r"[^A-Za-z0-9.-]+", "_", endpoint).strip("_")
        self.path = state_dir() / f"journal-{where}-{account}-{region}.json"

    def _entries(self) -> set[str]:
        try:
            return set(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return set()

    def _write(self, entries: set[str]) -> None:
        if not entries:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(sorted(entries)), encoding="utf-8")
        temporary.replace(self.path)  # atomic: a kill never leaves half a file

    @contextmanager
    def creating(self, kind: str, name: str) -> Iterator[None]:
        entry = f"{kind}/{name}"
        self._write(self._entries() | {entry})
        yield
        self.forget(kind, name)

    def holds(self, kind: str, name: str) -> bool:
        return f"{kind}/{name}" in self._entries()

    def forget(self, kind: str, name: str) -> None:
        entries = self._entries()
        if f"{kind}/{name}" in entries:
            self._write(entries - {f"{kind}/{name}"})
