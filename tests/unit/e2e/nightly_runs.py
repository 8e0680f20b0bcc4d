"""Nightly runs played end to end through `run_nightly` (Stubber timelines, a simulated clock), each
writing its JSON report: what `pipeline-harness report` draws, made by the flow, not by hand."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import nightly_timeline as tl
import pytest
import responses

from pipeline_harness.core.errors import HarnessError
from pipeline_harness.e2e.flow import run_nightly
from pipeline_harness.targets import aws
from pipeline_harness.waits.schedules import SimulatedClock

PASSED, ROLLED_BACK, BUILD_FAILED = "passed", "rolled back", "build failed"
_TIMELINES_ACTIONS = tl._action_details  # Source 12 s, Build 240 s, Deploy 200 s


def _actions(build_seconds: float) -> dict:
    """The execution's actions, its Build taking `build_seconds` and Deploy starting after it."""
    details = _TIMELINES_ACTIONS()
    build, deploy = (next(a for a in details["actionExecutionDetails"] if a["stageName"] == stage)
                     for stage in ("Build", "Deploy"))
    build["lastUpdateTime"] = build["startTime"] + timedelta(seconds=build_seconds)
    length = deploy["lastUpdateTime"] - deploy["startTime"]
    deploy["startTime"] = build["lastUpdateTime"]
    deploy["lastUpdateTime"] = deploy["startTime"] + length
    return details


def play(monkeypatch: pytest.MonkeyPatch, stubbed_target, settings, run_inputs, path: Path, *,
         ending: str = PASSED, build_seconds: float = 240.0, seconds_per_call: float = 1.0) -> Path:
    """One nightly run ending as `ending` says; its report written at `path`."""
    target = stubbed_target(name="aws", region=tl.REGION, quirks=aws.QUIRKS,
                            allowed_accounts=frozenset(settings.allowed_account_ids))
    timeline = tl.Timeline(target)
    timeline.add("sts", "get_caller_identity",
                 {"Account": tl.ACCOUNT, "Arn": f"arn:aws:iam::{tl.ACCOUNT}:role/nightly", "UserId": "AROA1"})
    clock = SimulatedClock()
    timeline.taking(clock, seconds_per_call)
    github_api = responses.RequestsMock(assert_all_requests_are_fired=False)
    with monkeypatch.context() as patched, github_api as github:
        patched.setattr(tl, "_action_details", lambda: _actions(build_seconds))
        tl.github_push(github)
        tl.github_delete(github)
        tl.provision(timeline)
        if ending == BUILD_FAILED:
            tl.pipeline_failed(timeline, "Build", "JobFailed", "Build terminated with state: FAILED",
                               ("YAML_FILE_ERROR: Expected Commands[2] to be of string type: found "
                                "subkeys instead", "[Container] Phase context status code: YAML_FILE_ERROR"))
        else:
            tl.pipeline_succeeded(timeline)
            tl.image_tagged(timeline)
            if ending == ROLLED_BACK:
                tl.rolled_back(timeline)
            else:
                tl.rolled_out(timeline)
                tl.alb_serves(github)
                tl.evidence_holds(timeline, github)
        tl.teardown(timeline)
        try:
            run_nightly(run_inputs, target, report_path=path, clock=clock, sleep=clock.sleep)
        except HarnessError:
            if ending == PASSED:
                raise
    timeline.assert_done()
    return path
