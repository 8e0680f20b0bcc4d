"""The pipeline wait on botocore Stubber timelines (every request and response checked against
the real CodePipeline, CodeBuild and CloudWatch Logs models) and a simulated clock."""

from datetime import datetime, timedelta, timezone

import pytest
from botocore.stub import ANY, Stubber

from pipeline_harness.errors import ConfigError
from pipeline_harness.targets.base import Capabilities
from pipeline_harness.waits.model import WaitFailed, WaitTimeout
from pipeline_harness.waits.pipeline import wait_for_pipeline
from pipeline_harness.waits.policies import PIPELINE as PIPELINE_POLICY
from pipeline_harness.waits.policies import SimulatedClock

PIPELINE = "dev-php-app-pipeline"
COMMIT = "3f2c9a1"
FULL_SHA = "3f2c9a1d0b7e4c21a9f0e8d7c6b5a4f3e2d1c0b9"
EXECUTION = "11111111-2222-3333-4444-555555555555"
BUILD_ID = "dev-php-app-build:0a1b2c3d-0000-1111-2222-333333333333"
T0 = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def target(stubbed_target):
    return stubbed_target()


@pytest.fixture
def stubs(target):
    made = {name: Stubber(target.client(name)) for name in ("codepipeline", "codebuild", "logs")}
    for stub in made.values():
        stub.activate()
    yield made
    for stub in made.values():
        stub.assert_no_pending_responses()


def _listed(*revisions):
    return {"pipelineExecutionSummaries": [
        {"pipelineExecutionId": f"exec-{i}" if rev != FULL_SHA else EXECUTION,
         "status": "InProgress", "sourceRevisions": [{"actionName": "Source", "revisionId": rev}]}
        for i, rev in enumerate(revisions)]}


def _status(status, summary=None):
    execution = {"pipelineName": PIPELINE, "pipelineExecutionId": EXECUTION, "status": status}
    if summary:
        execution["statusSummary"] = summary
    return {"pipelineExecution": execution}


def _declaration(pipeline_type="V2"):
    def action(name, category, provider):
        return {"name": name, "actionTypeId": {"category": category, "owner": "AWS",
                                               "provider": provider, "version": "1"}}
    return {"pipeline": {
        "name": PIPELINE, "roleArn": "arn:aws:iam::123456789012:role/dev-codepipeline-service-role",
        "artifactStore": {"type": "S3", "location": "dev-pipeline-artifacts-123456789012"},
        "pipelineType": pipeline_type,
        "stages": [{"name": "Source", "actions": [action("Source", "Source", "CodeStarSourceConnection")]},
                   {"name": "Build", "actions": [action("Build", "Build", "CodeBuild")]},
                   {"name": "Deploy", "actions": [action("Deploy", "Deploy", "ECS")]}]}}


def _state(failed_stage, code, message, external_id=None):
    stages = []
    for stage in ("Source", "Build", "Deploy"):
        status = "Failed" if stage == failed_stage else "Succeeded"
        latest = {"status": status}
        if status == "Failed":
            latest["errorDetails"] = {"code": code, "message": message}
            if external_id:
                latest["externalExecutionId"] = external_id
        stages.append({"stageName": stage,
                       "latestExecution": {"pipelineExecutionId": EXECUTION, "status": status},
                       "actionStates": [{"actionName": stage, "latestExecution": latest}]})
        if stage == failed_stage:
            break
    return {"pipelineName": PIPELINE, "stageStates": stages}


def _running(stage):
    """The pipeline state while our execution runs `stage` (None: between stages or done)."""
    order = ("Source", "Build", "Deploy")
    reached = order.index(stage) if stage else len(order)
    return {"pipelineName": PIPELINE, "stageStates": [
        {"stageName": name, "latestExecution": {
            "pipelineExecutionId": EXECUTION if i <= reached else "exec-previous",
            "status": "InProgress" if i == reached else "Succeeded"}}
        for i, name in enumerate(order)]}


def _action_executions():
    def action(stage, start, seconds):
        return {"pipelineExecutionId": EXECUTION, "actionExecutionId": f"{stage}-1",
                "stageName": stage, "actionName": stage, "status": "Succeeded",
                "startTime": T0 + timedelta(seconds=start),
                "lastUpdateTime": T0 + timedelta(seconds=start + seconds)}
    return {"actionExecutionDetails": [action("Source", 0, 8), action("Build", 10, 245),
                                       action("Deploy", 260, 95)]}


def _failed_build(phase, context, log_lines):
    stream = "0a1b2c3d-0000-1111-2222-333333333333"
    return {"builds": [{
        "id": BUILD_ID, "buildStatus": "FAILED",
        "phases": [{"phaseType": "INSTALL", "phaseStatus": "SUCCEEDED"},
                   {"phaseType": phase, "phaseStatus": "FAILED",
                    "contexts": [{"statusCode": "COMMAND_EXECUTION_ERROR", "message": context}]}],
        "logs": {"groupName": "/aws/codebuild/dev-php-app-build", "streamName": stream}}]}


def _log(*lines):
    return {"events": [{"timestamp": 1, "message": line + "\n", "ingestionTime": 2} for line in lines]}


def _wait_and_fail(target):
    clock = SimulatedClock()
    with pytest.raises(WaitFailed) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)
    return str(raised.value)


def test_succeeds_after_the_commit_appears_and_every_stage_succeeds_with_stage_durations(target, stubs):
    # given: no execution yet, then one for the commit that runs for two looks
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed("0000000aaaa"), {"pipelineName": PIPELINE})
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA, "0000000aaaa"), {"pipelineName": PIPELINE})
    for status in ("InProgress", "InProgress", "Succeeded"):
        cp.add_response("get_pipeline_execution", _status(status),
                        {"pipelineName": PIPELINE, "pipelineExecutionId": EXECUTION})
    cp.add_response("list_action_executions", _action_executions(),
                    {"pipelineName": PIPELINE, "filter": {"pipelineExecutionId": EXECUTION}})
    clock = SimulatedClock()

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)

    # then
    assert run.execution_id == EXECUTION and run.outcome.attempts == 4
    assert run.stage_durations == {"Source": 8.0, "Build": 245.0, "Deploy": 95.0}
    assert clock.now > 0


def test_build_failure_names_stage_action_phase_log_tail_and_the_docker_common_issue(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    cp.add_response("get_pipeline_execution", _status("Failed", "Build failed"))
    cp.add_response("get_pipeline", _declaration(), {"name": PIPELINE})
    cp.add_response("get_pipeline_state", _state("Build", "JobFailed", "Build terminated with state: FAILED",
                                                 BUILD_ID), {"name": PIPELINE})
    stubs["codebuild"].add_response("batch_get_builds", _failed_build(
        "PRE_BUILD", "Error while executing command: docker buildx create. Reason: exit status 1",
        []), {"ids": [BUILD_ID]})
    stubs["logs"].add_response("get_log_events", _log(
        "[Container] Running command docker buildx create --use",
        "permission denied while trying to connect to the Docker daemon socket at "
        "unix:///var/run/docker.sock"),
        {"logGroupName": "/aws/codebuild/dev-php-app-build", "logStreamName": ANY, "limit": 10,
         "startFromHead": False})

    message = _wait_and_fail(target)

    assert message.startswith(f"wait pipeline failed after 0s: the execution did not succeed; "
                              f"last saw execution {EXECUTION} Failed (Build failed)")
    assert "stage Build, action Build failed: JobFailed: Build terminated with state: FAILED" in message
    assert "build phase PRE_BUILD FAILED: Error while executing command: docker buildx create" in message
    assert "log tail: [Container] Running command docker buildx create --use | permission denied" in message
    assert message.endswith('tutorial Common Issues "Build stage fails with Docker permission denied": '
                            "Verify CodeBuild project has Privileged mode enabled; Check CodeBuild "
                            "role has ECR permissions; Ensure buildspec.yml exists in repository root")


def test_build_failure_from_a_colon_in_a_buildspec_command_points_at_the_subkeys_issue(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    cp.add_response("get_pipeline_execution", _status("Failed"))
    cp.add_response("get_pipeline", _declaration())
    cp.add_response("get_pipeline_state", _state("Build", "JobFailed", "Build terminated", BUILD_ID))
    stubs["codebuild"].add_response("batch_get_builds", _failed_build(
        "DOWNLOAD_SOURCE", "YAML_FILE_ERROR: Expected Commands[2] to be of string type: found "
        "subkeys instead at line 12, value of the key tag on line 11 might be empty", []))
    stubs["logs"].add_response("get_log_events", _log("[Container] Phase context status code: YAML_FILE_ERROR"))

    message = _wait_and_fail(target)

    assert "Expected Commands[2] to be of string type: found subkeys instead" in message
    assert message.endswith("Avoid colons (`:`) in echo statements - use hyphens (`-`) instead; "
                            "Ensure proper indentation in buildspec.yml")


def test_source_failure_on_a_pending_connection_points_at_the_connection_issue(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    cp.add_response("get_pipeline_execution", _status("Failed"))
    cp.add_response("get_pipeline", _declaration())
    cp.add_response("get_pipeline_state", _state(
        "Source", "ConnectionError", "Connection arn:aws:codestar-connections:us-east-1:123456789012:"
        "connection/abc is not available. It is in PENDING state."))

    message = _wait_and_fail(target)

    assert "stage Source, action Source failed: ConnectionError: Connection arn:aws:codestar" in message
    assert message.endswith('"Source stage fails with connection error": Verify CodeStar connection '
                            'status is "Available"; Check GitHub App has access to the repository; '
                            "Ensure repository name format is correct (owner/repo)")


def test_deploy_failure_without_ecs_permissions_points_at_the_deploy_issue(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    cp.add_response("get_pipeline_execution", _status("Failed"))
    cp.add_response("get_pipeline", _declaration())
    cp.add_response("get_pipeline_state", _state(
        "Deploy", "JobFailed", "User: arn:aws:sts::123456789012:assumed-role/dev-codepipeline-service-role"
        "/x is not authorized to perform: ecs:RegisterTaskDefinition"))

    message = _wait_and_fail(target)

    assert "not authorized to perform: ecs:RegisterTaskDefinition" in message
    assert message.endswith("Verify CodePipeline role has ECS permissions (AmazonECS_FullAccess); Check "
                            "cluster and service names match exactly; Ensure ECS service exists and is active")


def test_superseded_execution_fails_at_once_and_says_a_newer_one_took_over(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    cp.add_response("get_pipeline_execution", _status("InProgress"))
    cp.add_response("get_pipeline_execution", _status("Superseded"))

    message = _wait_and_fail(target)

    assert f"last saw execution {EXECUTION} Superseded" in message
    assert message.endswith("a newer execution superseded it before it finished")


def test_stopped_execution_fails_and_reports_the_stage_state(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    cp.add_response("get_pipeline_execution", _status("Stopped", "Stopped by a person"))
    cp.add_response("get_pipeline", _declaration())
    cp.add_response("get_pipeline_state", {"pipelineName": PIPELINE, "stageStates": []})

    message = _wait_and_fail(target)

    assert f"last saw execution {EXECUTION} Stopped (Stopped by a person)" in message
    assert message.endswith("no failed action found in the pipeline state")


def test_throttling_and_a_5xx_in_the_middle_do_not_end_the_wait(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    cp.add_response("get_pipeline_execution", _status("InProgress"))
    cp.add_client_error("get_pipeline_execution", "ThrottlingException", "Rate exceeded", 400)
    cp.add_client_error("get_pipeline_execution", "InternalFailure", "oops", 500)
    # at 180 s Build may be over: the look reads the stages, which show no stage running
    cp.add_response("get_pipeline_state", _running(None), {"name": PIPELINE})
    cp.add_response("get_pipeline_execution", _status("Succeeded"))
    cp.add_response("list_action_executions", _action_executions())
    clock = SimulatedClock()

    run = wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)

    assert run.outcome.state == "success" and run.outcome.attempts == 4 and clock.now == 180


def test_timeout_reports_the_last_status_seen(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    for _ in range(3):  # at 0 s, 40 s and the deadline: the policy backs off before its window
        cp.add_response("get_pipeline_execution", _status("InProgress", "Build running"))
    clock = SimulatedClock()
    policy = PIPELINE_POLICY.replace(deadline=60)

    with pytest.raises(WaitTimeout) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, policy=policy, clock=clock, sleep=clock.sleep)

    assert str(raised.value).startswith(
        f"wait pipeline timed out after 60s (3 looks): last saw "
        f"execution {EXECUTION} InProgress (Build running); expected every stage of {PIPELINE} "
        f"Succeeded for commit {COMMIT}; hint: Build stage takes 3-5 minutes")


def test_start_on_a_v2_pipeline_overrides_the_source_revision_with_the_commit(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("get_pipeline", _declaration("V2"))
    cp.add_response("start_pipeline_execution", {"pipelineExecutionId": EXECUTION}, {
        "name": PIPELINE, "sourceRevisions": [
            {"actionName": "Source", "revisionType": "COMMIT_ID", "revisionValue": COMMIT}]})
    cp.add_response("get_pipeline_execution", _status("Succeeded"))
    cp.add_response("list_action_executions", _action_executions())
    clock = SimulatedClock()

    run = wait_for_pipeline(target, PIPELINE, COMMIT, start=True, clock=clock, sleep=clock.sleep)

    assert run.execution_id == EXECUTION and "codepipeline.ListPipelineExecutions" not in target.calls


def test_start_on_a_v1_pipeline_is_a_configuration_error(target, stubs):
    stubs["codepipeline"].add_response("get_pipeline", _declaration("V1"))

    with pytest.raises(ConfigError, match=f"pipeline {PIPELINE} is V1: only V2 pipelines can be "
                                          "started on a given commit; push the commit instead"):
        wait_for_pipeline(target, PIPELINE, COMMIT, start=True)


def test_on_a_target_without_stage_state_the_failure_says_what_is_missing(stubbed_target):
    # given a target that declares it lacks GetPipelineState and ListActionExecutions (moto)
    target = stubbed_target(capabilities=Capabilities(missing={"codepipeline": {
        "GetPipelineState": "moto does not implement GetPipelineState",
        "ListActionExecutions": "moto does not implement ListActionExecutions"}}))
    with Stubber(target.client("codepipeline")) as cp:
        cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
        cp.add_response("get_pipeline_execution", _status("Failed"))

        message = _wait_and_fail(target)

    assert message.endswith("stage details unavailable: moto does not implement GetPipelineState")


def _look(cp, status, summary=None):
    cp.add_response("get_pipeline_execution", _status(status, summary),
                    {"pipelineName": PIPELINE, "pipelineExecutionId": EXECUTION})


def _stages(cp, running):
    cp.add_response("get_pipeline_state", _running(running), {"name": PIPELINE})


def test_once_build_may_be_over_looks_read_the_stages_and_deploy_narrows_the_dense_window(target, stubs):
    # given: running at 0, 40 and 120 s (no stage reads before Build's 3 minutes can be over);
    # Build still running at 180 and 205 s, Deploy running at 230 s
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    for _ in range(3):
        _look(cp, "InProgress")
    for stage in ("Build", "Build", "Deploy"):
        _stages(cp, stage)  # one call per look: the state stands in for the execution's status
    # then only the execution is read: at 205 + 60 s (Deploy takes 1-2 minutes) and 3.8 s later
    _look(cp, "InProgress")
    _look(cp, "Succeeded")
    cp.add_response("list_action_executions", _action_executions())
    clock = SimulatedClock()

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(jitter=0),
                            clock=clock, sleep=clock.sleep)

    # then
    assert clock.sleeps == [40, 80, 60, 25, 25, 35, 3.8]
    assert run.outcome.state == "success" and run.outcome.attempts == 8


def test_a_look_at_the_stages_that_shows_nothing_running_is_settled_by_the_execution(target, stubs):
    # given: at 180 s the state shows no stage of ours running; the execution says Stopping
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    for _ in range(3):
        _look(cp, "InProgress")
    _stages(cp, None)
    _look(cp, "Stopping", "Stopped by a person")
    cp.add_response("get_pipeline", _declaration())
    cp.add_response("get_pipeline_state", _state(None, "", ""))

    # when
    message = _wait_and_fail(target)

    # then the verdict is the execution's own status, not the state's
    assert f"last saw execution {EXECUTION} Stopping (Stopped by a person)" in message


def test_a_stage_shown_running_is_reported_with_the_execution():
    from pipeline_harness.waits.pipeline import Execution

    assert str(Execution(EXECUTION, "InProgress", stage="Deploy", final_stage=True)) == (
        f"execution {EXECUTION} InProgress in stage Deploy")


def test_on_a_target_without_stage_state_the_wait_reads_only_the_execution_on_the_start_window(stubbed_target):
    # given a target that lacks GetPipelineState (moto): the Stubber rejects any call to it
    target = stubbed_target(capabilities=Capabilities(missing={"codepipeline": {
        "GetPipelineState": "moto does not implement GetPipelineState",
        "ListActionExecutions": "moto does not implement ListActionExecutions"}}))
    with Stubber(target.client("codepipeline")) as cp:
        cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
        for _ in range(4):
            _look(cp, "InProgress")
        _look(cp, "Succeeded")
        clock = SimulatedClock()

        run = wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(jitter=0),
                                clock=clock, sleep=clock.sleep)

    # then: backoff to the 4-minute start window, then dense 4 s polling in it
    assert clock.sleeps == [40, 80, 120, 4] and run.stage_durations == {}
