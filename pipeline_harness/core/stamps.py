"""What a report, a record and a run's resources are stamped with: this moment, as one ISO 8601
form (UTC, to the second: what the `created-at` tag holds and the sweep reads back), and the
harness's version, as installed — one wording each, whoever stamps."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from importlib import metadata

UTC_SECONDS = "%Y-%m-%dT%H:%M:%SZ"
DISTRIBUTION = "pipeline-harness"
NOT_INSTALLED = "unknown (not installed)"  # run from a source tree that was never installed


def now() -> str:
    """This moment, ISO 8601 in UTC, to the second: 2026-11-05T13:07:35Z."""
    return datetime.now(UTC).strftime(UTC_SECONDS)


@functools.cache
def harness_version() -> str:
    """The installed pipeline-harness's version (its package metadata)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return NOT_INSTALLED
