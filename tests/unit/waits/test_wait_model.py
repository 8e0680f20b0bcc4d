"""The wait model on a simulated clock: acceptors decide, transient errors retry, deadlines hold."""

import botocore.exceptions
import pytest
import requests
import tenacity

from pipeline_harness.errors import EXIT_FAILED, HarnessError
from pipeline_harness.waits.model import (FAILURE, RETRY, SUCCESS, Acceptor, Wait, WaitFailed,
                                          WaitTimeout, decide, run)
from pipeline_harness.waits.policies import Policy, SimulatedClock, Window, is_transient

QUICK = Policy("test", deadline=60, expected_from=0, expected_until=60, dense=5, jitter=0)


def _client_error(code, status):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "DescribeServices")


def _scripted(*observations):
    """A probe that returns (or raises) the given observations one per look."""
    pending = list(observations)

    def probe():
        item = pending.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item
    return probe


def _wait(probe, policy=QUICK):
    return Wait(
        name="demo", probe=probe, policy=policy, expected="ready", hint="see Step 7",
        acceptors=(Acceptor(FAILURE, lambda o: o == "broken", "it broke"),
                   Acceptor(SUCCESS, lambda o: o == "ready", "it is ready"),
                   Acceptor(RETRY, lambda o: True, "not yet")),
        milestone=lambda o: o == "halfway",
    )


# scouts every 25 s from 50 s to 200 s; success is due 60-80 s after the milestone
SCOUTING = Policy("p", deadline=400, expected_from=300, expected_until=350, first_backoff=20,
                  dense=5, jitter=0, late_cap=30, scout=Window(50, 200, 25),
                  milestone=Window(60, 80, 2))


def _timed(clock, halfway_at, ready_at):
    """A probe on the clock: "starting", then "halfway" from halfway_at, "ready" from ready_at."""
    def probe():
        if clock.now >= ready_at:
            return "ready"
        return "halfway" if clock.now >= halfway_at else "starting"
    return probe


def test_first_matching_acceptor_decides():
    acceptors = (Acceptor(RETRY, lambda o: o > 0, "positive"), Acceptor(SUCCESS, lambda o: o > 1, "big"))

    assert decide(acceptors, 5).description == "positive"
    assert decide(acceptors, -1) is None


def test_success_after_three_polls_reports_attempts_and_simulated_elapsed():
    # given
    clock = SimulatedClock()
    wait = _wait(_scripted("starting", "starting", "ready"))

    # when
    outcome = run(wait, clock=clock, sleep=clock.sleep)

    # then
    assert (outcome.state, outcome.observation, outcome.attempts) == (SUCCESS, "ready", 3)
    assert outcome.elapsed == 10 and clock.sleeps == [5, 5]


def test_failure_acceptor_stops_at_once_with_what_it_saw():
    clock = SimulatedClock()
    wait = _wait(_scripted("starting", "broken", "ready"))

    with pytest.raises(WaitFailed) as raised:
        run(wait, clock=clock, sleep=clock.sleep)

    assert raised.value.outcome.attempts == 2
    assert str(raised.value) == ("wait demo failed after 5s: it broke; last saw 'broken'; "
                                 "expected ready; hint: see Step 7")


def test_timeout_message_carries_last_observation_expectation_and_hint():
    clock = SimulatedClock()
    wait = _wait(lambda: "starting")

    with pytest.raises(WaitTimeout) as raised:
        run(wait, clock=clock, sleep=clock.sleep)

    assert str(raised.value) == ("wait demo timed out after 60s (13 looks): last saw 'starting'; "
                                 "expected ready; hint: see Step 7")
    assert raised.value.exit_code == EXIT_FAILED and isinstance(raised.value, HarnessError)


def test_throttling_5xx_and_dropped_connections_in_the_middle_are_retried():
    clock = SimulatedClock()
    wait = _wait(_scripted(
        "starting", _client_error("ThrottlingException", 400), _client_error("InternalError", 500),
        botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
        requests.ConnectionError("reset"), "ready"))

    outcome = run(wait, clock=clock, sleep=clock.sleep)

    assert outcome.state == SUCCESS and outcome.attempts == 6 and outcome.error is None


def test_an_error_another_look_cannot_fix_fails_with_the_aws_message():
    clock = SimulatedClock()
    wait = _wait(_scripted("starting", _client_error("AccessDeniedException", 400)))

    with pytest.raises(WaitFailed, match=r"^wait demo: could not read \(An error occurred "
                                         r"\(AccessDeniedException\).*last saw 'starting'"):
        run(wait, clock=clock, sleep=clock.sleep)


def test_timeout_while_the_endpoint_is_down_names_the_last_error():
    clock = SimulatedClock()
    down = botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    def probe():
        raise down

    with pytest.raises(WaitTimeout, match=r"last saw nothing \(last look failed: Could not "
                                          r"connect to the endpoint URL"):
        run(_wait(probe), clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize("error, transient", [
    (_client_error("Throttling", 400), True),
    (_client_error("ThrottlingException", 400), True),
    (_client_error("ServiceUnavailable", 503), True),
    (_client_error("ServiceNotFoundException", 400), False),
    (botocore.exceptions.ConnectionClosedError(endpoint_url="http://x"), True),
    (requests.Timeout("slow"), True),
    (ValueError("bug"), False),
])
def test_is_transient_separates_passing_errors_from_verdicts(error, transient):
    assert is_transient(error) is transient


def test_schedule_backs_off_before_the_window_then_polls_densely_then_backs_off_to_the_cap():
    # given a policy expecting the condition between 100 s and 150 s
    clock = SimulatedClock()
    policy = Policy("p", deadline=400, expected_from=100, expected_until=150, first_backoff=20,
                    dense=5, jitter=0, late_cap=30)

    # when it never comes
    with pytest.raises(WaitTimeout):
        run(_wait(lambda: "starting", policy), clock=clock, sleep=clock.sleep)

    # then: 20, 40, then clipped to land on 100; dense 5 s to 150; backoff capped at 30; last
    # sleep clipped to land on the deadline
    assert clock.sleeps[:3] == [20, 40, 40]
    assert set(clock.sleeps[3:13]) == {5}
    assert clock.sleeps[-2] == 30 and clock.now == 400


def test_jitter_stays_within_its_bound():
    policy = Policy("p", deadline=100, expected_from=0, expected_until=100, dense=4, jitter=1)
    clock = SimulatedClock()

    with pytest.raises(WaitTimeout):
        run(_wait(lambda: "starting", policy), clock=clock, sleep=clock.sleep)

    assert all(4 <= s <= 5 for s in clock.sleeps[:-1]) and len(set(clock.sleeps)) > 1


def test_policy_retrying_is_a_tenacity_retrying_on_the_injected_sleep():
    clock = SimulatedClock()
    retrying = QUICK.retrying(clock=clock, sleep=clock.sleep, start=0,
                              retry=tenacity.retry_if_result(lambda r: r is None))

    assert isinstance(retrying, tenacity.Retrying)
    answers = iter([None, None, "done"])
    assert retrying(lambda: next(answers)) == "done" and clock.now == 10


def test_with_a_milestone_the_policy_scouts_sparsely_then_polls_densely_anchored_on_the_sighting():
    # given the milestone happens at 110 s (seen by the look at 125 s, not by the one at 100 s)
    clock = SimulatedClock()

    # when
    outcome = run(_wait(_timed(clock, 110, 190), SCOUTING), clock=clock, sleep=clock.sleep)

    # then: backoff to the scout window (20, clipped to 50), scouting every 25 s to 125; one sleep
    # to 100 + 60 (the last look that did not see it, plus the window's start); dense 2 s to 190
    assert clock.sleeps[:6] == [20, 30, 25, 25, 25, 35]
    assert set(clock.sleeps[6:]) == {2} and clock.now == 190 and outcome.state == SUCCESS


def test_a_milestone_seen_on_the_first_look_anchors_the_window_on_that_look():
    clock = SimulatedClock()

    run(_wait(_timed(clock, 0, 70), SCOUTING), clock=clock, sleep=clock.sleep)

    assert clock.sleeps == [60, 2, 2, 2, 2, 2] and clock.now == 70


def test_past_the_milestone_window_the_policy_backs_off_to_the_cap():
    clock = SimulatedClock()

    with pytest.raises(WaitTimeout):
        run(_wait(_timed(clock, 0, 10_000), SCOUTING), clock=clock, sleep=clock.sleep)

    # then: dense 2 s from 60 s to 80 s, then backoff that soon reaches the 30 s cap
    assert set(clock.sleeps[1:11]) == {2} and clock.sleeps[11] > 2
    assert clock.sleeps[-2] == 30 and clock.now == 400


def test_a_milestone_never_seen_hands_over_to_the_start_window_after_the_scout_window():
    clock = SimulatedClock()

    with pytest.raises(WaitTimeout):
        run(_wait(_timed(clock, 10_000, 10_000), SCOUTING), clock=clock, sleep=clock.sleep)

    looks = [sum(clock.sleeps[:i]) for i in range(len(clock.sleeps) + 1)]
    assert [t for t in looks if 50 <= t < 200] == [50, 75, 100, 125, 150, 175]
    assert [t for t in looks if 300 <= t < 350] == list(range(300, 350, 5))


def test_blind_drops_the_milestone_so_only_the_start_window_counts():
    clock = SimulatedClock()
    blind = SCOUTING.blind()

    with pytest.raises(WaitTimeout):
        run(_wait(_timed(clock, 0, 10_000), blind), clock=clock, sleep=clock.sleep)

    assert blind.scout is None and blind.milestone is None
    assert clock.sleeps[:4] == [20, 40, 80, 160] and 5 in clock.sleeps
