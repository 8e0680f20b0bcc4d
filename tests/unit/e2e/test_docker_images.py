"""The pure parts of pipeline_harness.e2e.docker_images: the base image's cache key and the wait."""

import http.server
import socket
import threading

import pytest

from pipeline_harness.core.errors import HarnessError
from pipeline_harness.e2e import docker_images


def test_base_image_ref_is_stable_for_the_same_packages_in_any_order():
    first = docker_images.base_image_ref(("apache2", "libapache2-mod-php", "php-cli"))
    second = docker_images.base_image_ref(("php-cli", "apache2", "libapache2-mod-php"))

    assert first == second
    assert first.startswith(f"{docker_images.BASE_REPOSITORY}:")


def test_base_image_ref_changes_when_the_package_list_changes():
    with_curl = docker_images.base_image_ref((*docker_images.BASE_PACKAGES, "curl"))

    assert with_curl != docker_images.base_image_ref()


def test_wait_until_serving_names_the_url_and_what_it_last_saw():
    # given a 127.0.0.1 port nobody listens on
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/health.php"
    # when
    with pytest.raises(HarnessError) as err:
        docker_images.wait_until_serving(url, deadline=0.5)
    # then
    assert str(err.value).startswith(f"{url} did not answer 200 within 0.5s: last saw ConnectionError")


def test_wait_until_serving_names_the_status_an_answering_app_last_gave():
    # given an app on 127.0.0.1 that answers, but never 200
    class Unavailable(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unavailable) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/health.php"
        try:
            # when
            with pytest.raises(HarnessError) as err:
                docker_images.wait_until_serving(url, deadline=0.5)
        finally:
            server.shutdown()
            thread.join(timeout=5)
    # then: the status it answered, not an empty "NoneType"
    assert str(err.value) == f"{url} did not answer 200 within 0.5s: last saw HTTP 503"
