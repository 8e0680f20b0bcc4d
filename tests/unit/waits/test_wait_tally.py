"""Counting a wait's API calls, Stubber-answered ones and botocore's retries included."""

import http.server
import threading
from typing import ClassVar

import botocore.endpoint
from botocore.stub import Stubber

from pipeline_harness.waits.tally import Tally


def test_every_call_through_the_tallys_clients_counts_once(stubbed_target):
    # given
    target = stubbed_target()
    tally = Tally(target)
    with Stubber(target.client("ecr")) as ecr, Stubber(target.client("ecs")) as ecs:
        ecr.add_response("describe_repositories", {"repositories": []})
        ecs.add_response("list_clusters", {"clusterArns": []})
        ecs.add_response("list_clusters", {"clusterArns": []})

        # when: calls through the tally, and one made around it
        tally.client("ecr").describe_repositories()
        tally.client("ecs").list_clusters()
        target.client("ecs").list_clusters()

    # then: a client the tally uses counts every call made on it
    assert tally.calls == 3


def test_a_tally_counts_from_its_first_use_of_a_client(stubbed_target):
    # given: two waits, one after the other, on one long-lived target
    target = stubbed_target()
    with Stubber(target.client("ecr")) as ecr:
        for _ in range(2):
            ecr.add_response("describe_repositories", {"repositories": []})
        first = Tally(target)
        first.client("ecr").describe_repositories()

        # when
        second = Tally(target)
        second.client("ecr").describe_repositories()

    # then
    assert (first.calls, second.calls) == (2, 1)


class _BusyOnce(http.server.BaseHTTPRequestHandler):
    """ECR on loopback: the first request is refused with a 503, the next ones answered."""

    answered: ClassVar[list[int]] = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        busy = not self.answered
        self.answered.append(503 if busy else 200)
        body = (b'{"__type": "ServiceUnavailableException", "message": "busy"}' if busy
                else b'{"repositories": []}')
        self.send_response(503 if busy else 200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_attempt_botocore_retries_counts_as_a_call_of_its_own(stubbed_target, monkeypatch):
    # given: an ECR endpoint that answers 503 once; botocore's standard mode retries it at once
    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda seconds: None)
    _BusyOnce.answered = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BusyOnce)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        target = stubbed_target(endpoint_url=f"http://127.0.0.1:{server.server_address[1]}")
        tally = Tally(target)

        # when: one call, answered at the second attempt
        tally.client("ecr").describe_repositories()
    finally:
        server.shutdown()
        server.server_close()

    # then: both attempts reached AWS, and the budget pays for both
    assert _BusyOnce.answered == [503, 200] and tally.calls == 2
