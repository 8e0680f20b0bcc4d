"""The nightly role's policy names every call a whole nightly run makes (its Stubber timeline)."""

import nightly_timeline as tl

from pipeline_harness.e2e.flow import run_nightly
from pipeline_harness.iam import files as policy_files
from pipeline_harness.iam import iam_action
from pipeline_harness.waits.schedules import SimulatedClock


def test_the_nightly_role_may_make_every_call_of_a_whole_nightly_run(run_inputs, aws_target, timeline,
                                                                     github, tmp_path):
    # given: a passing run, as the e2e tier plays it
    tl.github_push(github)
    tl.github_delete(github)
    tl.provision(timeline)
    tl.pipeline_succeeded(timeline)
    tl.image_tagged(timeline)
    tl.rolled_out(timeline)
    tl.alb_serves(github)
    tl.evidence_holds(timeline, github)
    tl.teardown(timeline)
    clock = SimulatedClock()
    run_nightly(run_inputs, aws_target, report_path=tmp_path / "run.json", clock=clock, sleep=clock.sleep)
    granted = {a for s in policy_files.nightly_role_policy()["Statement"] for a in s["Action"]}

    # when: each call as IAM names its action
    actions = {iam_action(call) for call in timeline.calls} - {None}

    # then
    assert len(actions) > 60
    assert sorted(actions - granted) == []
