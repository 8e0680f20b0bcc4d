"""The wait model and its schedules on a simulated clock: acceptors decide, transient errors retry,
deadlines hold; the paced schedule sleeps through what a look proves quiet, spends its call budget
where success is near, and with an event source sleeps by listening."""

import math
import random

import botocore.exceptions
import botocore.parsers
import pytest
import requests
import tenacity

from pipeline_harness.core.errors import EXIT_FAILED, HarnessError
from pipeline_harness.waits.model import (
    FAILURE,
    RETRY,
    SUCCESS,
    Acceptor,
    Wait,
    WaitFailed,
    WaitTimeout,
    decide,
    run,
)
from pipeline_harness.waits.schedules import (
    AGAIN,
    NEAR,
    Pace,
    Paced,
    Policy,
    SimulatedClock,
    Windows,
    is_transient,
)

QUICK = Policy("test", deadline=60, schedule=Windows(expected_from=0, expected_until=60, dense=5, jitter=0))


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


def _wait(probe, policy=QUICK, **fields):
    return Wait(
        name="demo", probe=probe, policy=policy, expected="ready", hint="see Step 7",
        acceptors=(Acceptor(FAILURE, lambda o: o == "broken", "it broke"),
                   Acceptor(SUCCESS, lambda o: o == "ready", "it is ready"),
                   Acceptor(RETRY, lambda o: True, "not yet")),
        **fields,
    )


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


def test_an_answer_botocore_cannot_parse_fails_the_wait_in_one_line_rather_than_crashing_it():
    clock = SimulatedClock()
    wait = _wait(_scripted("starting", botocore.parsers.ResponseParserError("Unable to parse response")))

    with pytest.raises(WaitFailed, match=r"^wait demo: could not read \(Unable to parse response\); "
                                         r"last saw 'starting'"):
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
    policy = Policy("p", deadline=400, schedule=Windows(expected_from=100, expected_until=150,
                                                        first_backoff=20, dense=5, jitter=0, late_cap=30))

    # when it never comes
    with pytest.raises(WaitTimeout):
        run(_wait(lambda: "starting", policy), clock=clock, sleep=clock.sleep)

    # then: 20, 40, then clipped to land on 100; dense 5 s to 150; backoff capped at 30; last
    # sleep clipped to land on the deadline
    assert clock.sleeps[:3] == [20, 40, 40]
    assert set(clock.sleeps[3:13]) == {5}
    assert clock.sleeps[-2] == 30 and clock.now == 400


def test_jitter_stays_within_its_bound():
    policy = Policy("p", deadline=100,
                    schedule=Windows(expected_from=0, expected_until=100, dense=4, jitter=1))
    clock = SimulatedClock()

    with pytest.raises(WaitTimeout):
        run(_wait(lambda: "starting", policy), clock=clock, sleep=clock.sleep)

    assert all(4 <= s <= 5 for s in clock.sleeps[:-1]) and len(set(clock.sleeps)) > 1


def test_policy_retrying_is_a_tenacity_retrying_whose_sleep_between_looks_asks_the_plan():
    clock = SimulatedClock()
    plan = QUICK.plan(start=0, clock=clock)
    retrying = QUICK.retrying(clock=clock, start=0, retry=tenacity.retry_if_result(lambda r: r is None),
                              sleep=lambda _: clock.sleep(plan().seconds))

    assert isinstance(retrying, tenacity.Retrying)
    answers = iter([None, None, "done"])
    assert retrying(lambda: next(answers)) == "done" and clock.now == 10


# --- the paced schedule --------------------------------------------------------------------------

PACED = Policy("paced", deadline=400, schedule=Paced(every=10, dense=2, jitter=0, quiet_cap=60, safety=120))


def _on_clock(clock, *phases):
    """A probe whose observation is the last phase (name, from) whose start has passed."""
    def probe():
        return [name for name, begin in phases if clock.now >= begin][-1]
    return probe


def _looks(clock):
    """When the looks happened: the first at 0, then after each sleep."""
    return [sum(clock.sleeps[:i]) for i in range(len(clock.sleeps) + 1)]


def test_with_nothing_known_the_paced_schedule_looks_at_its_budgets_pace():
    # given a probe that never says more
    clock = SimulatedClock()
    wait = _wait(lambda: "starting", PACED.replace(deadline=35))

    # when
    with pytest.raises(WaitTimeout):
        run(wait, clock=clock, sleep=clock.sleep)

    # then: one look per 10 s, the last on the deadline
    assert clock.sleeps == [10, 10, 10, 5]


def test_a_quiet_span_is_slept_through_and_the_calls_saved_are_spent_densely_once_near():
    # given: while building, success cannot come for 100 s; near once deploying, from 100 s
    clock = SimulatedClock()
    paces = {"building": Pace(quiet=100), "deploying": NEAR, "ready": Pace()}
    wait = _wait(_on_clock(clock, ("building", 0), ("deploying", 100), ("ready", 180)), PACED,
                 pace=paces.get)

    # when
    outcome = run(wait, clock=clock, sleep=clock.sleep)

    # then: quiet sleeps capped at 60 s up to the bound the look at 60 s proved (160 s), then
    # every 2 s — 14 looks, where polling every 10 s would have made 19
    assert clock.sleeps == [60, 60, 40] + [2] * 10
    assert outcome.state == SUCCESS and outcome.attempts == 14 <= 1 + clock.now / 10


def test_near_without_calls_saved_is_no_denser_than_the_budget():
    clock = SimulatedClock()
    wait = _wait(_on_clock(clock, ("deploying", 0), ("ready", 45)), PACED, pace=lambda o: NEAR)

    run(wait, clock=clock, sleep=clock.sleep)

    assert clock.sleeps == [10, 10, 10, 10, 10]


def test_a_milestone_whose_age_the_look_can_tell_anchors_the_quiet_span_when_it_happened():
    # given: the tasks ran from 35 s, first seen by the look at 60 s, which can tell they ran 25 s
    # ago; success is at least 40 s after they ran
    clock = SimulatedClock()

    def pace(observation):
        if observation == "starting":
            return Pace(quiet=60)
        return Pace(quiet=40, since="tasks running", near=True, ago=clock.now - 35)

    wait = _wait(_on_clock(clock, ("starting", 0), ("running", 35), ("ready", 81)), PACED, pace=pace)

    # when
    run(wait, clock=clock, sleep=clock.sleep)

    # then: quiet until 35 + 40 = 75 s, then every 2 s from the first of those instants after it
    assert clock.sleeps == [60, 16, 2, 2, 2] and clock.now == 82


def test_a_milestone_of_unknown_age_is_placed_right_after_the_last_look_that_showed_it_ahead():
    # given: the looks at 0 s and 20 s show the tasks not running; the one at 30 s shows nothing
    # about them; the one at 40 s shows them running, but not since when
    clock = SimulatedClock()
    paces = {"starting": Pace(ahead="tasks running"), "elsewhere": Pace(),
             "running": Pace(quiet=40, since="tasks running", near=True)}
    wait = _wait(_on_clock(clock, ("starting", 0), ("elsewhere", 30), ("running", 40), ("ready", 75)),
                 PACED, pace=paces.get)

    run(wait, clock=clock, sleep=clock.sleep)

    # then: placed at 20 s, the last look that showed them ahead, so quiet until 60 s: the grid
    # instant at 50 s is skipped, and the call it saved buys one look at 62 s
    assert clock.sleeps == [10, 10, 10, 10, 20, 2, 8, 10]


def test_a_milestone_seen_on_the_first_look_may_be_old_so_it_makes_nothing_quiet():
    clock = SimulatedClock()
    wait = _wait(_on_clock(clock, ("running", 0), ("ready", 20)), PACED,
                 pace=lambda o: Pace(quiet=100, since="tasks running", near=True))

    run(wait, clock=clock, sleep=clock.sleep)

    assert clock.sleeps == [10, 10]


def test_a_look_that_proves_less_keeps_the_bound_an_earlier_look_proved():
    # given: the first look proves 100 s quiet, the later ones prove nothing
    clock = SimulatedClock()
    wait = _wait(_on_clock(clock, ("building", 0), ("unknown", 1), ("ready", 100)), PACED,
                 pace=lambda o: Pace(quiet=100) if o == "building" else Pace())

    run(wait, clock=clock, sleep=clock.sleep)

    # then: the 100 s still hold at the look at 60 s
    assert clock.sleeps == [60, 40]


def _counting(observe, per_look):
    """A probe making `per_look` calls a look, and the count of them."""
    calls = [0]

    def probe():
        calls[0] += per_look
        return observe()
    return probe, calls


@pytest.mark.parametrize("per_look, looks_near", [(1, 8), (3, 2)])
def test_the_budget_is_in_calls_when_the_wait_counts_them(per_look, looks_near):
    # given: the first look proves nothing can succeed for 100 s, then success is near; each look
    # makes `per_look` calls
    clock = SimulatedClock()
    probe, calls = _counting(_on_clock(clock, ("building", 0), ("deploying", 1)), per_look)
    paces = {"building": Pace(quiet=100), "deploying": NEAR}
    wait = _wait(probe, PACED.replace(deadline=130), pace=paces.get, spent=lambda: calls[0])

    with pytest.raises(WaitTimeout):
        run(wait, clock=clock, sleep=clock.sleep)

    # then: the calls the quiet span saved buy looks between the grid instants, fewer when each
    # costs three calls; the grid instants are looked at all the same
    looks = _looks(clock)
    between = [t for t in looks if t > 100 and t % 10]
    assert len(between) == looks_near and {110, 120, 130} <= set(looks)


def test_looks_that_make_several_calls_never_delay_a_look_polling_would_make():
    # given a probe whose every look makes three calls
    clock = SimulatedClock()
    probe, calls = _counting(lambda: "starting", 3)
    wait = _wait(probe, PACED.replace(deadline=60), spent=lambda: calls[0])

    with pytest.raises(WaitTimeout):
        run(wait, clock=clock, sleep=clock.sleep)

    # then: one look at each instant of polling every 10 s, as polling with this probe would make
    assert clock.sleeps == [10] * 6 and calls[0] == 21


def test_no_look_comes_later_than_pollings_where_success_could_be_seen_nor_more_looks():
    for seed in range(300):
        # given: success visible from a random moment; each look says something true but random
        # about it — a quiet span short of it, near, more to read, or nothing
        rng = random.Random(seed)
        success = rng.uniform(0, 600)
        clock = SimulatedClock()

        def pace(observation, rng=rng, success=success, clock=clock):
            left = success - clock.now
            return rng.choice([Pace(quiet=left * rng.random()), NEAR, AGAIN, Pace(),
                               Pace(quiet=left * rng.random(), near=True)])

        wait = _wait(_on_clock(clock, ("waiting", 0), ("ready", success)), PACED.replace(deadline=900),
                     pace=pace)

        # when
        outcome = run(wait, clock=clock, sleep=clock.sleep)

        # then: seen no later than polling every 10 s sees it, in no more looks
        polled = math.ceil(success / 10) * 10
        assert outcome.state == SUCCESS and clock.now <= polled + 1e-6, seed
        assert outcome.attempts <= 1 + polled / 10, seed


def test_a_throttled_look_never_makes_the_wait_later_than_polling_by_reusing_what_came_before():
    late = []
    for seed in range(300):
        # given: the new tasks register at a random moment, success comes a soonest-healthy span
        # (40 s) or more after it, each look says truly how long ago they registered — and one of
        # the first looks is throttled
        rng = random.Random(seed)
        registered = rng.uniform(0, 300)
        success = registered + 40 + rng.uniform(0, 200)
        throttled = rng.randrange(1, 6)
        clock = SimulatedClock()
        looks = [0]

        def probe(clock=clock, registered=registered, success=success, throttled=throttled, looks=looks):
            looks[0] += 1
            if looks[0] == throttled:
                raise _client_error("ThrottlingException", 400)
            state = "ready" if clock.now >= success else "running" if clock.now >= registered else "starting"
            return state, clock.now

        def pace(observation, registered=registered):
            state, at = observation
            if state == "running":
                return Pace(quiet=40, since="registered", ago=at - registered, near=True)
            return Pace(ahead="registered")

        wait = Wait(name="demo", probe=probe, policy=PACED.replace(deadline=900), expected="ready",
                    pace=pace, acceptors=(Acceptor(SUCCESS, lambda o: o[0] == "ready", "ready"),
                                          Acceptor(RETRY, lambda o: True, "not yet")))

        # when
        run(wait, clock=clock, sleep=clock.sleep)

        # then: seen no later than polling every 10 s sees it (the failed look proved nothing, so
        # the look before it is not dated anew)
        polled = math.ceil(success / 10) * 10
        if clock.now > polled + 1e-6:
            late.append(seed)
    assert late == []


def test_again_looks_once_more_after_the_dense_interval_with_a_call_saved():
    # given: a quiet span of 30 s saved calls; then the probe has more to read
    clock = SimulatedClock()
    observations = iter(["building", "found", "ready"])
    paces = {"building": Pace(quiet=30), "found": AGAIN}
    wait = _wait(lambda: next(observations), PACED, pace=paces.get)

    run(wait, clock=clock, sleep=clock.sleep)

    assert clock.sleeps == [30, 2]


def test_again_without_a_call_saved_waits_for_the_next_grid_instant():
    clock = SimulatedClock()
    observations = iter(["found", "ready"])
    wait = _wait(lambda: next(observations), PACED, pace=lambda o: AGAIN)

    run(wait, clock=clock, sleep=clock.sleep)

    assert clock.sleeps == [10]


# --- sleeping on an event source ------------------------------------------------------------------

class _Source:
    """Events that arrive at given times; listening moves the clock to the first that wakes."""

    def __init__(self, clock, *arrivals):
        self.clock, self.arrivals, self.events, self.listened = clock, sorted(arrivals), [], []

    def mark(self):
        return len(self.events)

    def listen(self, seconds, wakes, since, clock, sleep):
        self.listened.append((clock(), seconds))
        deadline = clock() + seconds
        while self.arrivals and self.arrivals[0][0] <= deadline:
            at, event = self.arrivals.pop(0)
            self.clock.now = max(self.clock.now, at)
            self.events.append(event)
            if wakes(event):
                return len(self.events), True
        self.clock.now = deadline
        return len(self.events), False


def _event(time, name="done"):
    return {"id": f"{name}-{time}", "time": time, "detail-type": name}


def test_with_an_event_source_the_wait_listens_and_an_event_ends_the_sleep_for_one_look():
    # given: ready from 100 s, its event arriving at 103 s; safety looks every 120 s
    clock = SimulatedClock()
    source = _Source(clock, (103, _event("2026-11-02T12:01:40Z")))
    woken = []
    wait = _wait(_on_clock(clock, ("starting", 0), ("ready", 100)), PACED, events=source,
                 wakes=lambda e: e["detail-type"] == "done", woken=woken.append)

    # when
    outcome = run(wait, clock=clock, sleep=clock.sleep)

    # then: no polling; one look at the event
    assert outcome.attempts == 2 and clock.now == 103 and source.listened == [(0, 120)]
    assert [e["time"] for e in woken] == ["2026-11-02T12:01:40Z"]


def test_a_lost_event_only_delays_the_verdict_to_the_safety_look():
    clock = SimulatedClock()
    wait = _wait(_on_clock(clock, ("starting", 0), ("ready", 100)), PACED, events=_Source(clock))

    outcome = run(wait, clock=clock, sleep=clock.sleep)

    assert outcome.state == SUCCESS and clock.now == 120


def test_an_event_no_newer_than_the_one_that_woke_the_last_look_wakes_nothing():
    # given: two events of the same moment, the second arriving after the look the first caused
    clock = SimulatedClock()
    source = _Source(clock, (10, _event("2026-11-02T12:00:05Z", "a")),
                     (11, _event("2026-11-02T12:00:05Z", "b")), (30, _event("2026-11-02T12:00:29Z", "c")))
    wait = _wait(_on_clock(clock, ("starting", 0), ("ready", 29)), PACED, events=source,
                 wakes=lambda e: True)

    # when
    outcome = run(wait, clock=clock, sleep=clock.sleep)

    # then: looks at 0 s, 10 s (a) and 30 s (c); b reported what the look at 10 s saw
    assert outcome.attempts == 3 and clock.now == 30


def test_with_an_event_source_a_quiet_span_is_slept_but_for_one_long_poll_a_minute():
    # given: building proves 90 s quiet; near once deploying (100 s); ready at 150 s, its event then
    clock = SimulatedClock()
    source = _Source(clock, (150, _event("2026-11-02T12:02:30Z")))
    paces = {"building": Pace(quiet=90), "deploying": NEAR}
    wait = _wait(_on_clock(clock, ("building", 0), ("deploying", 100), ("ready", 150)), PACED,
                 events=source, wakes=lambda e: True, pace=paces.get)

    # when
    run(wait, clock=clock, sleep=clock.sleep)

    # then: asleep but for the last 20 s of the quiet span's first minute (the rest is followed by
    # listening anyway), then listening for the safety span after it, until the event came
    assert clock.sleeps == [40, 30] and clock.now == 150
    assert source.listened == [(40, 20), (90, 120)]


@pytest.mark.parametrize("failing, heard_at", [(False, 40), (True, 20)])
def test_with_an_event_source_a_quiet_span_in_which_a_failure_is_due_is_listened_through(failing, heard_at):
    # given: nothing can succeed for 300 s; the deployment fails at 20 s
    clock = SimulatedClock()
    source = _Source(clock, (20, _event("2026-11-02T12:00:20Z")))
    wait = _wait(_on_clock(clock, ("building", 0), ("broken", 20)), PACED, events=source,
                 wakes=lambda e: True, pace=lambda o: Pace(quiet=300, failing=failing))

    # when
    with pytest.raises(WaitFailed):
        run(wait, clock=clock, sleep=clock.sleep)

    # then: asleep, it hears the failure at the minute's long poll; failing, when it comes
    assert clock.now == heard_at


def test_a_quiet_span_in_which_a_failure_is_due_is_looked_at_in_dense_steps_with_calls_saved():
    # given: nothing can succeed for 300 s; from 120 s the tasks fail, and the deployment at 130 s
    clock = SimulatedClock()
    paces = {"building": Pace(quiet=300), "failing": Pace(quiet=300, failing=True)}
    wait = _wait(_on_clock(clock, ("building", 0), ("failing", 120), ("broken", 130)), PACED,
                 pace=paces.get)

    with pytest.raises(WaitFailed):
        run(wait, clock=clock, sleep=clock.sleep)

    # then: a minute's sleeps while only success was ruled out, dense ones once a failure is due
    assert clock.sleeps == [60, 60] + [2] * math.ceil(10 / 2)


def test_once_a_failure_is_due_no_grid_instant_is_skipped_even_inside_a_quiet_span():
    # given: no call saved, a quiet span of 300 s, and the tasks failing from the first look
    clock = SimulatedClock()
    wait = _wait(_on_clock(clock, ("failing", 0), ("broken", 35)), PACED,
                 pace=lambda o: Pace(quiet=300, failing=True))

    with pytest.raises(WaitFailed):
        run(wait, clock=clock, sleep=clock.sleep)

    # then: polling's instants, as polling would find the failure
    assert clock.sleeps == [10, 10, 10, 10] and clock.now == 40


def test_inside_a_quiet_span_an_event_that_cannot_be_a_failure_wakes_no_look():
    # given: nothing can succeed for 300 s; at 50 s an event of progress, at 170 s one of failure
    clock = SimulatedClock()
    source = _Source(clock, (50, _event("2026-11-02T12:00:50Z", "progress")),
                     (170, _event("2026-11-02T12:02:50Z", "failed")))
    probe, looked = _on_clock(clock, ("building", 0), ("broken", 170)), []

    def look():
        looked.append(clock.now)
        return probe()

    wait = _wait(look, PACED, events=source, wakes=lambda e: True,
                 may_fail=lambda e: e["detail-type"] == "failed", pace=lambda o: Pace(quiet=300))

    # when
    with pytest.raises(WaitFailed):
        run(wait, clock=clock, sleep=clock.sleep)

    # then: the first minute's long poll heard the progress and slept on; listening after the
    # quiet part (120 s at most), the failure woke a look
    assert looked == [0, 170]


def test_with_an_event_source_a_failure_in_a_quiet_span_wakes_the_wait_within_a_minute():
    # given: nothing can succeed for 300 s, but the deployment fails at 50 s
    clock = SimulatedClock()
    source = _Source(clock, (50, _event("2026-11-02T12:00:50Z")))
    wait = _wait(_on_clock(clock, ("building", 0), ("broken", 50)), PACED, events=source,
                 wakes=lambda e: True, pace=lambda o: Pace(quiet=300))

    # when
    with pytest.raises(WaitFailed) as raised:
        run(wait, clock=clock, sleep=clock.sleep)

    # then: heard in the first minute's long poll
    assert raised.value.outcome.attempts == 2 and clock.now == 50


def test_an_event_source_that_cannot_be_read_leaves_the_wait_polling_on_the_grid():
    # given: a queue that broke (deleted, denied): events.Inbox says so in `broken`
    clock = SimulatedClock()
    source = _Source(clock)
    source.broken = "events unavailable (AccessDenied); the waits only poll"
    wait = _wait(_on_clock(clock, ("starting", 0), ("ready", 25)), PACED, events=source)

    # when
    run(wait, clock=clock, sleep=clock.sleep)

    # then: polling's instants, not the safety look's two minutes
    assert clock.sleeps == [10, 10, 10] and source.listened == []
