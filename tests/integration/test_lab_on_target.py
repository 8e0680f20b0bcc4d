"""The whole lab on the target: every resource matches the tutorial, provisioning is idempotent,
and teardown leaves nothing behind."""

import pytest

from pipeline_harness.session import lab

pytestmark = pytest.mark.integration


def test_every_provisioned_resource_matches_the_tutorial(lab_resources, lab_context):
    # when
    results = lab.check(lab_context)

    # then
    failed = [f"{r.id}: {r.message}" for r in results if r.status in ("fail", "error")]
    assert failed == []
    assert {r.id for r in results if r.status == "pass"} >= {
        "ecr.scan-on-push", "artifacts.versioning", "artifacts.public-access-blocked",
        "iam.pipeline_role.inline-policy", "codebuild.privileged", "pipeline.deploy"}
