"""The sample app under the real PHP interpreter (`php -S`), as Apache's mod_php would serve it."""

import platform
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from pipeline_harness.e2e.docker_images import wait_until_serving
from pipeline_harness.settings import Settings

SAMPLE_APP = Path(__file__).resolve().parents[3] / "sample_app"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve_app():
    """Start `php -S` on 127.0.0.1 with a given APP_VERSION (None: unset); stopped by PID."""
    php = shutil.which("php")
    if not php:
        pytest.skip("php is not installed (apt-get install php-cli)")
    started: list[subprocess.Popen] = []

    def serve(version: str | None) -> str:
        port = _free_port()
        env = {}
        if version is not None:
            env["APP_VERSION"] = version
        server = subprocess.Popen([php, "-S", f"127.0.0.1:{port}", "-t", str(SAMPLE_APP)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(server)
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url + "/health.php", deadline=10)
        return url

    yield serve
    for server in started:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_page_shows_the_version_injected_at_build_time(serve_app):
    # given
    url = serve_app("a1b2c3d")
    # when
    page = requests.get(url + "/", timeout=5)
    # then
    assert page.status_code == 200
    assert '<dd id="version">a1b2c3d</dd>' in page.text


def test_page_falls_back_to_dev_when_no_version_was_injected(serve_app):
    url = serve_app(None)

    page = requests.get(url + "/", timeout=5)

    assert '<dd id="version">dev</dd>' in page.text


def test_page_shows_the_architecture_php_runs_on(serve_app):
    url = serve_app("a1b2c3d")

    page = requests.get(url + "/", timeout=5)

    assert f'<dd id="architecture">{platform.machine()}</dd>' in page.text


def test_page_escapes_a_version_holding_html(serve_app):
    url = serve_app("<script>x</script>")

    page = requests.get(url + "/", timeout=5)

    assert "<script>x</script>" not in page.text
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text


def test_health_path_from_settings_answers_200_with_json_status(serve_app):
    # given the path the target group and the container health check use
    url = serve_app("a1b2c3d") + Settings().health_check_path
    # when
    health = requests.get(url, timeout=5)
    # then
    assert health.status_code == 200
    assert health.headers["Content-Type"].startswith("application/json")
    assert health.json() == {"status": "ok", "version": "a1b2c3d",
                             "architecture": platform.machine()}
