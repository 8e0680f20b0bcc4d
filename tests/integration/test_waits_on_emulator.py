"""Step 7 waits against a live endpoint, in real (short) time.

Only the waits an emulator can play are here. Stage state and rollout are not: moto has no
GetPipelineState or ListActionExecutions and a started execution is Succeeded at once (nothing
runs), and moto's ECS services never start tasks and never change a deployment's rolloutState
(measured on moto 5.2). Those waits are covered by botocore Stubber timelines in tests/unit/waits.
"""

import http.server
import json
import threading
import time
import uuid

import pytest

from pipeline_harness.cli import main
from pipeline_harness.waits.ecr_tags import OCI_INDEX, wait_for_tags
from pipeline_harness.waits.http import wait_for_version
from pipeline_harness.waits.model import WaitFailed, WaitTimeout
from pipeline_harness.waits.schedules import Policy, Windows

pytestmark = pytest.mark.integration

# real seconds: dense polling from the start, short deadline
BRISK = Policy("brisk", deadline=15,
               schedule=Windows(expected_from=0, expected_until=15, dense=0.2, jitter=0.05))
TAGS = ("3f2c9a1", "latest", "42")


def _index(*platforms):
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{i}" + "0" * 63,
         "size": 1000, "platform": {"os": "linux", "architecture": arch}}
        for i, arch in enumerate(platforms, start=1)]})


@pytest.fixture
def repository(target, settings):
    if target.gap("ecr"):
        pytest.skip(f"{target.name}: {target.gap('ecr')}")
    name = f"{settings.prefix}waits-{uuid.uuid4().hex[:8]}"
    ecr = target.client("ecr")
    ecr.create_repository(repositoryName=name)
    yield name
    ecr.delete_repository(repositoryName=name, force=True)


def _push_later(target, repository, manifest, tags, delay=0.2):
    """Push the tags one by one from a background thread, as the Build stage would."""
    def push():
        for tag in tags:
            time.sleep(delay)
            target.client("ecr").put_image(repositoryName=repository, imageManifest=manifest,
                                           imageManifestMediaType=OCI_INDEX, imageTag=tag)
    thread = threading.Thread(target=push, daemon=True)
    thread.start()
    return thread


def test_ecr_tags_wait_sees_tags_pushed_while_it_runs(target, repository):
    # given
    pusher = _push_later(target, repository, _index("amd64", "arm64"), TAGS)

    # when
    outcome = wait_for_tags(target, repository, TAGS, policy=BRISK)
    pusher.join(timeout=10)

    # then: it needed more than one look, and saw both platforms on one image
    assert outcome.attempts > 1
    assert set(outcome.observation.platforms) == {"linux/amd64", "linux/arm64"}


def test_ecr_tags_wait_fails_on_an_amd64_only_index(target, repository):
    _push_later(target, repository, _index("amd64"), TAGS, delay=0.1).join(timeout=10)

    with pytest.raises(WaitFailed, match="the image lacks a required platform"):
        wait_for_tags(target, repository, TAGS, policy=BRISK)


def test_cli_wait_ecr_tags_against_the_endpoint_exits_0_with_a_json_report(target, repository, capsys):
    if target.endpoint_url is None:
        pytest.skip("the CLI test needs an endpoint URL; this target is real AWS")
    _push_later(target, repository, _index("amd64", "arm64"), TAGS, delay=0.1).join(timeout=10)

    code = main(["wait", "ecr-tags", "--endpoint-url", target.endpoint_url, "--region", target.region,
                 "--repository", repository, "--tags", ",".join(TAGS), "--timeout", "10",
                 "--format", "json"])

    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["state"] == "success" and "linux/arm64" in report["last_seen"]


def test_cli_wait_ecr_tags_times_out_with_exit_1_and_the_missing_tags(target, repository, capsys):
    if target.endpoint_url is None:
        pytest.skip("the CLI test needs an endpoint URL; this target is real AWS")

    code = main(["wait", "ecr-tags", "--endpoint-url", target.endpoint_url, "--region", target.region,
                 "--repository", repository, "--tags", "nope1", "--timeout", "1"])

    assert code == 1
    assert "wait ecr-tags timed out after 1s" in capsys.readouterr().err


@pytest.fixture
def blue_green_service(target, settings):
    """A service someone made for CodeDeploy blue/green, as `aws ecs create-service
    --deployment-controller type=CODE_DEPLOY` makes it: the Amazon ECS Deploy action can't update it."""
    if target.gap("ecs"):
        pytest.skip(f"{target.name}: {target.gap('ecs')}")
    ecs, cluster = target.client("ecs"), f"{settings.prefix}bluegreen-{uuid.uuid4().hex[:8]}"
    ecs.create_cluster(clusterName=cluster)
    task_definition = ecs.register_task_definition(family=cluster, containerDefinitions=[
        {"name": "php-app-container", "image": "public.ecr.aws/docker/library/php:8.3-apache",
         "memory": 512}])["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=cluster, serviceName="app", taskDefinition=task_definition, desiredCount=1,
                       deploymentController={"type": "CODE_DEPLOY"})
    yield cluster
    ecs.delete_service(cluster=cluster, service="app", force=True)
    ecs.deregister_task_definition(taskDefinition=task_definition)
    ecs.delete_cluster(cluster=cluster)


def test_cli_wait_rollout_on_a_blue_green_service_fails_at_once_naming_its_controller(target,
                                                                                     blue_green_service,
                                                                                     capsys):
    if target.endpoint_url is None:
        pytest.skip("the CLI test needs an endpoint URL; this target is real AWS")

    code = main(["wait", "rollout", "--endpoint-url", target.endpoint_url, "--region", target.region,
                 "--cluster", blue_green_service, "--service", "app", "--image", "my-ecs-php-app:3f2c9a1",
                 "--timeout", "30"])

    err = capsys.readouterr().err
    assert code == 1
    assert "wait rollout failed after 0s: the service's deployments are not ECS rolling updates" in err
    assert "(CODE_DEPLOY deployment controller)" in err


class _VersionedApp:
    """A local stand-in for the app behind the ALB whose version can change mid-wait."""

    def __init__(self, version):
        self.version = version
        app = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = f"<h1>PHP app</h1> version {app.version}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_http_wait_follows_a_version_change_mid_wait():
    with _VersionedApp("1a2b3c4") as app:
        # given: the new version goes live a moment into the wait
        flip = threading.Timer(0.3, lambda: setattr(app, "version", "3f2c9a1"))
        flip.start()

        # when
        outcome = wait_for_version(app.url, "3f2c9a1", policy=BRISK)

    # then
    assert outcome.attempts > 1 and outcome.observation.streak == 3


def test_http_wait_times_out_with_the_old_body_when_the_version_never_comes():
    old_body = r"last saw HTTP 200 '<h1>PHP app</h1> version 1a2b3c4'"
    with _VersionedApp("1a2b3c4") as app, pytest.raises(WaitTimeout, match=old_body):
        wait_for_version(app.url, "3f2c9a1", policy=BRISK.replace(deadline=1))


def test_cli_wait_http_exits_0_once_the_version_answers(capsys):
    with _VersionedApp("3f2c9a1") as app:
        code = main(["wait", "http", "--url", app.url, "--expect", "3f2c9a1", "--timeout", "5"])

    assert code == 0 and "success" in capsys.readouterr().out
