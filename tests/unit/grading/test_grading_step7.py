"""Step 7 grading checks on botocore Stubber timelines: one look each, judged by the waits' acceptors."""

import json
from datetime import UTC, datetime

import pytest
import responses
from botocore.stub import Stubber

from pipeline_harness.context import Context
from pipeline_harness.grading import step7
from pipeline_harness.settings import Settings
from pipeline_harness.steps.base import run_check
from pipeline_harness.targets.base import Capabilities, Quirks
from pipeline_harness.waits.ecr_tags import ACCEPTED_MEDIA_TYPES, OCI_INDEX

ACCOUNT, PIPELINE, EXECUTION = "123456789012", "dev-php-app-pipeline", "11111111-2222-3333-4444-5555"
URI = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app"
NEW_IMAGE, OLD_IMAGE = f"{URI}:3f2c9a1", f"{URI}:1a2b3c4"
DIGEST = "sha256:" + "a" * 64
TD = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/dev-php-app-task"
BUILD_ID = "dev-php-app-build:0a1b2c3d-0000-1111-2222-333333333333"
AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
CHECK = {c.id: c for c in step7.CHECKS}


@pytest.fixture
def ctx(stubbed_target):
    return Context(Settings(), stubbed_target(_account=ACCOUNT))


@pytest.fixture
def stubs(ctx):
    made = {s: Stubber(ctx.client(s)) for s in ("codepipeline", "codebuild", "logs", "ecr", "ecs")}
    for stub in made.values():
        stub.activate()
    yield made
    for stub in made.values():
        stub.assert_no_pending_responses()


def _latest(stubs, status):
    cp = stubs["codepipeline"]
    cp.add_response("list_pipeline_executions", {"pipelineExecutionSummaries": [
        {"pipelineExecutionId": EXECUTION, "status": status}]},
        {"pipelineName": PIPELINE, "maxResults": 1})
    cp.add_response("get_pipeline_execution", {"pipelineExecution": {
        "pipelineName": PIPELINE, "pipelineExecutionId": EXECUTION, "status": status}},
        {"pipelineName": PIPELINE, "pipelineExecutionId": EXECUTION})


def _failed_build_details(stubs):
    def action(name, provider):
        return {"name": name, "actionTypeId": {"category": name, "owner": "AWS",
                                               "provider": provider, "version": "1"}}
    cp = stubs["codepipeline"]
    cp.add_response("get_pipeline", {"pipeline": {
        "name": PIPELINE, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/dev-codepipeline-service-role",
        "artifactStore": {"type": "S3", "location": f"dev-pipeline-artifacts-{ACCOUNT}"},
        "stages": [{"name": n, "actions": [action(n, p)]} for n, p in (
            ("Source", "CodeStarSourceConnection"), ("Build", "CodeBuild"), ("Deploy", "ECS"))]}},
        {"name": PIPELINE})
    cp.add_response("get_pipeline_state", {"pipelineName": PIPELINE, "stageStates": [
        {"stageName": "Source", "latestExecution": {"pipelineExecutionId": EXECUTION,
                                                    "status": "Succeeded"}},
        {"stageName": "Build", "latestExecution": {"pipelineExecutionId": EXECUTION, "status": "Failed"},
         "actionStates": [{"actionName": "Build", "latestExecution": {
             "status": "Failed", "externalExecutionId": BUILD_ID,
             "errorDetails": {"code": "JobFailed", "message": "Build terminated with state: FAILED"}}}]},
    ]}, {"name": PIPELINE})
    stubs["codebuild"].add_response("batch_get_builds", {"builds": [{
        "id": BUILD_ID, "phases": [{"phaseType": "BUILD", "phaseStatus": "FAILED", "contexts": [
            {"statusCode": "COMMAND_EXECUTION_ERROR",
             "message": "Error while executing command: docker buildx build. Reason: exit status 1"}]}],
        "logs": {"groupName": "/aws/codebuild/dev-php-app-build", "streamName": "0a1b"}}]},
        {"ids": [BUILD_ID]})
    stubs["logs"].add_response("get_log_events", {"events": [
        {"timestamp": 1, "message": "ERROR: Cannot connect to the Docker daemon at "
                                    "unix:///var/run/docker.sock\n", "ingestionTime": 2}]},
        {"logGroupName": "/aws/codebuild/dev-php-app-build", "logStreamName": "0a1b",
         "limit": 10, "startFromHead": False})


def _grade(check_id, ctx):
    return step7.diagnose(run_check(CHECK[check_id], ctx), ctx)


def test_a_succeeded_latest_execution_passes(ctx, stubs):
    _latest(stubs, "Succeeded")

    result = _grade("pipeline.latest-execution", ctx)

    assert result.status == "pass" and result.step == 7
    assert result.message == f"found execution {EXECUTION} Succeeded — every stage Succeeded"


def test_a_failed_build_fails_with_the_diagnosis_as_hint(ctx, stubs):
    # given: the Build stage failed because Docker could not run (privileged mode off)
    _latest(stubs, "Failed")
    _failed_build_details(stubs)

    # when
    result = _grade("pipeline.latest-execution", ctx)

    # then
    assert result.status == "fail"
    assert result.message.startswith(f"expected the latest execution: every stage Succeeded, "
                                     f"found execution {EXECUTION} Failed")
    assert "stage Build, action Build failed: JobFailed" in result.hint
    assert ('tutorial Common Issues "Build stage fails with Docker permission denied": '
            "Verify CodeBuild project has Privileged mode enabled") in result.hint


def test_an_execution_in_progress_is_a_fail_of_the_snapshot_with_the_waits_hint(ctx, stubs):
    _latest(stubs, "InProgress")

    result = _grade("pipeline.latest-execution", ctx)

    assert result.status == "fail" and "InProgress — still running" in result.message
    assert result.hint.startswith("Build stage takes 3-5 minutes")


def test_a_pipeline_never_run_fails_as_nothing_found(ctx, stubs):
    stubs["codepipeline"].add_response("list_pipeline_executions", {"pipelineExecutionSummaries": []},
                                       {"pipelineName": PIPELINE, "maxResults": 1})

    result = _grade("pipeline.latest-execution", ctx)

    assert result.status == "fail" and result.message.endswith("found nothing")


def test_a_target_without_the_executions_api_skips_with_its_reason(stubbed_target):
    target = stubbed_target(_account=ACCOUNT)
    target.capabilities = Capabilities(missing={"codepipeline": {
        "ListPipelineExecutions": "emulator lacks ListPipelineExecutions"}})

    result = _grade("pipeline.latest-execution", Context(Settings(), target))

    assert (result.status, result.message) == ("skip", "skipped: emulator lacks ListPipelineExecutions")


def _index(*archs):
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{i}" + "0" * 63,
         "size": 1, "platform": {"os": "linux", "architecture": a}} for i, a in enumerate(archs, 1)]})


def _pushed(stubs, tags, archs=("amd64", "arm64")):
    ecr = stubs["ecr"]
    ecr.add_response("describe_images", {"imageDetails": [
        {"registryId": ACCOUNT, "repositoryName": "my-ecs-php-app", "imageDigest": DIGEST,
         "imageTags": list(tags)}]},
        {"repositoryName": "my-ecs-php-app", "imageIds": [{"imageTag": "latest"}]})
    wanted = [t for t in ("3f2c9a1", "latest", "42") if t in tags]
    ecr.add_response("batch_get_image", {"images": [
        {"imageId": {"imageDigest": DIGEST, "imageTag": t}, "imageManifest": _index(*archs),
         "imageManifestMediaType": OCI_INDEX} for t in wanted], "failures": []},
        {"repositoryName": "my-ecs-php-app", "imageIds": [{"imageTag": t} for t in wanted],
         "acceptedMediaTypes": ACCEPTED_MEDIA_TYPES})


def test_one_multi_arch_image_with_commit_latest_and_build_tags_passes(ctx, stubs):
    _pushed(stubs, ("latest", "42", "3f2c9a1"))

    assert _grade("ecr.pushed-image", ctx).status == "pass"


def test_an_amd64_only_image_fails_on_the_missing_platform(ctx, stubs):
    _pushed(stubs, ("latest", "42", "3f2c9a1"), archs=("amd64",))

    result = _grade("ecr.pushed-image", ctx)

    assert result.status == "fail" and "the image lacks a required platform" in result.message


def test_an_image_without_a_build_number_tag_fails_saying_so(ctx, stubs):
    _pushed(stubs, ("latest", "3f2c9a1"))

    result = _grade("ecr.pushed-image", ctx)

    assert result.status == "fail" and result.message.endswith("; no build-number tag")


def _service(stubs, *deployments, events=()):
    stubs["ecs"].add_response("describe_services", {"services": [{
        "serviceName": "dev-php-app-alb-service", "status": "ACTIVE",
        "deployments": [{"id": f"ecs-svc/{td[-1]}", "status": status, "taskDefinition": td,
                         "rolloutState": state, "runningCount": running, "desiredCount": 1}
                        for status, td, state, running in deployments],
        "events": [{"id": str(i), "createdAt": AT, "message": m} for i, m in enumerate(events)]}],
        "failures": []}, {"cluster": "dev-cluster", "services": ["dev-php-app-alb-service"]})


def _task_definition(stubs, arn, image):
    stubs["ecs"].add_response("describe_task_definition", {"taskDefinition": {
        "taskDefinitionArn": arn,
        "containerDefinitions": [{"name": "php-app-container", "image": image}]}},
        {"taskDefinition": arn})


def _running(stubs, image, digest=DIGEST):
    arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/dev-cluster/1"
    stubs["ecs"].add_response("list_tasks", {"taskArns": [arn]}, {
        "cluster": "dev-cluster", "serviceName": "dev-php-app-alb-service", "desiredStatus": "RUNNING"})
    stubs["ecs"].add_response("describe_tasks", {"tasks": [{"taskArn": arn, "lastStatus": "RUNNING",
        "containers": [{"name": "php-app-container", "image": image, "imageDigest": digest}]}]},
        {"cluster": "dev-cluster", "tasks": [arn]})


def test_a_completed_rollout_with_every_task_on_the_pipelines_image_passes(ctx, stubs):
    _pushed(stubs, ("latest", "42", "3f2c9a1"))
    _service(stubs, ("PRIMARY", f"{TD}:8", "COMPLETED", 1))
    _task_definition(stubs, f"{TD}:8", NEW_IMAGE)
    _running(stubs, NEW_IMAGE)

    assert _grade("ecs.rollout", ctx).status == "pass"


def test_a_rolled_back_service_fails_with_the_events_in_the_hint(ctx, stubs):
    # given: the circuit breaker failed the new deployment and went back to the old one
    _pushed(stubs, ("latest", "42", "3f2c9a1"))
    events = ("(service dev-php-app-alb-service) rolling back to deployment ecs-svc/7.",)
    _service(stubs, ("PRIMARY", f"{TD}:7", "IN_PROGRESS", 1), ("ACTIVE", f"{TD}:8", "FAILED", 0),
             events=events)
    _task_definition(stubs, f"{TD}:7", OLD_IMAGE)
    _task_definition(stubs, f"{TD}:8", NEW_IMAGE)

    # when
    result = _grade("ecs.rollout", ctx)

    # then
    assert result.status == "fail"
    assert "the deployment circuit breaker rolled back the new image" in result.message
    assert result.hint.startswith("the deployment circuit breaker rolled back the new image; "
                                  f"service events: {events[0]}")


def test_a_rollout_still_in_progress_fails_with_the_old_image_hint(ctx, stubs):
    _pushed(stubs, ("latest", "42", "3f2c9a1"))
    _service(stubs, ("PRIMARY", f"{TD}:8", "IN_PROGRESS", 0), ("ACTIVE", f"{TD}:7", "COMPLETED", 1))
    _task_definition(stubs, f"{TD}:8", NEW_IMAGE)

    result = _grade("ecs.rollout", ctx)

    assert result.status == "fail" and result.message.endswith("— not finished")
    assert 'Common Issues "Deployment succeeds but old image still running"' in result.hint


def test_a_target_that_runs_no_workloads_skips_rollout_and_http_with_its_reason(stubbed_target):
    target = stubbed_target(_account=ACCOUNT)
    target.quirks = Quirks(runs_no_workloads="this emulator starts no tasks")
    ctx = Context(Settings(), target)

    results = [_grade(c, ctx) for c in ("ecs.rollout", "app.http")]

    assert [(r.status, r.message) for r in results] == [
        ("skip", "skipped: stubbed: this emulator starts no tasks")] * 2


def _load_balancer(ctx, dns="dev-php-app-alb-1.us-east-1.elb.amazonaws.com"):
    stub = Stubber(ctx.client("elbv2"))
    stub.add_response("describe_load_balancers", {"LoadBalancers": [
        {"LoadBalancerName": "dev-php-app-alb", "DNSName": dns, "Scheme": "internet-facing"}]},
        {"Names": ["dev-php-app-alb"]})
    stub.activate()
    return stub


def test_the_app_answering_200_to_one_get_passes(ctx):
    _load_balancer(ctx)
    with responses.RequestsMock() as mock:
        mock.get("http://dev-php-app-alb-1.us-east-1.elb.amazonaws.com/", body="v3f2c9a1")

        result = _grade("app.http", ctx)

    assert result.status == "pass" and "HTTP 200" in result.message


def test_the_app_answering_503_fails_with_the_http_hint(ctx):
    _load_balancer(ctx)
    with responses.RequestsMock() as mock:
        mock.get("http://dev-php-app-alb-1.us-east-1.elb.amazonaws.com/", status=503, body="no targets")

        result = _grade("app.http", ctx)

    assert result.status == "fail" and "HTTP 503" in result.message
    assert result.hint.startswith("new tasks take 2-3 minutes to become healthy")
