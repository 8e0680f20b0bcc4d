"""The tier leans on xdist's groups: the Docker tests build their base image once, on one worker,
and the modules with a costly module fixture make it once. loadgroup carries a test's group in its
node id, which pytest 9.2 no longer keeps (pytest-xdist#1386); then every group falls apart
silently, and this test says so."""

import pytest


@pytest.mark.xdist_group("probe")
def test_a_grouped_test_carries_its_group_in_a_loadgroup_run(request):
    if not request.config.getoption("loadgroup", default=False):  # set on the workers of such a run
        pytest.skip("not a --dist loadgroup run: no groups to keep")
    assert request.node.nodeid.endswith("@probe"), (
        f"pytest {pytest.__version__} dropped the xdist group from {request.node.nodeid!r}: install "
        "the test extras' pytest (pytest-xdist#1386)")
