"""The HTTP wait with `responses` standing in for the ALB, on a simulated clock; and against
hostile local servers (127.0.0.x) on the real one, where its bounds are what is tested."""

import time

import pytest
import requests
import responses
from hostile_servers import METADATA_URL, Server, connections, redirect, trickled_body
from responses.registries import OrderedRegistry

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.waits.http import BURST_GAP, check_consecutive, check_url, wait_for_version
from pipeline_harness.waits.model import WaitTimeout
from pipeline_harness.waits.pipeline import check_commit
from pipeline_harness.waits.schedules import HTTP, SimulatedClock

URL = "http://dev-php-app-alb-123.us-east-1.elb.amazonaws.com/"
OLD, NEW = "<h1>PHP app</h1> version 1a2b3c4", "<h1>PHP app</h1> version 3f2c9a1"


def _answers(*bodies):
    for body in bodies:
        if isinstance(body, Exception):
            responses.add(responses.GET, URL, body=body)
        elif isinstance(body, int):
            responses.add(responses.GET, URL, status=body, body="<html>502 Bad Gateway</html>")
        else:
            responses.add(responses.GET, URL, body=body)


def _wait(policy=HTTP, consecutive=3, clock=None):
    clock = clock or SimulatedClock()
    return wait_for_version(URL, "3f2c9a1", consecutive=consecutive, policy=policy, clock=clock,
                            sleep=clock.sleep)


def _always(body):
    """Every request answers `body`, however many come."""
    responses.add_callback(responses.GET, URL, callback=lambda request: (200, {}, body))


@responses.activate(registry=OrderedRegistry)
def test_succeeds_on_three_consecutive_answers_with_the_version():
    # given: the ALB is still on the old tasks, then serves the new version
    _answers(OLD, OLD, NEW, NEW, NEW)

    # when
    outcome = _wait()

    # then: the third look confirmed with a burst of three
    assert outcome.attempts == 3 and outcome.observation.streak == 3
    assert len(responses.calls) == 5


@responses.activate(registry=OrderedRegistry)
def test_a_mixed_fleet_answering_old_inside_the_burst_is_not_taken_for_done():
    _answers(NEW, OLD, NEW, NEW, NEW)

    outcome = _wait()

    assert outcome.attempts == 2 and len(responses.calls) == 5


@responses.activate(registry=OrderedRegistry)
def test_5xx_and_dropped_connections_in_the_middle_are_retried():
    _answers(502, requests.ConnectionError("connection reset"), 503, NEW, NEW, NEW)

    assert _wait().attempts == 4


@responses.activate(registry=OrderedRegistry)
def test_timeout_reports_last_status_and_a_body_snippet():
    _answers(*[OLD] * 2)  # at 0 s and the 15 s deadline: one look per 15 s

    with pytest.raises(WaitTimeout) as raised:
        _wait(HTTP.replace(deadline=15))

    assert str(raised.value) == (
        f"wait http timed out after 15s (2 looks): last saw HTTP 200 '{OLD}' (0 good in a row); "
        "answers: old version 1a2b3c4 in 2 of 2: old tasks still serve; "
        f"expected HTTP 200 from {URL} with '3f2c9a1' in the body on 3 consecutive requests; hint: "
        "new tasks take 2-3 minutes to become healthy; testing before deployment completes, the ALB "
        "might route to old tasks (tutorial Step 7: Test Application)")


@responses.activate(registry=OrderedRegistry)
def test_timeout_on_a_gateway_error_shows_the_status():
    _answers(*[502] * 2)

    with pytest.raises(WaitTimeout, match=r"last saw HTTP 502 '<html>502 Bad Gateway</html>'"):
        _wait(HTTP.replace(deadline=15))


@responses.activate
def test_a_burst_longer_than_the_deadline_stops_at_the_deadline():
    # given: every answer is good, but 1000 in a row take 200 s at BURST_GAP apart
    _always(NEW)
    clock = SimulatedClock()

    # when
    with pytest.raises(WaitTimeout) as raised:
        _wait(HTTP.replace(deadline=5), consecutive=1000, clock=clock)

    # then: no request after the 5 s deadline, and the timeout says how far the streak got
    assert clock.now <= 5 + 1e-9
    assert len(responses.calls) <= 5 / BURST_GAP + 2
    assert "good in a row)" in str(raised.value) and "(1000 good in a row)" not in str(raised.value)


@responses.activate
def test_a_burst_that_fits_in_the_deadline_still_succeeds():
    _always(NEW)

    outcome = _wait(HTTP.replace(deadline=5), consecutive=10)

    assert outcome.state == "success" and outcome.observation.streak == 10 and len(responses.calls) == 10


@responses.activate
def test_no_request_waits_longer_than_the_wait_has_left():
    _always(OLD)

    with pytest.raises(WaitTimeout):
        _wait(HTTP.replace(deadline=2))

    assert responses.calls[0].request.req_kwargs["timeout"] == 2


@responses.activate(registry=OrderedRegistry)
def test_a_timeout_on_a_mixed_fleet_names_the_old_version_and_how_often_it_answered():
    # given: old and new tasks answer in turn, and a gateway error once
    _answers(OLD, NEW, OLD, 502, NEW, OLD, OLD)

    # when
    with pytest.raises(WaitTimeout) as raised:
        _wait(HTTP.replace(deadline=60))

    # then
    assert ("answers: old version 1a2b3c4 in 4 of 7, '3f2c9a1' in 2 of 7, HTTP 502 in 1 of 7: old "
            "tasks still serve; expected") in str(raised.value)


@responses.activate(registry=OrderedRegistry)
def test_a_success_after_old_answers_counts_them_without_blaming_old_tasks():
    _answers(OLD, NEW, NEW, NEW)

    outcome = _wait()

    assert str(outcome.observation).endswith(
        "(3 good in a row); answers: '3f2c9a1' in 3 of 4, old version 1a2b3c4 in 1 of 4")


@responses.activate(registry=OrderedRegistry)
def test_an_upper_case_expected_hash_is_a_commit_hash_as_for_the_pipeline_and_old_versions_are_named():
    # given: --expect in upper case, as --commit takes it; the old tasks serve their version so
    _answers(*["<h1>PHP app</h1> version 1A2B3C4"] * 2)
    clock = SimulatedClock()

    # when
    with pytest.raises(WaitTimeout) as raised:
        wait_for_version(URL, "3F2C9A1", policy=HTTP.replace(deadline=15), clock=clock, sleep=clock.sleep)

    # then
    assert "answers: old version 1A2B3C4 in 2 of 2: old tasks still serve; expected" in str(raised.value)
    assert check_commit("3F2C9A1") == "3F2C9A1"


@responses.activate(registry=OrderedRegistry)
def test_a_body_without_the_version_or_anything_like_it_is_counted_by_what_it_lacks():
    _answers("<h1>maintenance</h1>", "<h1>maintenance</h1>")

    with pytest.raises(WaitTimeout, match=r"answers: HTTP 200 without '3f2c9a1' in 2 of 2; expected"):
        _wait(HTTP.replace(deadline=15))


def test_a_trickling_app_ends_each_look_within_the_waits_deadline():
    # given: the app sends its body one byte a second, on the real clock
    with Server(trickled_body(gap=1.0)) as app:
        start = time.monotonic()

        # when
        with pytest.raises(WaitTimeout) as raised:
            wait_for_version(app.url, "3f2c9a1", policy=HTTP.replace(deadline=1))

    # then: one look, its request cut at the wait's deadline (at least LAST_REQUEST_DEADLINE)
    assert time.monotonic() - start < 1 + 3
    assert "the body did not end within the 1 s deadline" in str(raised.value)


def test_a_redirect_is_what_the_wait_last_saw_and_is_not_followed():
    with Server(redirect(METADATA_URL)) as app, connections() as made, \
            pytest.raises(WaitTimeout) as raised:
        wait_for_version(app.url, "3f2c9a1", policy=HTTP.replace(deadline=0.5))

    assert f"last saw HTTP 302, redirect to '{METADATA_URL}' not followed (0 good in a row)" in str(
        raised.value)
    assert set(made) == {(app.host, app.port)} and {r.path for r in app.requests} == {"/"}


@pytest.mark.parametrize("url", [
    "http://[::1", "ftp://x", "file:///etc/passwd", "127.0.0.1:18009", "localhost:18009",
    "http://127.0.0.1:99999/", "http://127.0.0.1:0/", "http://127.0.0.1:port/", "http:///path", "",
])
def test_a_url_requests_cannot_poll_as_meant_is_a_configuration_error(url):
    with pytest.raises(ConfigError, match=r"--url must be http\(s\)://host\[:port\]"):
        check_url(url)


@pytest.mark.parametrize("url", [URL, "https://127.0.0.1:18009/health?x=1", "http://[::1]:8080/",
                                 "HTTP://localhost:65535"])
def test_an_http_or_https_url_with_a_host_is_taken_as_given(url):
    assert check_url(url) == url


@pytest.mark.parametrize("consecutive", [101, 1000])
def test_a_burst_that_cannot_end_soon_is_a_configuration_error(consecutive):
    with pytest.raises(ConfigError, match="--consecutive must be from 1 to 100"):
        check_consecutive(consecutive)


@pytest.mark.parametrize("consecutive", [0, -1])
def test_a_burst_of_no_good_answer_is_a_configuration_error(consecutive):
    with pytest.raises(ConfigError, match=f"--consecutive must be at least 1, not {consecutive}"):
        check_consecutive(consecutive)
