"""sample_app/ built by a real Docker engine on the local PHP Apache base, served on 127.0.0.1."""

import platform

import pytest
import requests
import tenacity

from pipeline_harness.e2e import docker_images
from pipeline_harness.settings import Settings

# one worker builds and serves them all: the base image is built once per engine
pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("docker")]


def test_image_serves_the_commit_it_was_built_from(sample_app_image, sample_app_container):
    # given
    image = sample_app_image("a1b2c3d")
    # when
    app = sample_app_container(image)
    # then
    page = requests.get(app.url + "/", timeout=5)
    assert page.status_code == 200
    assert '<dd id="version">a1b2c3d</dd>' in page.text
    assert f'<dd id="architecture">{platform.machine()}</dd>' in page.text


def test_health_endpoint_answers_200_with_json(sample_app_image, sample_app_container):
    app = sample_app_container(sample_app_image("a1b2c3d"))

    health = requests.get(app.url + Settings().health_check_path, timeout=5)

    assert health.status_code == 200
    assert health.json() == {"status": "ok", "version": "a1b2c3d", "architecture": platform.machine()}


def test_a_build_from_another_commit_serves_the_new_version(sample_app_image, sample_app_container):
    # given the app built and running at one commit
    old = sample_app_container(sample_app_image("a1b2c3d"))
    # when a second build from the next commit runs
    new = sample_app_container(sample_app_image("e4f5a6b"))
    # then each container serves its own commit
    assert requests.get(new.url + "/health.php", timeout=5).json()["version"] == "e4f5a6b"
    assert requests.get(old.url + "/health.php", timeout=5).json()["version"] == "a1b2c3d"


def test_port_is_published_on_loopback_only(docker_client, sample_app_image, sample_app_container):
    app = sample_app_container(sample_app_image("a1b2c3d"))

    container = docker_client.containers.get(app.container_id)

    assert [binding["HostIp"] for binding in container.ports["80/tcp"]] == ["127.0.0.1"]


def test_dockerfile_healthcheck_reports_healthy(docker_client, sample_app_image, sample_app_container):
    # given: the Dockerfile's HEALTHCHECK command, run every half second instead of every 10 s
    image = sample_app_image("a1b2c3d")
    app = sample_app_container(image, health_interval=0.5)
    container = docker_client.containers.get(app.container_id)
    assert container.attrs["Config"]["Healthcheck"]["Test"] == image.attrs["Config"]["Healthcheck"]["Test"]
    # when the engine has run it
    status = tenacity.Retrying(
        stop=tenacity.stop_after_delay(40), wait=tenacity.wait_fixed(0.2),
        retry=tenacity.retry_if_result(lambda status: status == "starting"),
        retry_error_callback=lambda state: state.outcome.result(),
    )(_health_status, container)
    # then
    assert status == "healthy", container.attrs["State"]["Health"]


def _health_status(container) -> str:
    container.reload()
    return container.attrs["State"]["Health"]["Status"]


def test_base_image_is_reused_from_the_engine_the_second_time(docker_client, php_apache_base):
    again = docker_images.ensure_base_image(docker_client)

    assert again == docker_images.BaseImage(php_apache_base, built=False)
