"""The nightly flow end to end without AWS or GitHub: Stubber timelines for AWS, `responses` for
GitHub and the ALB, a simulated clock. Every run — passed, failed, interrupted — is torn down."""

import dataclasses
import json

import nightly_timeline as tl
import pytest

from pipeline_harness.core.errors import ConfigError, HarnessError
from pipeline_harness.e2e.flow import run_nightly
from pipeline_harness.waits.model import WaitFailed, WaitTimeout
from pipeline_harness.waits.schedules import SimulatedClock


def _run(run_inputs, aws_target, tmp_path, sleep=None):
    clock = SimulatedClock()
    return run_nightly(run_inputs, aws_target, report_path=tmp_path / "nightly.json", clock=clock,
                       sleep=sleep or clock.sleep)


def _report(tmp_path) -> dict:
    return json.loads((tmp_path / "nightly.json").read_text())


def _torn_down(timeline, github, report):
    """Every lab resource deleted in reverse dependency order, the run branch too, all recorded."""
    timeline.assert_done()
    assert timeline.deletes() == tl.EXPECTED_DELETES
    assert [c.request.method for c in github.calls][-1] == "DELETE"
    assert report["teardown"]["branch"] == "deleted" and report["teardown"]["errors"] == []
    assert report["teardown"]["outcomes"] == tl.EXPECTED_OUTCOMES


def _until_pipeline(timeline, github, files_seen=None):
    tl.github_push(github, files_seen)
    tl.github_delete(github)
    tl.provision(timeline)


def test_a_passing_run_pushes_one_commit_waits_for_step_7_and_tears_everything_down(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given
    files = []
    _until_pipeline(timeline, github, files)
    tl.pipeline_succeeded(timeline)
    tl.image_tagged(timeline)
    tl.rolled_out(timeline)
    tl.alb_serves(github)
    tl.evidence_holds(timeline, github)
    tl.teardown(timeline)

    # when
    report = _run(run_inputs, aws_target, tmp_path)

    # then
    written = _report(tmp_path)
    assert report.outcome == written["outcome"] == "passed"
    assert {"buildspec.yml", "sample_app/Dockerfile", "sample_app/health.php",
            "pipeline-harness-run.txt"} <= set(files)
    assert written["commit"] == tl.COMMIT and written["execution_id"] == tl.EXECUTION
    assert written["build_number"] == "42"
    assert written["image"] == {"uri": f"{tl.URI}:{tl.SHORT}", "tags": [tl.SHORT, "latest", "42"],
                                "digest": tl.DIGEST, "platforms": ["linux/amd64", "linux/arm64"],
                                "stored_bytes": tl.STORED_BYTES}
    assert [w["name"] for w in written["waits"]] == ["pipeline", "ecr-tags", "rollout", "http"]
    assert all(w["state"] == "succeeded" and w["seconds"] is not None for w in written["waits"])
    assert [p["name"] for p in written["phases"]] == ["push", "provision", "evidence", "teardown"]
    assert [(link["link"], link["state"]) for link in written["evidence"]] == [
        (name, "holds") for name in ("execution", "build", "pushed", "image", "deployment", "tasks", "alb")]
    assert written["stages"]["Build"] == {"seconds": 240.0, "expected_seconds": [180, 300],
                                          "outlier": None}
    assert written["stages"]["Deploy"]["outlier"] == "slower than the tutorial's"
    assert written["failure"] is None
    _torn_down(timeline, github, written)


def test_the_report_of_a_passing_run_says_what_it_kept_running_for_how_long_and_an_estimate(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given: a passing run whose AWS calls take 2 s each (provisioning and teardown take minutes)
    clock = SimulatedClock()
    timeline.taking(clock, 2.0)
    _until_pipeline(timeline, github)
    tl.pipeline_succeeded(timeline)  # stages: Source 12 s, Build 240 s, Deploy 200 s
    tl.image_tagged(timeline)
    tl.rolled_out(timeline)
    tl.alb_serves(github)
    tl.evidence_holds(timeline, github)
    tl.teardown(timeline)

    # when
    run_nightly(run_inputs, aws_target, report_path=tmp_path / "nightly.json", clock=clock, sleep=clock.sleep)

    # then: everything the run made lived from provisioning's start to teardown's end
    written = _report(tmp_path)
    usage, phases = written["usage"], {p["name"]: p for p in written["phases"]}
    tags = next(w for w in written["waits"] if w["name"] == "ecr-tags")
    end = phases["teardown"]["at"] + phases["teardown"]["seconds"]
    hours = (end - phases["provision"]["at"]) / 3600
    assert phases["provision"]["seconds"] > 60 and phases["teardown"]["seconds"] > 60
    assert usage["window_seconds"] == round(end - phases["provision"]["at"], 1)
    assert usage["alb_hours"] == round(hours, 4)
    assert usage["fargate"] == {"tasks": 1, "vcpu": 0.25, "memory_gb": 0.5,  # cpu 256, memory 512
                                "vcpu_hours": round(0.25 * hours, 4), "gb_hours": round(0.5 * hours, 4)}
    assert usage["public_ipv4_hours"] == round(3 * hours, 4)  # the ALB in two zones, one task
    assert usage["nat_gateway_hours"] == usage["elastic_ip_hours"] == 0
    assert usage["codebuild_minutes"] == {"BUILD_GENERAL1_SMALL": 4}
    assert usage["codepipeline_action_minutes"] == 1 + 4 + 4
    kept = (end - tags["at"] - tags["seconds"]) / 3600
    assert usage["ecr"] == {"stored_bytes": tl.STORED_BYTES,
                            "gb_months": round(tl.STORED_BYTES / 1e9 * kept / 730, 9)}
    cost = usage["estimate_usd"]
    assert cost["alb"] == 0.0225  # one ALB-hour: a partial hour is billed as a whole one
    assert cost["codebuild"] == round(4 * 0.005, 4) and cost["codepipeline"] == round(9 * 0.002, 4)
    assert cost["fargate"] == round(0.25 * hours * 0.04048 + 0.5 * hours * 0.004445, 4)
    assert cost["total"] == pytest.approx(sum(v for k, v in cost.items() if k != "total"), abs=1e-3)
    assert usage["prices"]["region"] == "us-east-1" and "estimate" in usage["prices"]["note"]


def test_an_image_size_the_role_may_not_read_is_unknown_and_the_run_still_passes(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given
    _until_pipeline(timeline, github)
    tl.pipeline_succeeded(timeline)
    tl.image_tagged(timeline, described=False)
    tl.rolled_out(timeline)
    tl.alb_serves(github)
    tl.evidence_holds(timeline, github)
    tl.teardown(timeline)

    # when
    report = _run(run_inputs, aws_target, tmp_path)

    # then
    written = _report(tmp_path)
    assert report.outcome == "passed"
    assert written["image"]["stored_bytes"] is None
    assert written["usage"]["ecr"] == {"stored_bytes": None, "gb_months": None}


def test_the_pipeline_points_at_the_run_branch_and_is_the_requested_type(run_inputs):
    # then: the pipeline's Source action reads the branch the commit was pushed to
    assert run_inputs.settings.branch == tl.BRANCH
    assert run_inputs.settings.pipeline_type == "V2"
    assert run_inputs.settings.replace(pipeline_type="V1").pipeline_type == "V1"


@pytest.mark.parametrize("stage, code, message, build, issue", [
    ("Source", "JobFailed", "Connection arn:aws:codestar-connections:us-east-1:123456789012:"
     "connection/0a1b is not available", None, "Source stage fails with connection error"),
    ("Build", "JobFailed", "Build terminated with state: FAILED",
     ("YAML_FILE_ERROR: Expected Commands[2] to be of string type: found subkeys instead",
      "[Container] Phase context status code: YAML_FILE_ERROR"),
     "Build fails with 'Commands[X] subkeys error'"),
    ("Deploy", "JobFailed", f"The Amazon ECS service {tl.SERVICE} does not exist", None,
     "Deploy stage fails with permission error"),
])
def test_a_failed_stage_ends_the_run_with_the_diagnosis_and_tears_down(
        run_inputs, aws_target, timeline, github, tmp_path, stage, code, message, build, issue):
    # given
    _until_pipeline(timeline, github)
    tl.pipeline_failed(timeline, stage, code, message, build)
    tl.teardown(timeline)

    # when
    with pytest.raises(WaitFailed) as raised:
        _run(run_inputs, aws_target, tmp_path)

    # then
    written = _report(tmp_path)
    assert f"stage {stage}, action {stage} failed: {code}: {message}" in str(raised.value)
    assert written["outcome"] == "failed" and written["execution_id"] == tl.EXECUTION
    assert written["failure"]["where"] == "pipeline"
    assert written["failure"]["diagnosis"]["common_issue"] == issue
    assert written["waits"][-1]["state"] == "failed"
    assert written["waits"][-1]["last_seen"] == f"execution {tl.EXECUTION} Failed"
    _torn_down(timeline, github, written)


def test_a_circuit_breaker_rollback_fails_the_run_with_the_service_events(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given: the pipeline succeeded, but ECS rolled the new image back
    _until_pipeline(timeline, github)
    tl.pipeline_succeeded(timeline)
    tl.image_tagged(timeline)
    tl.rolled_back(timeline)
    tl.teardown(timeline)

    # when
    with pytest.raises(WaitFailed, match="circuit breaker rolled back the new image"):
        _run(run_inputs, aws_target, tmp_path)

    # then
    written = _report(tmp_path)
    assert written["failure"]["where"] == "rollout"
    assert tl.ROLLBACK_EVENT in written["failure"]["message"]
    assert written["image"]["digest"] == tl.DIGEST
    assert [w["state"] for w in written["waits"]] == ["succeeded", "succeeded", "failed"]
    _torn_down(timeline, github, written)


def test_an_alb_that_never_serves_the_new_version_times_out_and_tears_down(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given: every answer still carries the previous version
    _until_pipeline(timeline, github)
    tl.pipeline_succeeded(timeline)
    tl.image_tagged(timeline)
    tl.rolled_out(timeline)
    tl.alb_serves(github, version="1a2b3c4")
    tl.teardown(timeline)

    # when
    with pytest.raises(WaitTimeout, match="wait http timed out"):
        _run(run_inputs, aws_target, tmp_path)

    # then
    written = _report(tmp_path)
    assert written["failure"]["where"] == "http"
    assert "1a2b3c4" in written["waits"][-1]["last_seen"]
    assert written["waits"][-1]["attempts"] > 1
    _torn_down(timeline, github, written)


def test_ctrl_c_while_waiting_tears_down_writes_the_report_and_is_reraised(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given: Ctrl-C arrives during the first pause of the pipeline wait
    _until_pipeline(timeline, github)
    timeline.add("codepipeline", "list_pipeline_executions", tl._summary("9" * 40))
    tl.teardown(timeline)

    def interrupted(seconds):
        raise KeyboardInterrupt

    # when
    with pytest.raises(KeyboardInterrupt):
        _run(run_inputs, aws_target, tmp_path, sleep=interrupted)

    # then
    written = _report(tmp_path)
    assert written["outcome"] == "interrupted"
    assert written["failure"] == {"where": "pipeline", "error": "KeyboardInterrupt",
                                  "message": "interrupted (Ctrl-C)", "diagnosis": None}
    assert written["waits"][-1]["state"] == "interrupted"
    _torn_down(timeline, github, written)


def test_an_account_outside_the_allow_list_is_refused_before_anything_is_made(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given: the allow-list names another account
    aws_target.allowed_accounts = frozenset({"999999999999"})

    # when
    with pytest.raises(ConfigError) as raised:
        _run(run_inputs, aws_target, tmp_path)

    # then: one STS call, nothing pushed, nothing created, the refusal on record
    assert str(raised.value).startswith(f"account {tl.ACCOUNT} is not in the allow-list; nothing was created")
    assert raised.value.exit_code == 2
    assert timeline.calls == ["sts.GetCallerIdentity"] and len(github.calls) == 0
    written = _report(tmp_path)
    assert written["outcome"] == "refused" and written["failure"]["where"] == "allow-list"


def test_a_push_the_token_may_not_make_still_tears_down_and_says_why(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given: GitHub does not show the repository to this token
    github.get(tl.API, status=404, json={"message": "Not Found"})
    tl.github_delete(github, status=404)
    tl.teardown_of_nothing(timeline)

    # when
    with pytest.raises(ConfigError, match=f"repository {tl.REPO} not found or the token may not push"):
        _run(run_inputs, aws_target, tmp_path)

    # then
    written = _report(tmp_path)
    assert written["failure"]["where"] == "push" and written["commit"] is None
    assert written["teardown"]["branch"] == "absent"
    timeline.assert_done()
    # every step looked first, found nothing of ours, and deleted nothing
    assert timeline.deletes() == []


def test_a_passing_run_whose_branch_cannot_be_deleted_fails_with_the_leftover(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given
    tl.github_push(github)
    github.delete(f"{tl.API}/git/refs/heads/{tl.BRANCH}", status=403,
                  json={"message": "Resource not accessible by personal access token"})
    tl.provision(timeline)
    tl.pipeline_succeeded(timeline)
    tl.image_tagged(timeline)
    tl.rolled_out(timeline)
    tl.alb_serves(github)
    tl.evidence_holds(timeline, github)
    tl.teardown(timeline)

    # when
    with pytest.raises(HarnessError, match=f"teardown left something behind: branch {tl.BRANCH}"):
        _run(run_inputs, aws_target, tmp_path)

    # then
    written = _report(tmp_path)
    assert written["outcome"] == "failed" and written["failure"]["where"] == "teardown"
    assert written["teardown"]["branch"] == "error"
    assert timeline.deletes() == tl.EXPECTED_DELETES


def test_a_chain_of_evidence_that_breaks_after_the_waits_fails_the_run_and_tears_down(
        run_inputs, aws_target, timeline, github, tmp_path):
    # given: every wait succeeded, but the tasks run another digest than the image the build pushed
    _until_pipeline(timeline, github)
    tl.pipeline_succeeded(timeline)
    tl.image_tagged(timeline)
    tl.rolled_out(timeline)
    tl.alb_serves(github)
    other = "sha256:" + "0" * 64
    tl.evidence_holds(timeline, github, dataclasses.replace(tl.RUN, task_digests=(other,)))
    tl.teardown(timeline)

    # when
    broke = f"Step 7's chain of evidence broke: link `tasks` broken: the running tasks run {other}"
    with pytest.raises(HarnessError, match=broke):
        _run(run_inputs, aws_target, tmp_path)

    # then: the grader would not award the rollout or the app; the report says which links broke
    written = _report(tmp_path)
    assert written["failure"]["where"] == "evidence"
    assert {link["link"]: link["state"] for link in written["evidence"]} == {
        "execution": "holds", "build": "holds", "pushed": "holds", "image": "holds", "deployment": "holds",
        "tasks": "broken", "alb": "broken"}
    _torn_down(timeline, github, written)
