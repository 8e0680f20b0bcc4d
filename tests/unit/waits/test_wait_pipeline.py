"""The pipeline wait on botocore Stubber timelines (every request and response checked against
the real CodePipeline, CodeBuild, CloudWatch Logs, ECS, ELB and SQS models) and a simulated clock."""

import email.utils
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import captured
import pytest
from botocore.stub import ANY, Stubber

from pipeline_harness.errors import ConfigError, HarnessError
from pipeline_harness.targets.base import Capabilities
from pipeline_harness.waits.events import Inbox
from pipeline_harness.waits.model import WaitFailed, WaitTimeout
from pipeline_harness.waits.pipeline import LOG_LINE_CHARS, LOG_TAIL_CHARS, Execution, wait_for_pipeline
from pipeline_harness.waits.policies import PIPELINE as PIPELINE_POLICY
from pipeline_harness.waits.policies import SimulatedClock

PIPELINE = "dev-php-app-pipeline"
COMMIT = "3f2c9a1"
FULL_SHA = "3f2c9a1d0b7e4c21a9f0e8d7c6b5a4f3e2d1c0b9"
EXECUTION = "11111111-2222-3333-4444-555555555555"
BUILD_ID = "dev-php-app-build:0a1b2c3d-0000-1111-2222-333333333333"
T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


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


def _declaration(pipeline_type="V2", deploys=None):
    """The tutorial's pipeline; `deploys` (cluster, service) configures its ECS Deploy action."""
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
    # given: no execution yet, then one for the commit that runs; a pipeline without an ECS
    # service to follow, so its state says which stage runs
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed("0000000aaaa"), {"pipelineName": PIPELINE})
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA, "0000000aaaa"), {"pipelineName": PIPELINE})
    _look(cp, "InProgress")
    cp.add_response("get_pipeline", _declaration(), {"name": PIPELINE})
    _stages(cp, "Build")
    _stages(cp, "Deploy")
    _look(cp, "Succeeded")
    cp.add_response("list_action_executions", _action_executions(),
                    {"pipelineName": PIPELINE, "filter": {"pipelineExecutionId": EXECUTION}})
    clock = SimulatedClock()

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep)

    # then
    assert run.execution_id == EXECUTION and run.outcome.attempts == 5
    assert run.stage_durations == {"Source": 8.0, "Build": 245.0, "Deploy": 95.0}
    assert clock.now > 0


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
    # at the 15 s deadline, the look after the one that found it: its status, then which stage runs
    cp.add_response("get_pipeline_execution", _status("InProgress", "Build running"))
    cp.add_response("get_pipeline", _declaration())
    cp.add_response("get_pipeline_state", {"pipelineName": PIPELINE, "stageStates": []})
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
    clock = SimulatedClock()

    run = wait_for_pipeline(target, PIPELINE, COMMIT, start=True, clock=clock, sleep=clock.sleep)

    assert run.execution_id == EXECUTION and "codepipeline.ListPipelineExecutions" not in target.calls


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


def _stages(cp, running):
    cp.add_response("get_pipeline_state", _running(running), {"name": PIPELINE})


def test_a_stage_shown_running_is_reported_with_the_execution():
    assert str(Execution(EXECUTION, "InProgress", stage="Deploy", final_stage=True)) == (
        f"execution {EXECUTION} InProgress in stage Deploy")


def test_on_a_target_without_stage_state_the_wait_reads_only_the_execution_at_its_budgets_pace(
        stubbed_target):
    # given a target that lacks GetPipelineState (moto): the Stubber rejects any call to it
    target = stubbed_target(capabilities=Capabilities(missing={"codepipeline": {
        "GetPipelineState": "moto does not implement GetPipelineState",
        "ListActionExecutions": "moto does not implement ListActionExecutions"}}))
    with Stubber(target.client("codepipeline")) as cp:
        cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
        for _ in range(2):
            _look(cp, "InProgress")
        _look(cp, "Succeeded")
        clock = SimulatedClock()

        run = wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(jitter=0),
                                clock=clock, sleep=clock.sleep)

    # then: one read per 15 s, the listing's included
    assert clock.sleeps == [15, 15, 15] and run.stage_durations == {}


# --- following the Deploy stage's ECS service -------------------------------------------------------

CLUSTER, SERVICE = "dev-cluster", "dev-php-app-alb-service"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/dev-php-app-tg/73e2d6bc24d8a067"
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/dev-php-app"


def _service(ecs, now, *, new=None, running=0, registered=None, failed=0, rolled_back=None):
    """describe_services `now` seconds after T0: the old deployment, and the new one (created at
    `new` s) with `running` tasks (`failed` of its tasks failed), registered in the target group at
    `registered` s; or, from `rolled_back` s, the new one FAILED and the old one's again PRIMARY."""
    def deployment(number, status, created, running_count, state):
        return {"id": f"ecs-svc/{number}", "status": status, "taskDefinition": f"{TD}:{number}",
                "desiredCount": 2, "runningCount": running_count, "rolloutState": state,
                "createdAt": created, "failedTasks": failed if number == 8 else 0}
    deployments = [deployment(7, "PRIMARY" if new is None else "ACTIVE", T0 - timedelta(days=1), 2,
                              "COMPLETED")]
    if new is not None:
        deployments.insert(0, deployment(8, "PRIMARY", T0 + timedelta(seconds=new), running, "IN_PROGRESS"))
    if rolled_back is not None:
        deployments = [{**deployment(7, "PRIMARY", T0 + timedelta(seconds=rolled_back), 2, "IN_PROGRESS"),
                        "id": "ecs-svc/back"},
                       deployment(8, "ACTIVE", T0 + timedelta(seconds=new), 0, "FAILED")]
    events = [] if registered is None else [{
        "id": "e1", "createdAt": T0 + timedelta(seconds=registered),
        "message": f"(service {SERVICE}) registered 2 targets in (target-group {TG})"}]
    date = email.utils.format_datetime(T0 + timedelta(seconds=now), usegmt=True)
    ecs.add_response("describe_services", {
        "services": [{"serviceName": SERVICE, "status": "ACTIVE", "deployments": deployments,
                      "events": events, "loadBalancers": [{"targetGroupArn": TG, "containerPort": 80,
                                                           "containerName": "php-app-container"}]}],
        "failures": [], "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {"date": date}}},
        {"cluster": CLUSTER, "services": [SERVICE]})


def _health_checks(elbv2, interval, threshold):
    elbv2.add_response("describe_target_groups", {"TargetGroups": [
        {"TargetGroupArn": TG, "HealthCheckIntervalSeconds": interval, "HealthyThresholdCount": threshold}]},
        {"TargetGroupArns": [TG]})


def _deploying_to_the_default_target_group(stubs):
    """The first looks of a wait whose Deploy action deploys dev-php-app-alb-service, whose target
    group has the defaults (30 s × 5: no task healthy sooner than 120 s after it registers)."""
    cp, ecs = stubs["codepipeline"], stubs["ecs"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))  # 0 s: found
    _look(cp, "InProgress")                                    # 15 s: and the first look at ECS
    cp.add_response("get_pipeline", _declaration(deploys=(CLUSTER, SERVICE)), {"name": PIPELINE})
    _service(ecs, 15)
    _health_checks(stubs["elbv2"], 30, 5)
    return cp, ecs


def test_the_wait_follows_the_deploy_stages_service_and_sleeps_through_its_health_checks(target, stubs):
    # given: the default target group; the new deployment appears at 80 s, its tasks register at
    # 200 s, the execution succeeds at 328 s
    cp, ecs = _deploying_to_the_default_target_group(stubs)
    _service(ecs, 75)                                          # then ECS and the status in turn
    _look(cp, "InProgress")                                    # 135 s
    _service(ecs, 195, new=80)
    _look(cp, "InProgress")                                    # 255 s
    _service(ecs, 315, new=80, running=2, registered=200)      # the tasks registered 115 s ago
    for _ in range(2):                                         # 320, 324 s: only the status
        _look(cp, "InProgress")
    _look(cp, "Succeeded")                                     # 328 s
    cp.add_response("list_action_executions", _action_executions())
    clock = SimulatedClock()

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(jitter=0),
                            clock=clock, sleep=clock.sleep)

    # then: sleeps of at most 60 s while nothing can end within 120 s, up to 200 + 120 s, then
    # every 4 s; 14 calls where polling every 15 s would have made 23
    assert clock.sleeps == [15, 60, 60, 60, 60, 60, 5, 4, 4] and run.outcome.state == "success"
    assert run.outcome.attempts == 10 and clock.now == 328


def test_once_the_deployments_tasks_fail_the_wait_no_longer_sleeps_through_the_health_checks(target, stubs):
    # given: as above, but at 195 s the new deployment's tasks have failed to start once
    cp, ecs = _deploying_to_the_default_target_group(stubs)
    _service(ecs, 75)
    _look(cp, "InProgress")                                    # 135 s
    _service(ecs, 195, new=80, failed=1)                       # 195 s: a task failed
    _look(cp, "InProgress")                                    # 199 s
    _service(ecs, 203, new=80, failed=2)
    _look(cp, "InProgress")                                    # 207 s
    clock = SimulatedClock()

    # when
    with pytest.raises(WaitTimeout):
        wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(jitter=0, deadline=207),
                          clock=clock, sleep=clock.sleep)

    # then: a minute's sleeps while nothing could end; 4 s ones once the tasks fail
    assert clock.sleeps == [15, 60, 60, 60, 4, 4, 4]


def test_a_deployment_seen_rolled_back_leaves_the_wait_looking_densely_for_the_failure(target, stubs):
    # given: the default target group; at 195 s the new deployment has FAILED and the old task
    # definition is PRIMARY again (the circuit breaker rolls back): the Deploy action will fail
    cp, ecs = _deploying_to_the_default_target_group(stubs)
    _service(ecs, 75)
    _look(cp, "InProgress")                                    # 135 s
    _service(ecs, 195, new=80, failed=3, rolled_back=190, registered=192)
    for _ in range(3):                                         # 199, 203, 207 s: the status
        _look(cp, "InProgress")
    clock = SimulatedClock()

    # when
    with pytest.raises(WaitTimeout) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(jitter=0, deadline=207),
                          clock=clock, sleep=clock.sleep)

    # then: no more minute-long sleeps once the rollback shows; the last look says so
    assert clock.sleeps == [15, 60, 60, 60, 4, 4, 4]
    assert "its tasks failing" in str(raised.value)


def test_health_checks_too_short_to_sleep_through_leave_the_wait_reading_only_the_status(target, stubs):
    # given a target group that can call a task healthy 5 s after it registers (5 s × 2)
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", _listed(FULL_SHA))
    _look(cp, "InProgress")
    cp.add_response("get_pipeline", _declaration(deploys=(CLUSTER, SERVICE)))
    _service(stubs["ecs"], 30)
    _health_checks(stubs["elbv2"], 5, 2)
    _look(cp, "InProgress")
    _look(cp, "Succeeded")
    cp.add_response("list_action_executions", _action_executions())
    clock = SimulatedClock()

    # when
    run = wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(jitter=0),
                            clock=clock, sleep=clock.sleep)

    # then: no second look at ECS (the Stubber holds none): one status read per look
    assert run.outcome.attempts == 4 and clock.sleeps[-1] == 15


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
    run = wait_for_pipeline(target, PIPELINE, COMMIT, policy=PIPELINE_POLICY.replace(jitter=0),
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
    _look(cp, "InProgress")                                              # 4 s: and the service
    names = {"cluster": cluster, "services": [service["serviceName"]]}
    cp.add_response("get_pipeline", _declaration(deploys=(cluster, service["serviceName"])),
                    {"name": PIPELINE})
    ecs.add_response("describe_services", real, names)
    group = service["loadBalancers"][0]["targetGroupArn"]
    stubs["elbv2"].add_response("describe_target_groups", {"TargetGroups": [{
        "TargetGroupArn": group, "HealthCheckIntervalSeconds": 30, "HealthyThresholdCount": 5}]},
        {"TargetGroupArns": [group]})
    ecs.add_response("describe_services", real, names)                  # 8 s: the service again
    _look(cp, "InProgress")                                              # 12 s: and the status
    clock = SimulatedClock()

    # when: a budget that does not bind, and a deadline three looks on
    with pytest.raises(WaitTimeout) as raised:
        wait_for_pipeline(target, PIPELINE, COMMIT, clock=clock, sleep=clock.sleep,
                          policy=PIPELINE_POLICY.replace(jitter=0, every=1, deadline=12))

    # then: no success within 120 s, yet the wait looks again in 4 s, for the failure
    assert clock.sleeps == [4, 4, 4] and clock.now == 12 and raised.value.outcome.attempts == 4
