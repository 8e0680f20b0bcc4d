"""The grader is read-only by construction: a mutating call is refused before it leaves the process."""

import socket

import pytest
from botocore.stub import Stubber

from pipeline_harness.grading.guard import MutationRefused, is_read, read_only
from pipeline_harness.targets import sessions


def _closed_port() -> str:
    """An endpoint nothing listens on: a request that were sent would fail to connect."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _sent(client) -> list[str]:
    """Every request that reaches `before-send`, the last step before the wire."""
    seen = []
    client.meta.events.register("before-send", lambda request, **_: seen.append(request.url))
    return seen


@pytest.mark.parametrize("operation", ["DescribeRepositories", "GetRole", "ListBuckets",
                                       "BatchGetProjects", "HeadBucket", "BatchGetImage",
                                       # Step 7's chain of evidence
                                       "ListActionExecutions", "BatchGetBuilds", "GetDownloadUrlForLayer",
                                       "DescribeRules", "DescribeTargetHealth", "DescribeTasks"])
def test_reads_are_named_describe_get_list_batchget_or_head(operation):
    assert is_read(operation)


def test_the_policy_simulator_is_a_read_by_name_and_its_neighbours_are_not():
    assert is_read("SimulatePrincipalPolicy")
    assert not is_read("SimulateCustomPolicyX") and not is_read("PutRolePolicy")


@pytest.mark.parametrize("operation", ["CreateBucket", "PutImage", "DeleteRepository",
                                       "UpdateService", "StartPipelineExecution", "TagResource",
                                       "BatchDeleteImage", "AttachRolePolicy"])
def test_anything_else_is_not_a_read(operation):
    assert not is_read(operation)


def test_create_bucket_is_refused_before_anything_is_sent(stubbed_target):
    # given a read-only target on an endpoint nothing listens on
    s3 = read_only(stubbed_target(endpoint_url=_closed_port())).client("s3")
    sent = _sent(s3)

    # when / then: the guard answers, not a connection error
    with pytest.raises(MutationRefused, match=r"grading is read-only: refused s3\.CreateBucket "
                                              "before sending it"):
        s3.create_bucket(Bucket="dev-pipeline-artifacts-123456789012")
    assert sent == []


def test_put_image_is_refused_before_a_stubber_with_no_responses_is_asked(stubbed_target):
    # given: a Stubber with nothing queued raises UnStubbedResponseError if the call reaches it
    ecr = read_only(stubbed_target()).client("ecr")
    sent = _sent(ecr)

    with Stubber(ecr) as stub:
        with pytest.raises(MutationRefused, match=r"refused ecr\.PutImage"):
            ecr.put_image(repositoryName="my-ecs-php-app", imageManifest="{}", imageTag="latest")
        stub.assert_no_pending_responses()
    assert sent == []


def test_a_read_goes_through_the_guard(stubbed_target):
    ecr = read_only(stubbed_target()).client("ecr")
    with Stubber(ecr) as stub:
        stub.add_response("describe_repositories", {"repositories": []},
                          {"repositoryNames": ["my-ecs-php-app"]})

        found = ecr.describe_repositories(repositoryNames=["my-ecs-php-app"])

    assert found["repositories"] == []


def test_the_original_target_is_left_unguarded(stubbed_target):
    # given
    original = stubbed_target()
    read_only(original)

    # when
    with Stubber(original.client("s3")) as stub:
        stub.add_response("create_bucket", {}, {"Bucket": "dev-pipeline-artifacts-123456789012"})
        original.client("s3").create_bucket(Bucket="dev-pipeline-artifacts-123456789012")

    # then: the provisioning code's target still creates
    stub.assert_no_pending_responses()


def test_other_credentials_stay_read_only(stubbed_target):
    # given a read-only target switched to a student's credentials
    student = sessions.session("us-east-1", aws_access_key_id="student", aws_secret_access_key="student")
    switched = read_only(stubbed_target(endpoint_url=_closed_port())).with_session(student)

    with pytest.raises(MutationRefused, match=r"refused iam\.DeleteRole"):
        switched.client("iam").delete_role(RoleName="dev-codebuild-service-role")


def test_read_only_keeps_the_account_already_read(stubbed_target):
    original = stubbed_target()
    original._account = "123456789012"

    guarded = read_only(original)

    assert guarded.account == "123456789012" and not guarded.calls
