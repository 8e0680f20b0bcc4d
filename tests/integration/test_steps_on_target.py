"""Each step on its own: provisioned through its fixture, then read back by its checks.

Run per step so that a target serving only part of the lab (LocalStack's free core: S3, IAM,
STS, Logs) still runs and passes the steps it serves, and skips the others with the reason.
"""

import pytest

from pipeline_harness.session import lab
from pipeline_harness.steps import artifacts, codebuild, codepipeline, connection, ecr, iam, prerequisites

pytestmark = pytest.mark.integration

STEP_FIXTURES = [
    (ecr, "ecr_repository"), (connection, "github_connection"), (artifacts, "artifact_bucket"),
    (iam, "iam_roles"), (codebuild, "codebuild_project"), (prerequisites, "prerequisites"),
    (codepipeline, "pipeline"),
]


@pytest.mark.parametrize("step, fixture", STEP_FIXTURES, ids=[f for _, f in STEP_FIXTURES])
def test_the_steps_checks_pass_once_its_fixture_provisioned_it(step, fixture, request, lab_context):
    # given
    handle = request.getfixturevalue(fixture)

    # when
    results = lab.check(lab_context, step.CHECKS)

    # then
    assert handle
    assert [f"{r.id}: {r.message}" for r in results if r.status in ("fail", "error")] == []
    if all(r.status == "skip" for r in results):
        pytest.skip("; ".join(sorted({r.message for r in results})))
