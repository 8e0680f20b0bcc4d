"""What the grading tests share: a moto server of their own, reached by its URL as an external one."""

import threading

import pytest

from pipeline_harness.targets import moto as moto_target


@pytest.fixture
def moto_server():
    server = moto_target.embedded("us-east-1")  # another server of this process, reached by its URL
    yield server.endpoint_url
    server.close()


@pytest.fixture
def held_open():
    """What a held read (a student's, a region's probe) waits on; set when the test ends, so the
    thread left behind ends too (and by itself after 30 s)."""
    release = threading.Event()
    yield release
    release.set()
