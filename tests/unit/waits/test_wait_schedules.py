"""A schedule is a value that plans each run afresh; the plan returns what it decided between two
looks (a Pause: the sleep and its quiet part) and keeps nothing for the caller to read back."""

import pytest

from pipeline_harness.waits.model import Acceptor, Wait, WaitTimeout, run
from pipeline_harness.waits.schedules import Pace, Paced, Pause, Policy, SimulatedClock, fixed

PACED = Policy("paced", deadline=400, schedule=Paced(every=10, dense=2, jitter=0, quiet_cap=60, safety=120))


def test_listening_the_paced_plan_returns_the_quiet_part_of_its_pause():
    # given: the first look proves nothing can succeed for 100 s; an event source to listen to
    clock = SimulatedClock()
    plan = PACED.plan(start=0, clock=clock, pace=lambda: Pace(quiet=100), listening=lambda: True)

    # when
    decided = plan()

    # then: 100 s quiet (long-polled each minute for the failures), then `safety` seconds listened
    assert decided == Pause(seconds=220, quiet=100, quiet_cap=60)


def test_polling_the_paced_plan_has_no_quiet_part_and_sleeps_a_quiet_cap_at_most():
    clock = SimulatedClock()
    plan = PACED.plan(start=0, clock=clock, pace=lambda: Pace(quiet=100))

    assert plan() == Pause(seconds=60, quiet=0, quiet_cap=60)


def test_the_quiet_part_never_outlasts_a_pause_clipped_at_the_deadline():
    clock = SimulatedClock()
    plan = PACED.replace(deadline=50).plan(start=0, clock=clock, pace=lambda: Pace(quiet=100),
                                           listening=lambda: True)

    assert plan() == Pause(seconds=50, quiet=50, quiet_cap=60)


def test_each_run_plans_afresh_from_the_same_schedule_value():
    # given: a run whose looks proved a quiet span
    clock = SimulatedClock()
    earlier = PACED.plan(start=0, clock=clock, pace=lambda: Pace(quiet=100))
    earlier()

    # when: another run of the same policy starts, its look proving nothing
    later = PACED.plan(start=0, clock=clock)

    # then: nothing the first run proved holds for it: polling's next instant
    assert later().seconds == 10


@pytest.mark.parametrize("deadline, sleeps", [(40, [15, 15, 10]), (45, [15, 15, 15])])
def test_fixed_polls_every_interval_and_looks_last_at_the_deadline(deadline, sleeps):
    clock = SimulatedClock()
    wait = Wait(name="demo", probe=lambda: "starting", acceptors=(Acceptor("success", lambda o: False, "-"),),
                policy=Policy("fixed-15s", deadline=deadline, schedule=fixed(15)), expected="ready")

    with pytest.raises(WaitTimeout):
        run(wait, clock=clock, sleep=clock.sleep)

    assert clock.sleeps == sleeps
