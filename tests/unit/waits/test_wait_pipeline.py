"""The pipeline wait on botocore Stubber timelines (every request and response checked against
the real CodePipeline, CodeBuild, CloudWatch Logs, ECS, ELB and SQS models) and a simulated clock."""

import dataclasses
import email.utils
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import botocore
import captured
import pytest
from botocore.stub import ANY, Stubber

from pipeline_harness.core.errors import ConfigError, HarnessError
from pipeline_harness.targets.base import Capabilities
from pipeline_harness.waits.events import Inbox
from pipeline_harness.waits.model import WaitFailed, WaitTimeout, run
from pipeline_harness.waits.pipeline import Execution, pipeline_wait, wait_for_pipeline
from pipeline_harness.waits.pipeline.deploy import ecs_deploy
from pipeline_harness.waits.pipeline.failure import LOG_LINE_CHARS, LOG_TAIL_CHARS
from pipeline_harness.waits.schedules import PIPELINE as PIPELINE_POLICY
from pipeline_harness.waits.schedules import SimulatedClock

PIPELINE = "dev-php-app-pipeline"
COMMIT = "3f2c9a1"
FULL_SHA = "3f2c9a1d0b7e4c21a9f0e8d7c6b5a4f3e2d1c0b9"
EXECUTION = "11111111-2222-3333-4444-555555555555"
BUILD_ID = "dev-php-app-build:0a1b2c3d-0000-1111-2222-333333333333"
T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
WITHOUT_JITTER = PIPELINE_POLICY.replace(schedule=dataclasses.replace(PIPELINE_POLICY.schedule, jitter=0))


@pytest.fixture
def target(stubbed_target):
    return stubbed_target()


@pytest.fixture
def stubs(target):
    made = {name: Stubber(target.client(name)) for name in ("codepipeline", "codebuild", "logs", "ecs",
                                                              "elbv2")}
    for stub in made.values():
        stub.activate()
    yield made
    for stub in made.values():
        stub.assert_no_pending_responses()


def _listed(*revisions, status="InProgress", summary=None):
    """The listing; the commit's execution (FULL_SHA) has `status` (and `summary`): the look that
    finds it reads no more."""
    def listed(i, rev):
        found = rev == FULL_SHA
        item = {"pipelineExecutionId": EXECUTION if found else f"exec-{i}", "startTime": T0,
                "status": status if found else "InProgress",
                "sourceRevisions": [{"actionName": "Source", "revisionId": rev}]}
        return {**item, "statusSummary": summary} if found and summary else item
    return {"pipelineExecutionSummaries": [listed(i, rev) for i, rev in enumerate(revisions)]}


def _status(status, summary=None):
    execution = {"pipelineName": PIPELINE, "pipelineExecutionId": EXECUTION, "status": status}
    if summary:
        execution["statusSummary"] = summary
    return {"pipelineExecution": execution}


LAB_STAGES = (("Source", "Source", "CodeStarSourceConnection"), ("Build", "Build", "CodeBuild"),
              ("Deploy", "Deploy", "ECS"))


def _declaration(pipeline_type="V2", deploys=None, stages=LAB_STAGES):
    """The tutorial's pipeline, or one of the `stages` given ((name, category, provider), one action
    each); `deploys` (cluster, service) configures its ECS Deploy action."""
    def action(name, category, provider):
        made = {"name": name, "actionTypeId": {"category": category, "owner": "AWS",
                                               "provider": provider, "version": "1"}}
        if provider == "ECS" and deploys:
            made["configuration"] = {"ClusterName": deploys[0], "ServiceName": deploys[1],
                                     "FileName": "imagedefinitions.json"}
        return made
    return {"pipeline": {
        "name": PIPELINE, "roleArn": "arn:aws:iam::123456789012:role/dev-codepipeline-service-role",
        "artifactStore": {"type": "S3", "location": "dev-pipeline-artifacts-123456789012"},
        "pipelineType": pipeline_type,
        "stages": [{"name": name, "actions": [action(name, category, provider)]}
                   for name, category, provider in stages]}}


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


def _build_failed(stubs, phase, context, *log_lines):
    """The commit's execution failed in its Build action: this phase, its context, this log tail."""
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA, status="Failed"))
    cp.add_response("get_pipeline", _declaration())
    cp.add_response("get_pipeline_state", _state("Build", "JobFailed", "Build terminated", BUILD_ID))
    stubs["codebuild"].add_response("batch_get_builds", _failed_build(phase, context, []))
    stubs["logs"].add_response("get_log_events", _log(*log_lines))


def _wait_and_fail(target):
    clock = SimulatedClock()
    with pytest.raises(WaitFailed) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)
    return str(raised.value)


def test_succeeds_after_the_commit_appears_and_every_stage_succeeds_with_stage_durations(target, stubs):
    # given: no execution yet, then one for the commit that runs; a pipeline whose Deploy action
    # names no ECS service, so there is nothing to follow: the look after the one that found the
    # execution reads the declaration once
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed("0000000aaaa"), {"pipelineName": PIPELINE})
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA, "0000000aaaa"), {"pipelineName": PIPELINE})
    _look(cp, "InProgress")
    cp.add_response("get_pipeline", _declaration(), {"name": PIPELINE})
    _look(cp, "InProgress")
    _look(cp, "Succeeded")
    cp.add_response("list_action_executions", _action_executions(),
                    {"pipelineName": PIPELINE, "filter": {"pipelineExecutionId": EXECUTION}})
    clock = SimulatedClock()

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)

    # then: a look at each instant of polling every 15 s
    assert run.execution_id == EXECUTION and run.outcome.attempts == 5 and clock.sleeps == [15] * 4
    assert run.stage_durations == {"Source": 8.0, "Build": 245.0, "Deploy": 95.0}


def test_build_failure_names_stage_action_phase_log_tail_and_the_docker_common_issue(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA, status="Failed", summary="Build failed"))
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


def test_a_build_log_line_of_a_megabyte_is_cut_before_it_enters_the_failure(target, stubs):
    # given: the student's build printed a 1 MB line among its last ten
    _build_failed(stubs, "BUILD", "Error while executing command: " + "x" * 100_000,
                  "A" * 1_000_000, *(f"line {n}" for n in range(9)))

    # when
    message = _wait_and_fail(target)

    # then: each line at most LOG_LINE_CHARS, the tail at most LOG_TAIL_CHARS, the cuts marked
    tail = message[message.index("log tail: "):].split("; ")[0]
    assert tail.startswith("log tail: " + "A" * (LOG_LINE_CHARS - 1) + "… | line 0 | line 1")
    assert len(tail) <= LOG_TAIL_CHARS
    phase = message[message.index("build phase BUILD FAILED"):].split("; ")[0]
    assert len(phase) == LOG_TAIL_CHARS and phase.endswith("x…")
    assert len(message) < 3 * LOG_TAIL_CHARS


def test_build_failure_from_a_colon_in_a_buildspec_command_points_at_the_subkeys_issue(target, stubs):
    _build_failed(stubs, "DOWNLOAD_SOURCE", "YAML_FILE_ERROR: Expected Commands[2] to be of string type: "
                  "found subkeys instead at line 12, value of the key tag on line 11 might be empty",
                  "[Container] Phase context status code: YAML_FILE_ERROR")

    message = _wait_and_fail(target)

    assert "Expected Commands[2] to be of string type: found subkeys instead" in message
    assert message.endswith("Avoid colons (`:`) in echo statements - use hyphens (`-`) instead; "
                            "Ensure proper indentation in buildspec.yml")


def test_source_failure_on_a_pending_connection_points_at_the_connection_issue(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA, status="Failed"))
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
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA, status="Failed"))
    cp.add_response("get_pipeline", _declaration())
    cp.add_response("get_pipeline_state", _state(
        "Deploy", "JobFailed", "User: arn:aws:sts::123456789012:assumed-role/dev-codepipeline-service-role"
        "/x is not authorized to perform: ecs:RegisterTaskDefinition"))

    message = _wait_and_fail(target)

    assert "not authorized to perform: ecs:RegisterTaskDefinition" in message
    assert message.endswith("Verify CodePipeline role has ECS permissions (AmazonECS_FullAccess); Check "
                            "cluster and service names match exactly; Ensure ECS service exists and is "
                            "active")


def test_superseded_execution_fails_at_once_and_says_a_newer_one_took_over(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA, status="Superseded"))

    message = _wait_and_fail(target)

    assert message.startswith("wait pipeline failed after 0s:")
    assert f"last saw execution {EXECUTION} Superseded" in message
    assert message.endswith("a newer execution superseded it before it finished")


def test_the_look_that_finds_the_execution_takes_its_status_from_the_listing(target, stubs):
    # given: the commit's execution already Succeeded when the wait began
    stubs["codepipeline"].add_response("list_pipeline_executions", _listed(FULL_SHA, status="Succeeded"))
    stubs["codepipeline"].add_response("list_action_executions", _action_executions())
    clock = SimulatedClock()

    run = wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)

    # then: one call, and no GetPipelineExecution to repeat what the listing said
    assert run.outcome.state == "success" and run.outcome.attempts == 1 and clock.now == 0


def test_a_pipeline_that_is_not_there_fails_at_the_first_look_saying_so_once(target, stubs):
    stubs["codepipeline"].add_client_error(
        "list_pipeline_executions", "PipelineNotFoundException",
        f"Account '123456789012' does not have a pipeline with name '{PIPELINE}'")

    message = _wait_and_fail(target)

    assert message.startswith("wait pipeline failed after 0s: there is no pipeline of that name in this "
                              "account and region")
    assert "last saw no such pipeline;" in message and "does not have a pipeline" not in message


def test_a_pipeline_deleted_during_the_wait_fails_at_the_look_that_finds_it_gone(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    cp.add_client_error("get_pipeline_execution", "PipelineNotFoundException", "gone")

    message = _wait_and_fail(target)

    assert "there is no pipeline of that name" in message and "last saw no such pipeline" in message


def test_stopped_execution_fails_and_reports_the_stage_state(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions",
                    _listed(FULL_SHA, status="Stopped", summary="Stopped by a person"))
    cp.add_response("get_pipeline", _declaration())
    cp.add_response("get_pipeline_state", {"pipelineName": PIPELINE, "stageStates": []})

    message = _wait_and_fail(target)

    assert f"last saw execution {EXECUTION} Stopped (Stopped by a person)" in message
    assert message.endswith("no failed action found in the pipeline state")


def test_throttling_and_a_5xx_in_the_middle_do_not_end_the_wait(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    cp.add_client_error("get_pipeline_execution", "ThrottlingException", "Rate exceeded", 400)
    cp.add_client_error("get_pipeline_execution", "InternalFailure", "oops", 500)
    cp.add_response("get_pipeline_execution", _status("Succeeded"))
    cp.add_response("list_action_executions", _action_executions())
    clock = SimulatedClock()

    run = wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)

    assert run.outcome.state == "success" and run.outcome.attempts == 4


def test_timeout_reports_the_last_status_seen(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA, summary="Build running"))
    # at the 15 s deadline, the look after the one that found it: its status, and the declaration
    cp.add_response("get_pipeline_execution", _status("InProgress", "Build running"))
    cp.add_response("get_pipeline", _declaration())
    clock = SimulatedClock()
    policy = PIPELINE_POLICY.replace(deadline=15)

    with pytest.raises(WaitTimeout) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, policy=policy, clock=clock, sleep=clock.sleep)

    assert str(raised.value).startswith(
        f"wait pipeline timed out after 15s (2 looks): last saw "
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
    clock, made = SimulatedClock(), _recorded(target)

    run = wait_for_pipeline(target, PIPELINE, COMMIT, start=True, clock=clock, sleep=clock.sleep)

    # then: the execution started is followed; none is looked for in the listing
    assert run.execution_id == EXECUTION and "StartPipelineExecution" in made
    assert "ListPipelineExecutions" not in made


def test_a_failed_execution_started_on_the_commit_is_explained_from_the_declaration_read_to_start_it(
        target, stubs):
    # given: the pipeline's declaration answered once, to start the execution, which then fails
    cp = stubs["codepipeline"]
    cp.add_response("get_pipeline", _declaration("V2"), {"name": PIPELINE})
    cp.add_response("start_pipeline_execution", {"pipelineExecutionId": EXECUTION}, {
        "name": PIPELINE, "sourceRevisions": [
            {"actionName": "Source", "revisionType": "COMMIT_ID", "revisionValue": COMMIT}]})
    _look(cp, "InProgress")                                    # 0 s: nothing to follow (no ECS service)
    _look(cp, "Failed", "Build failed")                        # 15 s
    cp.add_response("get_pipeline_state", _state("Build", "JobFailed", "Build terminated with state: FAILED"),
                    {"name": PIPELINE})
    clock, made = SimulatedClock(), _recorded(target)

    # when
    with pytest.raises(WaitFailed) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, start=True, clock=clock, sleep=clock.sleep)

    # then: the failure names its stage and action, and the declaration was read once in all
    assert "stage Build, action Build failed: JobFailed: Build terminated" in str(raised.value)
    assert made.count("GetPipeline") == 1 and "StartPipelineExecution" in made


def test_a_failure_after_the_declaration_was_read_is_explained_without_reading_it_again(target, stubs):
    # given: the look after the one that found the execution reads the declaration; then it fails
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))   # 0 s: found
    _look(cp, "InProgress")                                          # 15 s: and the declaration
    cp.add_response("get_pipeline", _declaration(), {"name": PIPELINE})
    _look(cp, "Failed")                                              # 30 s
    cp.add_response("get_pipeline_state", _state("Deploy", "JobFailed", "Service not found"),
                    {"name": PIPELINE})
    made = _recorded(target)

    # when
    message = _wait_and_fail(target)

    # then
    assert "stage Deploy, action Deploy failed: JobFailed: Service not found" in message
    assert made.count("GetPipeline") == 1


def test_start_on_a_v1_pipeline_is_a_configuration_error(target, stubs):
    stubs["codepipeline"].add_response("get_pipeline", _declaration("V1"))

    with pytest.raises(ConfigError, match=f"pipeline {PIPELINE} is V1: only V2 pipelines can be "
                                          "started on a given commit; push the commit instead"):
        wait_for_pipeline(target, PIPELINE, COMMIT, start=True)


def test_start_on_a_pipeline_that_is_not_there_is_a_configuration_error_in_one_line(target, stubs):
    stubs["codepipeline"].add_client_error(
        "get_pipeline", "PipelineNotFoundException",
        f"Account '123456789012' does not have a pipeline with name '{PIPELINE}'")

    with pytest.raises(ConfigError) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, start=True)

    assert str(raised.value) == (f"no pipeline named {PIPELINE} in this account and region — check the "
                                 "name (--name, or the config's prefix) and --region")


def test_start_refused_by_aws_is_one_line_naming_the_pipeline(target, stubs):
    cp = stubs["codepipeline"]
    cp.add_response("get_pipeline", _declaration("V2"))
    cp.add_client_error("start_pipeline_execution", "ConflictException",
                        "an execution with the same source revisions is already in progress")

    with pytest.raises(HarnessError) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, start=True)

    assert type(raised.value) is HarnessError and raised.value.exit_code == 1
    assert str(raised.value).startswith(f"wait pipeline: could not start {PIPELINE} on commit {COMMIT} (")
    assert "ConflictException" in str(raised.value) and "\n" not in str(raised.value)


def test_on_a_target_without_stage_state_the_failure_says_what_is_missing(stubbed_target):
    # given a target that declares it lacks GetPipelineState and ListActionExecutions (moto)
    target = stubbed_target(capabilities=Capabilities(missing={"codepipeline": {
        "GetPipelineState": "moto does not implement GetPipelineState",
        "ListActionExecutions": "moto does not implement ListActionExecutions"}}))
    with Stubber(target.client("codepipeline")) as cp:
        cp.add_response("list_pipeline_executions", _listed(FULL_SHA, status="Failed"))

        message = _wait_and_fail(target)

    assert message.endswith("stage details unavailable: moto does not implement GetPipelineState")


def _look(cp, status, summary=None):
    cp.add_response("get_pipeline_execution", _status(status, summary),
                    {"pipelineName": PIPELINE, "pipelineExecutionId": EXECUTION})


def test_an_execution_seen_with_its_ecs_deployment_is_reported_with_it():
    assert str(Execution(EXECUTION, "InProgress", deploy="new tasks running", failing=True)) == (
        f"execution {EXECUTION} InProgress, ECS deployment new tasks running, its tasks failing")


def test_on_a_target_without_stage_state_the_wait_needs_none_and_reads_the_execution_at_pollings_pace(
        stubbed_target):
    # given a target that lacks GetPipelineState (moto): the Stubber rejects any call to it
    target = stubbed_target(capabilities=Capabilities(missing={"codepipeline": {
        "GetPipelineState": "moto does not implement GetPipelineState",
        "ListActionExecutions": "moto does not implement ListActionExecutions"}}))
    with Stubber(target.client("codepipeline")) as cp:
        cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
        _look(cp, "InProgress")
        cp.add_response("get_pipeline", _declaration())
        _look(cp, "InProgress")
        _look(cp, "Succeeded")
        clock = SimulatedClock()

        run = wait_for_pipeline(target, PIPELINE, COMMIT, policy=WITHOUT_JITTER,
                                clock=clock, sleep=clock.sleep)

    # then: one read per 15 s, the listing's included
    assert clock.sleeps == [15, 15, 15] and run.stage_durations == {}


# --- following the Deploy stage's ECS service -------------------------------------------------------

CLUSTER, SERVICE = "dev-cluster", "dev-php-app-alb-service"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/dev-php-app-tg/73e2d6bc24d8a067"
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/dev-php-app"


def _service(ecs, now, **deployed):
    """describe_services answers `now` seconds after T0 (see `_described`)."""
    ecs.add_response("describe_services", _described(now, **deployed),
                     {"cluster": CLUSTER, "services": [SERVICE]})


def _described(now, *, new=None, running=0, registered=None, failed=0, rolled_back=None, settled=False):
    """describe_services `now` seconds after T0: the old deployment, and the new one (created at
    `new` s) with `running` tasks (`failed` of its tasks failed), registered in the target group at
    `registered` s — alone once `settled`; or, from `rolled_back` s, the new one FAILED and the old
    one's again PRIMARY."""
    def deployment(number, status, created, running_count, state):
        return {"id": f"ecs-svc/{number}", "status": status, "taskDefinition": f"{TD}:{number}",
                "desiredCount": 2, "runningCount": running_count, "rolloutState": state,
                "createdAt": created, "failedTasks": failed if number == 8 else 0}
    deployments = [deployment(7, "PRIMARY" if new is None else "ACTIVE", T0 - timedelta(days=1), 2,
                              "COMPLETED")]
    if new is not None:
        deployments.insert(0, deployment(8, "PRIMARY", T0 + timedelta(seconds=new), running, "IN_PROGRESS"))
    if settled:
        deployments = [deployment(8, "PRIMARY", T0 + timedelta(seconds=new), 2, "COMPLETED")]
    if rolled_back is not None:
        deployments = [{**deployment(7, "PRIMARY", T0 + timedelta(seconds=rolled_back), 2, "IN_PROGRESS"),
                        "id": "ecs-svc/back"},
                       deployment(8, "ACTIVE", T0 + timedelta(seconds=new), 0, "FAILED")]
    events = [] if registered is None else [{
        "id": "e1", "createdAt": T0 + timedelta(seconds=registered),
        "message": f"(service {SERVICE}) registered 2 targets in (target-group {TG})"}]
    date = email.utils.format_datetime(T0 + timedelta(seconds=now), usegmt=True)
    return {"services": [{"serviceName": SERVICE, "status": "ACTIVE", "deployments": deployments,
                          "events": events, "loadBalancers": [{"targetGroupArn": TG, "containerPort": 80,
                                                               "containerName": "php-app-container"}]}],
            "failures": [], "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {"date": date}}}


def _health_checks(elbv2, interval, threshold):
    elbv2.add_response("describe_target_groups", _target_group(interval, threshold),
                       {"TargetGroupArns": [TG]})


def _target_group(interval, threshold):
    return {"TargetGroups": [
        {"TargetGroupArn": TG, "HealthCheckIntervalSeconds": interval, "HealthyThresholdCount": threshold}]}


def _deploying_to_the_default_target_group(stubs):
    """The first looks of a wait whose Deploy action deploys dev-php-app-alb-service, whose target
    group has the defaults (30 s × 5: no task healthy sooner than 120 s after it registers)."""
    cp, ecs = stubs["codepipeline"], stubs["ecs"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))  # 0 s: found
    _look(cp, "InProgress")                                    # 15 s: its status, and the declaration
    cp.add_response("get_pipeline", _declaration(deploys=(CLUSTER, SERVICE)), {"name": PIPELINE})
    _service(ecs, 30)                                          # 30 s: the service instead: no new
    _health_checks(stubs["elbv2"], 30, 5)                      # deployment; its target group, once
    return cp, ecs


def _recorded(target) -> list[str]:
    """The calls made on the target's CodePipeline, ECS and ELB clients from now on, in order."""
    made: list[str] = []
    for service in ("codepipeline", "ecs", "elbv2"):
        target.client(service).meta.events.register(
            "provide-client-params", lambda model, **_: made.append(model.name))
    return made


def _waits(made: list[str]) -> int:
    """The wait's calls: all but the stage durations read after it."""
    return len([name for name in made if name != "ListActionExecutions"])


def test_the_wait_follows_the_deploy_stages_service_and_sleeps_through_its_health_checks(target, stubs):
    # given: the default target group; the new deployment appears at 80 s, its tasks register at
    # 200 s, the execution succeeds at 333 s
    cp, ecs = _deploying_to_the_default_target_group(stubs)
    _look(cp, "InProgress")                                    # 90 s: the status, a minute on
    _service(ecs, 150, new=80)                                 # 150 s: its tasks not running yet
    _look(cp, "InProgress")                                    # 210 s
    _service(ecs, 270, new=80, running=2, registered=200)      # 270 s: none healthy before 320 s
    for _ in range(2):                                         # 325, 330 s: only the status
        _look(cp, "InProgress")
    _look(cp, "Succeeded")                                     # 335 s
    cp.add_response("list_action_executions", _action_executions())
    clock, made = SimulatedClock(), _recorded(target)

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)

    # then: a look a minute while nothing can end within 120 s, up to 200 + 120 s, then the calls
    # saved every 5 s: seen at 335 s, in 12 calls, where polling every 15 s sees it at 345 s in 24
    assert clock.sleeps == [15, 15, 60, 60, 60, 60, 55, 5, 5] and run.outcome.state == "success"
    assert clock.now == 335 and _waits(made) == 12


def test_once_the_deployments_tasks_fail_the_wait_no_longer_sleeps_through_the_health_checks(target, stubs):
    # given: as above, but at 150 s the new deployment's tasks have failed to start once
    cp, ecs = _deploying_to_the_default_target_group(stubs)
    _look(cp, "InProgress")                                    # 90 s
    _service(ecs, 150, new=80, failed=1)                       # 150 s: a task failed
    _look(cp, "InProgress")                                    # 155 s
    _service(ecs, 160, new=80, failed=2)                       # 160 s
    _look(cp, "InProgress")                                    # 165 s
    clock = SimulatedClock()

    # when
    with pytest.raises(WaitTimeout):
        wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(deadline=165),
                          clock=clock, sleep=clock.sleep)

    # then: a minute's sleeps while nothing could end; every 5 s once the tasks fail, as the calls
    # saved allow
    assert clock.sleeps == [15, 15, 60, 60, 5, 5, 5]


def test_a_deployment_seen_rolled_back_leaves_the_wait_looking_densely_for_the_failure(target, stubs):
    # given: the default target group; at 150 s the new deployment has FAILED and the old task
    # definition is PRIMARY again (the circuit breaker rolls back): the Deploy action will fail
    cp, ecs = _deploying_to_the_default_target_group(stubs)
    _look(cp, "InProgress")                                    # 90 s
    _service(ecs, 150, new=80, failed=3, rolled_back=145, registered=147)
    for _ in range(3):                                         # 155, 160, 165 s: the status
        _look(cp, "InProgress")
    clock = SimulatedClock()

    # when
    with pytest.raises(WaitTimeout) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(deadline=165),
                          clock=clock, sleep=clock.sleep)

    # then: no more minute-long sleeps once the rollback shows; the last look says so
    assert clock.sleeps == [15, 15, 60, 60, 5, 5, 5]
    assert "its tasks failing" in str(raised.value)


def test_short_health_checks_leave_the_wait_at_pollings_instants_for_its_two_once_only_reads(target, stubs):
    # given a target group that can call a task healthy 5 s after it registers (5 s × 2): nothing
    # to sleep through; the execution succeeds at 50 s
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))   # 0 s: found
    _look(cp, "InProgress")                                          # 15 s: and the declaration
    cp.add_response("get_pipeline", _declaration(deploys=(CLUSTER, SERVICE)))
    _service(stubs["ecs"], 30)                                       # 30 s: the service, not running:
    _health_checks(stubs["elbv2"], 5, 2)                             # no success now; 5 s
    _look(cp, "InProgress")                                          # 45 s: the status only, from now
    _look(cp, "Succeeded")                                           # 60 s
    cp.add_response("list_action_executions", _action_executions())
    clock, made = SimulatedClock(), _recorded(target)

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)

    # then: polling's instants, so seen when polling sees it; polling's 5 calls and the two
    # once-only reads (the declaration, the target group)
    assert run.outcome.state == "success" and clock.sleeps == [15, 15, 15, 15]
    assert _waits(made) == 5 + 2


# --- pipelines of other shapes, played on a clock ---------------------------------------------------

APPROVAL, INVOKE = ("Approval", "Approval", "Manual"), ("Invoke", "Invoke", "Lambda")
S3_DEPLOY = ("Deploy", "Deploy", "S3")


@dataclass(frozen=True)
class _Release:
    """A hand-written timeline (seconds after T0): the execution runs from 0 s and Succeeded at
    `done`; with an ECS deploy, its deployment is created at `created`, its tasks run and register
    at `running` and the old ones are gone at `settled`."""

    stages: tuple[tuple[str, str, str], ...]
    done: float
    created: float = 0.0
    running: float = 0.0
    settled: float = 0.0
    health: tuple[int, int] = (30, 5)

    def answer(self, operation: str, params: dict, now: float) -> dict:
        status = "Succeeded" if now >= self.done else "InProgress"
        if operation == "ListPipelineExecutions":
            return _listed(FULL_SHA, status=status)
        if operation == "GetPipelineExecution":
            return _status(status)
        if operation == "GetPipeline":
            return _declaration(deploys=(CLUSTER, SERVICE), stages=self.stages)
        if operation == "DescribeTargetGroups":
            return _target_group(*self.health)
        assert operation == "DescribeServices", operation
        if now < self.created:
            return _described(now)
        running = now >= self.running
        return _described(now, new=self.created, running=2 if running else 0,
                          registered=self.running if running else None, settled=now >= self.settled)


def _played(target, clock, release: _Release) -> list[tuple[float, str]]:
    """Every call of the wait answered from `release` at the moment it is made — each answer
    checked against the real API model by a Stubber; the calls, with when they were made."""
    made: list[tuple[float, str]] = []
    for service in ("codepipeline", "ecs", "elbv2"):
        client = target.client(service)
        stub = Stubber(client)
        stub.activate()

        def respond(params, model, stub=stub, **_):
            made.append((clock.now, model.name))
            stub.add_response(botocore.xform_name(model.name), release.answer(model.name, params, clock.now))
        client.meta.events.register(
            f"provide-client-params.{client.meta.service_model.service_id.hyphenize()}", respond)
    return made


def _against_polling(target, release: _Release):
    """The wait on `release`; its looks and calls, and the instant polling every 15 s sees success
    and the calls it makes by then."""
    clock = SimulatedClock()
    made = _played(target, clock, release)
    outcome = run(pipeline_wait(target, PIPELINE, COMMIT), clock=clock, sleep=clock.sleep)
    polled = 15 * math.ceil(release.done / 15)
    return outcome, clock, made, polled, polled // 15 + 1


def test_a_pipeline_ending_in_a_manual_approval_follows_its_ecs_deploy_and_is_never_later_than_polling(
        target):
    # given: the lab's pipeline and a manual approval after it; default health checks (120 s);
    # the deployment created at 100 s, its tasks registered at 130 s, settled at 265 s; approved,
    # and Succeeded, at 400.2 s
    release = _Release((*LAB_STAGES, APPROVAL), done=400.2, created=100, running=130, settled=265)

    # when
    outcome, clock, made, polled, polling_calls = _against_polling(target, release)

    # then: seen when polling sees it, in fewer calls; its tasks seen running at 150 s, the service
    # is not read again: once their soonest-healthy span from 130 s is over, only the approval is
    # left, which nothing proves quiet: a look at every instant polling makes from 255 s
    looks = sorted({at for at, _ in made})
    assert outcome.state == "success" and clock.now == polled == 405
    assert len(made) < polling_calls
    assert [t for t in looks if t >= 255] == list(range(255, 406, 15))
    assert [at for at, name in made if name == "DescribeServices"][-1] == 150
    assert ("DescribeServices" in {name for _, name in made})


def test_a_pipeline_ending_in_a_lambda_invoke_with_short_health_checks_costs_polling_two_reads_more(target):
    # given: health checks of 5 s x 2, nothing to sleep through; Succeeded at 131 s
    release = _Release((*LAB_STAGES, INVOKE), done=131, created=60, running=75, settled=90, health=(5, 2))

    # when
    outcome, clock, made, polled, polling_calls = _against_polling(target, release)

    # then: every instant polling looks at, so seen when polling sees it; its calls and the two
    # once-only reads that found nothing to prove: the declaration and the target group
    assert outcome.state == "success" and clock.now == polled == 135
    assert sorted({at for at, _ in made}) == list(range(0, 136, 15))
    assert len(made) == polling_calls + 2


def test_a_pipeline_without_an_ecs_deploy_is_polled_at_pollings_instants_for_one_read_more(target):
    # given: Source, Build, an S3 deploy; Succeeded at 97 s
    release = _Release((*LAB_STAGES[:2], S3_DEPLOY), done=97)

    # when
    outcome, clock, made, polled, polling_calls = _against_polling(target, release)

    # then: polling's instants; its calls and the declaration, read once; no ECS read at all
    assert outcome.state == "success" and clock.now == polled == 105
    assert sorted({at for at, _ in made}) == list(range(0, 106, 15))
    assert len(made) == polling_calls + 1 and {name for _, name in made} == {
        "ListPipelineExecutions", "GetPipelineExecution", "GetPipeline"}


def _ecs_action(service="svc", **fields):
    return {"name": "Deploy", "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "ECS",
                                               "version": "1"},
            "configuration": {"ClusterName": "c", "ServiceName": service}, **fields}


def _manual():
    return {"name": "Approve", "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual",
                                                "version": "1"}}


def _stage(name, *actions, **fields):
    return {"name": name, "actions": list(actions), **fields}


SKIP = {"conditions": [{"result": "SKIP", "rules": []}]}


@pytest.mark.parametrize("stages, mode, found", [
    ([_stage("Deploy", _ecs_action())], "QUEUED", (("c", "svc"), True)),
    ([_stage("Deploy", _ecs_action()), _stage("Approve", _manual())], "QUEUED", (("c", "svc"), False)),
    # the last ECS deploy in the pipeline's order: its deployment comes last
    ([_stage("A", _ecs_action("first")),
      _stage("B", _ecs_action("second", runOrder=1), _ecs_action("third", runOrder=2))],
     "SUPERSEDED", (("c", "third"), True)),
    # a stage a condition may skip: the execution can succeed without it
    ([_stage("Deploy", _ecs_action(), beforeEntry=SKIP)], "QUEUED", (None, False)),
    ([_stage("Deploy", _ecs_action(), onFailure={"result": "SKIP"})], "QUEUED", (None, False)),
    # its service may be another account's or region's
    ([_stage("Deploy", _ecs_action(roleArn="arn:aws:iam::210987654321:role/x"))], "QUEUED", (None, False)),
    ([_stage("Deploy", _ecs_action(region="eu-west-1"))], "QUEUED", (None, False)),
    # executions of a PARALLEL pipeline deploy at the same time
    ([_stage("Deploy", _ecs_action())], "PARALLEL", (None, False)),
    # not Amazon ECS's own action
    ([_stage("Deploy", {**_ecs_action(), "actionTypeId": {
        "category": "Deploy", "owner": "Custom", "provider": "ECS", "version": "1"}})],
     "QUEUED", (None, False)),
    ([_stage("Deploy", _manual())], "QUEUED", (None, False)),
])
def test_only_an_ecs_deploy_the_execution_must_pass_in_this_account_and_region_is_followed(
        stages, mode, found):
    declaration = {"stages": stages, "executionMode": mode}
    assert ecs_deploy(declaration, "us-east-1") == found


# --- with an event source ---------------------------------------------------------------------------

EVENTS = Path(__file__).resolve().parents[2] / "data" / "events"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/pht-run-events"


def _event(sample, at, **detail):
    """A documentation sample event (tests/data/events), for this pipeline and execution."""
    event = json.loads((EVENTS / f"{sample}.json").read_text())["event"]
    event.update(id=f"{sample}-{at}", time=(T0 + timedelta(seconds=at)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 resources=[f"arn:aws:codepipeline:us-east-1:123456789012:{PIPELINE}"])
    event["detail"].update({"pipeline": PIPELINE, "execution-id": EXECUTION, **detail})
    return event


def _queue(target, clock, *receives):
    """The run's queue on a Stubber: each receive either waits its whole long poll (None) or
    returns the event that arrives at `at` seconds."""
    sqs = target.client("sqs")
    stub = Stubber(sqs)
    arrivals = list(receives)

    def advance(params, **_):
        arrival = arrivals.pop(0)
        clock.now = clock.now + params["WaitTimeSeconds"] if arrival is None else arrival[0]

    sqs.meta.events.register("provide-client-params.sqs.ReceiveMessage", advance)
    for arrival in receives:
        messages = [] if arrival is None else [{"MessageId": "m", "ReceiptHandle": "r",
                                                 "Body": json.dumps(arrival[1])}]
        stub.add_response("receive_message", {"Messages": messages})
    stub.activate()
    return Inbox(sqs, QUEUE), stub


def test_with_events_the_look_an_event_wakes_reads_the_status_not_the_deployment(target, stubs):
    # given: health checks of 30 s × 3 (60 s); the Build stage ends at 100 s, the execution at 130 s,
    # each event delivered then
    cp, ecs = stubs["codepipeline"], stubs["ecs"]
    clock = SimulatedClock()
    inbox, sqs = _queue(target, clock, None, None,
                        (100, _event("codepipeline-stage-stopped", 99, stage="Build", state="SUCCEEDED")),
                        None, (130, _event("codepipeline-pipeline-succeeded", 129)))
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))  # 0 s: found
    _look(cp, "InProgress")                                    # 15 s: a scheduled look reads both
    cp.add_response("get_pipeline", _declaration(deploys=(CLUSTER, SERVICE)))
    _service(ecs, 15)
    _health_checks(stubs["elbv2"], 30, 3)
    _look(cp, "InProgress")                                    # 100 s: woken by Build's end
    _look(cp, "Succeeded")                                     # 130 s: woken by the execution's
    cp.add_response("list_action_executions", _action_executions())

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, policy=WITHOUT_JITTER,
                            clock=clock, sleep=clock.sleep, events=inbox)

    # then: the verdict as the execution's event came; one look at ECS in all; the 60 s nothing
    # could end in were slept through
    assert run.outcome.attempts == 4 and clock.now == 130 and clock.sleeps == [60]
    sqs.assert_no_pending_responses()


def test_a_rollback_under_way_as_describe_services_showed_it_stops_the_health_check_sleeps(target, stubs):
    # given: the Deploy action's service is the captured one (tests/data/ecs), its circuit breaker
    # rolling back with no task counted failed; the execution began before its new deployment
    real, service = captured.rollback_in_progress()
    cluster = service["clusterArn"].rsplit("/", 1)[1]
    cp, ecs = stubs["codepipeline"], stubs["ecs"]
    listed = _listed(FULL_SHA)
    listed["pipelineExecutionSummaries"][0]["startTime"] = datetime.fromisoformat(
        "2021-04-23T12:50:00+08:00")
    cp.add_response("list_pipeline_executions", listed)                  # 0 s: found
    _look(cp, "InProgress")                                              # 15 s: and the declaration
    names = {"cluster": cluster, "services": [service["serviceName"]]}
    cp.add_response("get_pipeline", _declaration(deploys=(cluster, service["serviceName"])),
                    {"name": PIPELINE})
    ecs.add_response("describe_services", real, names)                  # 30 s: the service
    group = service["loadBalancers"][0]["targetGroupArn"]
    stubs["elbv2"].add_response("describe_target_groups", {"TargetGroups": [{
        "TargetGroupArn": group, "HealthCheckIntervalSeconds": 30, "HealthyThresholdCount": 5}]},
        {"TargetGroupArns": [group]})
    _look(cp, "InProgress")                                              # 45 s: the status
    ecs.add_response("describe_services", real, names)                  # 60 s: the service again
    clock = SimulatedClock()

    # when: a deadline four looks on
    with pytest.raises(WaitTimeout) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep,
                          policy=PIPELINE_POLICY.replace(deadline=60))

    # then: no success within 120 s, yet the wait looks at every instant polling would, for the
    # failure
    assert clock.sleeps == [15, 15, 15, 15] and raised.value.outcome.attempts == 5
    assert "its tasks failing" in str(raised.value)


def test_with_events_the_last_stages_end_brings_a_look_within_seconds_though_the_executions_event_is_lost(
        target, stubs):
    # given: a pipeline ending in an S3 deploy; its Deploy action's end heard at 100 s, the
    # execution Succeeded at 103 s, its own event lost
    cp = stubs["codepipeline"]
    clock = SimulatedClock()
    deployed = _event("codepipeline-action-succeeded", 99, stage="Deploy", action="Deploy", state="SUCCEEDED")
    inbox, sqs = _queue(target, clock, None, (100, deployed), None)
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))   # 0 s: found
    _look(cp, "InProgress")                                          # 15 s: and the declaration
    cp.add_response("get_pipeline", _declaration(stages=(*LAB_STAGES[:2], S3_DEPLOY)))
    _look(cp, "InProgress")                                          # 100 s: woken by the Deploy's end
    _look(cp, "Succeeded")                                           # 104 s
    cp.add_response("list_action_executions", _action_executions())

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, policy=WITHOUT_JITTER,
                            clock=clock, sleep=clock.sleep, events=inbox)

    # then: the look after the woken one comes 4 s later, not at the safety look a minute on (`safety`, 60 s)
    assert run.outcome.state == "success" and clock.now == 104
    sqs.assert_no_pending_responses()
