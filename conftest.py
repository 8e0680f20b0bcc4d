"""Registers the harness's fixtures (a no-op where the package is installed as a pytest plugin),
keeps the suite's journal of creates in a temporary directory, paces the garbage collector for a
test process and sizes the xdist worker pool.

A test process keeps what it imported (botocore's models, moto) and moto's state for every account
its tests made, while each botocore client it drops is a cycle only the collector frees. At Python's
default pace the collector walks the whole heap again every second or so: a third of the integration
tier's time. Young cycles are still collected here, and what collection imported is set aside; so
is what the session made once it ends, where pytest would otherwise walk the whole heap five times
looking for unraisable exceptions (about 4 s a process).
"""

import gc
import os

import pytest

from pipeline_harness.kinds.journal import STATE_DIR_VARIABLE

pytest_plugins = ["pipeline_harness.fixtures.plugin"]

gc.set_threshold(50_000, 50, 100)


@pytest.fixture(scope="session", autouse=True)
def _journal_in_a_temporary_directory(tmp_path_factory):
    """What the tests make is journaled (kinds/journal.py) under pytest's temporary directory, never
    in the user's ~/.local/state: a test's emulated resources are not the user's to remember."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STATE_DIR_VARIABLE, str(tmp_path_factory.mktemp("state")))
        yield


def pytest_collection_finish(session):
    gc.freeze()  # what collection imported lives as long as the process


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    gc.freeze()  # what the session made lives until the process exits


def pytest_xdist_auto_num_workers(config):
    """Two workers a core: about 30 % of the tier's serial wall time is spent waiting (a wait's sleep,
    the Docker engine, a subprocess), and another worker runs meanwhile. On 2 cores, 3 runs each:
    median 43.9 s with 3 workers, 41.9 s with 4, 43.3 s with 5 (`benchmarks/test_tier.py -- -n N`)."""
    return 2 * (os.cpu_count() or 1)
