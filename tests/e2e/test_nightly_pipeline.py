"""The nightly run on a real AWS sandbox account: push the sample app, watch the pipeline build and
deploy it, see the ALB serve it — then remove everything (also on failure and Ctrl-C)."""

import pytest

from pipeline_harness.core.errors import HarnessError
from pipeline_harness.e2e.flow import run_nightly
from pipeline_harness.waits.ecr_tags import REQUIRED_PLATFORMS

pytestmark = pytest.mark.e2e


def test_a_pushed_commit_is_built_multi_arch_deployed_and_served_by_the_alb(
        nightly_inputs, nightly_target, nightly_report_path):
    # when
    failure = None
    try:
        report = run_nightly(nightly_inputs, nightly_target, report_path=nightly_report_path)
    except HarnessError as err:  # the report at nightly_report_path says where and why
        failure = f"{err} (report: {nightly_report_path})"
    if failure:
        pytest.fail(failure, pytrace=False)

    # then
    assert report.outcome == "passed"
    assert report.image["tags"] == [report.commit[:7], "latest", report.build_number]
    assert set(REQUIRED_PLATFORMS) <= set(report.image["platforms"])
    assert report.teardown["errors"] == []
