"""`kill -9` of `provision` at several points, then `teardown`, leaves nothing behind.

The server is moto's own WSGI app behind a wrapper that, once a chosen create call has been
carried out (the resource exists) and before its answer goes back, SIGKILLs the provisioning
process: the worst moment, when the process never learns what it made.
"""

import io
import os
import signal
import subprocess
import sys
import threading
from urllib.parse import parse_qs

import pytest
from werkzeug.serving import make_server

from pipeline_harness.cli import main
from pipeline_harness.kinds import difference, inventory
from pipeline_harness.kinds.journal import STATE_DIR_VARIABLE
from pipeline_harness.targets import moto

# one worker runs this module, so its module-scoped server is made once, not once per worker
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("killed-provisioning")]


def operation_of(environ: dict, body: bytes) -> str:
    """The API operation of a request: JSON target header, query Action, or S3's bucket PUT."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rsplit(".", 1)[-1]
    action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    if action:
        return action
    path = environ.get("PATH_INFO", "").strip("/")
    if environ["REQUEST_METHOD"] == "PUT" and path and "/" not in path and not environ.get("QUERY_STRING"):
        return "CreateBucket"
    return ""


class KillAfter:
    """WSGI middleware: after `operation` has run on the server, SIGKILL `victim`."""

    def __init__(self, app):
        self.app, self.operation, self.victim = app, None, None
        self.killed = threading.Event()

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        answer = self.app(environ, start_response)
        if self.victim is not None and operation_of(environ, body) == self.operation:
            os.kill(self.victim.pid, signal.SIGKILL)
            self.victim = None
            self.killed.set()
        return answer


@pytest.fixture(scope="module")
def killing_server():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    moto.prepare_process()
    middleware = KillAfter(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, middleware, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", middleware
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.parametrize("operation", [
    "CreateBucket",  # made, not yet tagged: only the journal knows it is ours
    "CreateInternetGateway",  # a gateway not yet attached to its VPC
    "CreateLoadBalancer",  # an ALB without its listener
    "CreatePipeline",  # the last create
])
def test_provision_killed_after_a_create_then_teardown_leaves_nothing(operation, killing_server,
                                                                      tmp_path, monkeypatch):
    # given
    url, middleware = killing_server
    monkeypatch.setenv(STATE_DIR_VARIABLE, str(tmp_path))
    prefix = f"k{operation[6:10].lower()}-"
    target = moto.external("us-east-1", url)
    before = inventory(target)
    middleware.operation = operation
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    command = [sys.executable, "-m", "pipeline_harness", "provision", "--endpoint-url", url,
               "--prefix", prefix]

    # when
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as victim:
        middleware.victim = victim
        victim.wait(timeout=120)
    half_made = difference(before, inventory(target))
    code = main(["teardown", "--endpoint-url", url, "--prefix", prefix])

    # then
    assert middleware.killed.is_set() and victim.returncode == -signal.SIGKILL
    assert half_made, "the killed run had made something"
    assert code == 0
    assert difference(before, inventory(target)) == {}
