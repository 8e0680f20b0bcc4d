"""`pipeline-harness wait --events`: the run's EventBridge rule and SQS queue exist for the length of
the wait and are gone after it — when it succeeds, fails or is interrupted — and `--target aws
--endpoint-url` reads the endpoint it is given."""

import json

import pytest

from pipeline_harness.cli import main
from pipeline_harness.kinds import difference, inventory
from pipeline_harness.waits import ecr_tags

pytestmark = pytest.mark.integration


def _index() -> str:
    return json.dumps({"schemaVersion": 2, "mediaType": ecr_tags.OCI_INDEX, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{i}" + "0" * 63,
         "size": 1000, "platform": {"os": "linux", "architecture": arch}}
        for i, arch in enumerate(("amd64", "arm64"), start=1)]})


@pytest.fixture
def pushed(target, request):
    """A repository of the test's own holding one multi-arch image tagged `latest`."""
    for service in ("ecr", "events", "sqs"):
        if target.gap(service):
            pytest.skip(f"{target.name}: {target.gap(service)}")
    name = f"wait-{request.node.name[-24:].strip('_[]').lower().replace('_', '-')}"
    ecr = target.client("ecr")
    ecr.create_repository(repositoryName=name)
    ecr.put_image(repositoryName=name, imageManifest=_index(), imageManifestMediaType=ecr_tags.OCI_INDEX,
                  imageTag="latest")
    yield name
    ecr.delete_repository(repositoryName=name, force=True)


def _wait(target, repository: str, *options: str) -> int:
    return main(["wait", "ecr-tags", "--endpoint-url", target.endpoint_url, "--repository", repository,
                 "--events", "--prefix", "wev-", *options])


def test_the_rule_and_queue_are_gone_after_a_wait_that_succeeds(target, pushed):
    before = inventory(target)

    code = _wait(target, pushed, "--tags", "latest")

    assert code == 0
    assert difference(before, inventory(target)) == {}


def test_the_rule_and_queue_are_gone_after_a_wait_that_fails(target, pushed):
    before = inventory(target)

    code = _wait(target, pushed, "--tags", "latest,v9", "--timeout", "1")

    assert code == 1
    assert difference(before, inventory(target)) == {}


def test_the_rule_and_queue_are_gone_after_ctrl_c(target, pushed, monkeypatch):
    # given: the wait is interrupted while the queue and rule exist
    seen = {}

    def interrupted(*args, **kwargs):
        seen["queues"] = inventory(target).get("sqs", set())
        raise KeyboardInterrupt

    monkeypatch.setattr(ecr_tags, "wait_for_tags", interrupted)
    before = inventory(target)

    # when
    code = _wait(target, pushed, "--tags", "latest")

    # then
    assert code == 130
    assert "wev-dev-php-app-events" in seen["queues"]
    assert difference(before, inventory(target)) == {}


def test_wait_with_target_aws_reads_the_endpoint_it_is_given(target, pushed, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    code = main(["wait", "ecr-tags", "--target", "aws", "--endpoint-url", target.endpoint_url,
                 "--repository", pushed, "--tags", "latest", "--region", "us-east-1"])

    assert code == 0
