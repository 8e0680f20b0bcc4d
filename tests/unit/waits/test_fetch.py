"""The one bounded GET, attacked the way a student's app would: local servers on 127.0.0.x that
redirect, trickle, flood and bomb, a resolver that hangs, an environment that offers credentials.

Deadlines are asserted on the measured wall clock with a generous margin (the machine is shared):
a look that held, as before, would take the server's whole trickle (a minute) instead.
"""

import threading
import time

import pytest
from hostile_servers import (
    METADATA_URL,
    Server,
    chunked,
    connections,
    gzip_bomb,
    gzip_of_zeros,
    header_flood,
    huge,
    ok,
    raw,
    redirect,
    trickled_body,
    trickled_headers,
)

from pipeline_harness.waits import fetch
from pipeline_harness.waits.addresses import PUBLIC, PUBLIC_OR_LOOPBACK

DEADLINE = 1.0
MARGIN = 3.0  # seconds past the deadline a look may take on a loaded machine, and still pass
SECRET = "AKIAOTHERHOSTSECRET"  # what another host would answer, which no observation may carry


def _timed(url: str, **kwargs) -> tuple[fetch.Fetched, float]:
    start = time.monotonic()
    answer = fetch.get(url, deadline=DEADLINE, **kwargs)
    return answer, time.monotonic() - start


def test_a_redirect_is_the_answer_and_its_target_is_never_contacted():
    # given: the student's app redirects to another server, which would answer a secret
    with Server(ok(SECRET)) as other, Server(redirect(other.url + "latest/meta-data/")) as app:
        # when
        answer = fetch.get(app.url)

    # then
    assert (answer.status, answer.location) == (302, other.url + "latest/meta-data/")
    assert other.requests == [] and SECRET not in str(answer)
    assert str(answer) == f"HTTP 302, redirect to '{other.url}latest/meta-data/' not followed"


def test_a_redirect_to_the_metadata_service_connects_nowhere_but_the_app():
    with Server(redirect(METADATA_URL)) as app, connections() as made:
        answer = fetch.get(app.url)

    assert answer.status == 302 and answer.location == METADATA_URL
    assert made == [(app.host, app.port)]


def test_a_malformed_location_is_reported_as_it_came_never_parsed():
    reply = b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    with Server(raw(reply)) as app:
        answer = fetch.get(app.url)

    assert (answer.status, answer.location, answer.problem) == (302, "http://[::1", "")


def test_a_body_trickled_at_one_byte_a_second_ends_at_the_deadline():
    with Server(trickled_body(gap=1.0)) as app:
        answer, took = _timed(app.url)

    assert took < DEADLINE + MARGIN
    assert answer.status == 200 and not answer.complete
    assert answer.problem.startswith("the body did not end within the 1 s deadline")


def test_headers_trickled_at_one_byte_a_second_end_at_the_deadline():
    with Server(trickled_headers(gap=1.0)) as app:
        answer, took = _timed(app.url)

    assert took < DEADLINE + MARGIN
    assert str(answer) == ("no answer: no full answer within the 1 s deadline (reading the status "
                           "line and headers)")


def test_a_resolver_that_hangs_ends_at_the_deadline():
    # given: a resolver that would answer after 30 s (released when the test ends)
    release = threading.Event()

    def hanging(host, port):
        release.wait(30)
        return [("127.0.0.1", port)]

    # when
    try:
        answer, took = _timed("http://student-app.example/", resolve=hanging)
    finally:
        release.set()

    # then
    assert took < DEADLINE + MARGIN
    assert answer.problem == "no full answer within the 1 s deadline (resolving the name)"


def test_a_256_mib_body_is_read_up_to_the_cap_and_said_to_be_cut():
    with Server(huge(256 << 20)) as app:
        answer = fetch.get(app.url)

    assert len(answer.body) == fetch.BODY_CAP and answer.cut and answer.complete
    assert app.sent < 64 << 20  # what the kernel's buffers took before the reader hung up
    assert str(answer).endswith("body cut at 64 KiB (more was served)")


def test_an_endless_chunked_body_is_read_up_to_the_cap():
    with Server(chunked(256 << 20)) as app:
        answer = fetch.get(app.url)

    assert len(answer.body) == fetch.BODY_CAP and answer.cut and app.sent < 64 << 20


@pytest.mark.parametrize("count", [98, 1000])
def test_headers_beyond_their_cap_are_no_answer_in_one_line(count):
    # given: 65 kB headers; Python's HTTP client alone would take 98 of them (6.4 MB)
    with Server(header_flood(count)) as app:
        answer = fetch.get(app.url)

    assert answer.status is None and "the status line and headers exceed 64 KiB" in answer.problem
    assert app.sent < 64 << 20


def test_a_hundred_continues_count_against_the_header_cap():
    with Server(raw(b"HTTP/1.1 100 Continue\r\n\r\n" * 10_000)) as app:
        answer = fetch.get(app.url)

    assert "the status line and headers exceed 64 KiB" in answer.problem


def test_a_gzip_body_is_kept_as_served_not_decoded():
    # given: 16 KiB of gzip that decodes to 16 MiB, served although identity was asked for
    with Server(gzip_bomb(16 << 20)) as app:
        answer = fetch.get(app.url)

    assert app.requests[0].headers["Accept-Encoding"] == "identity"
    assert answer.body == gzip_of_zeros(16 << 20) and answer.encoding == "gzip"
    assert str(answer) == "HTTP 200, Content-Encoding 'gzip' not decoded"


def test_netrc_and_proxy_variables_are_not_used(tmp_path, monkeypatch):
    # given: a netrc login for the app's host, and every proxy variable pointing at a recorder
    with Server(ok()) as app, Server(ok("proxied")) as proxy:
        (tmp_path / ".netrc").write_text(f"machine {app.host} login teacher password hunter2\n")
        (tmp_path / ".netrc").chmod(0o600)
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)

        # when
        answer = fetch.get(app.url)

    # then: straight to the app, with no credentials
    assert answer.complete and answer.text.endswith("3f2c9a1")
    assert proxy.requests == [] and "Authorization" not in app.requests[0].headers


def test_only_a_get_is_sent_and_nothing_is_asked_to_be_encoded():
    with Server(ok()) as app:
        fetch.get(app.url)

    assert [(r.method, r.headers["Accept-Encoding"]) for r in app.requests] == [("GET", "identity")]


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "::1", "100.64.0.1",
                                     "fd00:ec2::254", "::ffff:169.254.169.254", "127.0.0.1"])
def test_a_name_resolving_to_a_non_public_address_is_refused_before_connecting(address):
    with connections() as made:
        answer = fetch.get("http://student-app.example/", addresses=PUBLIC,
                           resolve=lambda host, port: [(address, port)])

    assert made == [] and answer.status is None
    assert answer.problem.startswith(f"refused before connecting: {address} is ")


def test_one_non_public_address_among_public_ones_refuses_them_all():
    with connections() as made:
        answer = fetch.get("http://student-app.example/", addresses=PUBLIC,
                           resolve=lambda host, port: [("3.3.3.3", port), ("10.1.2.3", port)])

    assert made == [] and "10.1.2.3 is private" in answer.problem


def test_the_name_is_resolved_once_and_the_request_goes_to_that_address_with_the_name_as_host():
    # given: a resolver that would answer another address the second time (DNS rebinding)
    with Server(ok()) as app, Server(ok(SECRET)) as other:
        answers = iter([[(app.host, app.port)], [(other.host, other.port)]])
        asked = []

        def rebinding(host, port):
            asked.append(host)
            return next(answers)

        # when
        answer = fetch.get("http://student-app.example/", addresses=PUBLIC_OR_LOOPBACK, resolve=rebinding)

    # then
    assert asked == ["student-app.example"] and other.requests == []
    assert answer.complete and app.requests[0].headers["Host"] == "student-app.example"


def test_a_closed_port_is_one_line_without_a_traceback():
    with Server(ok()) as app:
        closed = app.url
    answer = fetch.get(closed)

    assert answer.status is None and "\n" not in str(answer)
    assert answer.problem.startswith("could not connect (") and "Connection refused" in answer.problem
