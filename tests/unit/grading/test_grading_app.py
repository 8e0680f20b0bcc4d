"""`app.http`'s read of a student's hostile app (the ALB link's last comparison): their ALB
answered by a Stubber, their DNS name by a fake resolver, their app by a local server on 127.0.0.x.
Whatever it serves, the grader reads one bounded GET from the ALB's address and nothing else, and
the reply says what it saw in one line — never another host's answer, never an exception.
"""

import time

import pytest
from botocore.stub import Stubber
from hostile_servers import (
    METADATA_URL,
    Server,
    connections,
    fake_dns,
    gzip_bomb,
    huge,
    ok,
    raw,
    redirect,
    redirect_chain,
    trickled_body,
)

from pipeline_harness.grading.evidence import alb
from pipeline_harness.settings import Settings
from pipeline_harness.targets import aws, localstack
from pipeline_harness.targets.context import Context
from pipeline_harness.waits import fetch

ACCOUNT = "123456789012"
DNS = "dev-php-app-alb-1234567890.eu-north-1.elb.amazonaws.com"
SECRET = "AKIAOTHERHOSTSECRET"


def _grade(target, scheme="internet-facing") -> alb.Reply:
    stub = Stubber(target.client("elbv2"))
    stub.add_response("describe_load_balancers", {"LoadBalancers": [
        {"LoadBalancerName": "dev-php-app-alb", "DNSName": DNS, "Scheme": scheme}]},
        {"Names": ["dev-php-app-alb"]})
    with stub:
        reply = alb.ask_app(Context(Settings(), target))
    stub.assert_no_pending_responses()
    return reply


@pytest.fixture
def on_aws(stubbed_target):
    return stubbed_target(name="aws", quirks=aws.QUIRKS, _account=ACCOUNT)


@pytest.fixture
def on_emulator(stubbed_target):
    """LocalStack's quirks: its load balancers' names resolve to this machine."""
    return stubbed_target(name="localstack", quirks=localstack.QUIRKS, _account=ACCOUNT)


def test_on_an_emulator_the_app_on_loopback_is_read_and_passes(on_emulator, monkeypatch):
    with Server(ok()) as app:
        fake_dns(monkeypatch, {DNS: [(app.host, app.port)]})

        reply = _grade(on_emulator)

    assert reply.ok
    assert str(reply) == f"http://{DNS}/: HTTP 200 '<h1>PHP app</h1> version 3f2c9a1'"
    assert [(r.method, r.headers["Host"]) for r in app.requests] == [("GET", DNS)]


def test_a_redirect_to_the_metadata_service_fails_and_reaches_nothing_but_the_app(on_emulator,
                                                                                   monkeypatch):
    with Server(redirect(METADATA_URL)) as app, connections() as made:
        fake_dns(monkeypatch, {DNS: [(app.host, app.port)]})

        reply = _grade(on_emulator)

    assert not reply.ok and made == [(app.host, app.port)]
    assert f"HTTP 302, redirect to '{METADATA_URL}' not followed" in str(reply)


def test_a_redirect_to_another_host_never_contacts_it_nor_reports_its_answer(on_emulator, monkeypatch):
    # given: the other host would answer a credential
    with Server(ok(SECRET)) as other, Server(redirect(other.url)) as app:
        fake_dns(monkeypatch, {DNS: [(app.host, app.port)]})

        reply = _grade(on_emulator)

    assert not reply.ok and other.requests == []
    assert SECRET not in str(reply)


def test_a_redirect_chain_is_one_request_and_a_fail(on_emulator, monkeypatch):
    with Server(redirect_chain(hops=50)) as app:
        fake_dns(monkeypatch, {DNS: [(app.host, app.port)]})

        reply = _grade(on_emulator)

    assert not reply.ok and [r.path for r in app.requests] == ["/"]


def test_a_malformed_location_is_a_fail_with_the_header_not_an_exception(on_emulator, monkeypatch):
    answer = b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n"
    with Server(raw(answer)) as app:
        fake_dns(monkeypatch, {DNS: [(app.host, app.port)]})

        reply = _grade(on_emulator)

    assert (reply.ok, str(reply)) == (
        False, f"http://{DNS}/: HTTP 302, redirect to 'http://[::1' not followed")


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "::1", "127.0.0.1", "100.64.0.1",
                                     "fd00:ec2::254", "::ffff:169.254.169.254"])
def test_on_aws_a_student_name_resolving_to_a_non_public_address_is_refused_before_connecting(
        on_aws, monkeypatch, address):
    with Server(ok(SECRET)) as app, connections() as made:
        fake_dns(monkeypatch, {DNS: [(address, app.port)]})

        reply = _grade(on_aws)

    assert not reply.ok and made == [] and app.requests == []
    assert f"no answer: refused before connecting: {address} is " in str(reply)


def test_on_aws_an_internal_load_balancer_is_not_resolved_nor_read(on_aws, monkeypatch):
    with connections() as made:
        asked = fake_dns(monkeypatch, {DNS: [("3.3.3.3", 80)]})

        reply = _grade(on_aws, scheme="internal")

    assert not reply.ok and asked == [] and made == []
    assert str(reply) == (
        f"http://{DNS}/: not read (the load balancer's scheme is internal, not internet-facing: "
        "a browser cannot reach it)")


def test_a_trickled_body_ends_the_look_at_its_deadline_and_fails(on_emulator, monkeypatch):
    # given: a 1 s deadline instead of fetch's 10 s, so the test does not wait 10 s
    monkeypatch.setattr(fetch, "DEADLINE", 1.0)
    with Server(trickled_body(gap=1.0)) as app:
        fake_dns(monkeypatch, {DNS: [(app.host, app.port)]})
        start = time.monotonic()

        reply = _grade(on_emulator)

    assert time.monotonic() - start < 1 + 3
    assert not reply.ok and "the body did not end within the 1 s deadline" in str(reply)


def test_a_256_mib_body_is_cut_at_the_cap_and_the_status_still_counts(on_emulator, monkeypatch):
    with Server(huge(256 << 20)) as app:
        fake_dns(monkeypatch, {DNS: [(app.host, app.port)]})

        reply = _grade(on_emulator)

    assert reply.ok and str(reply).endswith("body cut at 64 KiB (more was served)")
    assert len(str(reply)) < 400


def test_a_gzip_bomb_is_not_decoded_and_its_bytes_not_shown(on_emulator, monkeypatch):
    with Server(gzip_bomb(16 << 20)) as app:
        fake_dns(monkeypatch, {DNS: [(app.host, app.port)]})

        reply = _grade(on_emulator)

    assert (reply.ok, str(reply)) == (True, f"http://{DNS}/: HTTP 200, Content-Encoding 'gzip' not decoded")
