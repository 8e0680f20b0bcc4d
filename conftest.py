"""Registers the harness's fixtures (a no-op where the package is installed as a pytest plugin), and
paces the garbage collector for a test process.

A test process keeps what it imported (botocore's models, moto) and moto's state for every account
its tests made, while each botocore client it drops is a cycle only the collector frees. At Python's
default pace the collector walks the whole heap again every second or so: a third of the integration
tier's time. Young cycles are still collected here, and what collection imported is set aside.
"""

import gc

pytest_plugins = ["fixtures.plugin"]

gc.set_threshold(50_000, 50, 100)


def pytest_collection_finish(session):
    gc.freeze()  # what collection imported lives as long as the process
