"""Where a target's quirks need the allow-list (real AWS), its clients refuse every call that would
change an account not in the allow-list, before it is sent — whichever path makes the call — and let
reads and sts:AssumeRole through, which is all the grader does."""

import pytest
from botocore.stub import Stubber

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.grading.guard import MutationRefused, read_only
from pipeline_harness.settings import Settings
from pipeline_harness.targets import aws, make_target, moto
from pipeline_harness.targets.operations import changes_nothing

ACCOUNT, ALLOWED = "999999999999", "111111111111"
REFUSED = (f"account {ACCOUNT} is not in the allow-list; nothing was created (refused "
           "ecr.CreateRepository before sending it). Set PIPELINE_HARNESS_ALLOWED_ACCOUNTS")
REPOSITORY = {"repositoryArn": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/my-repo",
              "registryId": ACCOUNT, "repositoryName": "my-repo",
              "repositoryUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/my-repo"}


@pytest.fixture
def on_aws(stubbed_target):
    """A target with real AWS's quirks whose credentials are account ACCOUNT, and a Stubber per
    client it is asked for (a call that reached a Stubber without an answer would fail otherwise)."""
    def make(allowed=frozenset({ALLOWED})):
        target = stubbed_target(name="aws", quirks=aws.QUIRKS, allowed_accounts=allowed)
        target._account = ACCOUNT
        return target
    return make


@pytest.mark.parametrize("operation", ["CreateRepository", "PutImage", "DeleteBucket",
                                       "StartPipelineExecution", "UpdateService", "TagResource",
                                       "ReceiveMessage", "AssumeRoleWithWebIdentity"])
def test_what_is_not_a_read_or_taking_a_role_changes_something(operation):
    assert not changes_nothing(operation)


@pytest.mark.parametrize("operation", ["DescribeRepositories", "GetCallerIdentity", "ListBuckets",
                                       "HeadObject", "SimulatePrincipalPolicy", "AssumeRole"])
def test_reads_the_policy_simulator_and_taking_a_role_change_nothing(operation):
    assert changes_nothing(operation)


def test_a_create_in_an_account_outside_the_allow_list_is_refused_before_it_is_sent(on_aws):
    target = on_aws()
    client = target.client("ecr")

    # a Stubber with no answer queued: a call that reached it would raise UnStubbedResponseError
    with Stubber(client), pytest.raises(ConfigError) as refused:
        client.create_repository(repositoryName="my-repo")

    assert str(refused.value).startswith(REFUSED) and refused.value.exit_code == 2


def test_a_create_in_an_allowed_account_is_sent(on_aws):
    target = on_aws(frozenset({ALLOWED, ACCOUNT}))
    client = target.client("ecr")

    with Stubber(client) as stub:
        stub.add_response("create_repository", {"repository": REPOSITORY}, {"repositoryName": "my-repo"})
        assert client.create_repository(repositoryName="my-repo")["repository"]["repositoryName"] == "my-repo"


def test_reads_and_assuming_a_role_need_no_allow_list(on_aws):
    target = on_aws(frozenset())
    ecr, sts = target.client("ecr"), target.client("sts")

    with Stubber(ecr) as ecr_stub, Stubber(sts) as sts_stub:
        ecr_stub.add_response("describe_repositories", {"repositories": [REPOSITORY]})
        sts_stub.add_response("assume_role", {"Credentials": {
            "AccessKeyId": "ASIAIOSFODNN7EXAMPLE", "SecretAccessKey": "x", "SessionToken": "y",
            "Expiration": "2026-11-26T03:00:00Z"}})
        found = ecr.describe_repositories()["repositories"]
        assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/lab-grader",
                                  RoleSessionName="grader")["Credentials"]

    assert found == [REPOSITORY] and assumed["SessionToken"] == "y"


def test_the_graders_read_only_target_and_a_students_session_keep_the_guard(on_aws):
    # given the grader's view of a student's account, which no allow-list names
    base = on_aws()
    student = read_only(base.with_session(base.session))
    student._account = ACCOUNT
    client = student.client("ecr")

    # when the student's reads pass, a create is still refused by one of the two guards
    with Stubber(client) as stub:
        stub.add_response("describe_repositories", {"repositories": []})
        client.describe_repositories()
        with pytest.raises((MutationRefused, ConfigError), match=r"refused ecr\.CreateRepository before"):
            client.create_repository(repositoryName="my-repo")


def test_an_emulator_target_needs_no_allow_list(stubbed_target):
    target = stubbed_target(name="moto", quirks=moto.QUIRKS)
    target._account = ACCOUNT
    client = target.client("ecr")

    with Stubber(client) as stub:
        stub.add_response("create_repository", {"repository": REPOSITORY}, {"repositoryName": "my-repo"})
        client.create_repository(repositoryName="my-repo")
    target.require_allowed_account()


def test_the_aws_target_takes_its_allow_list_from_the_settings():
    target = make_target(Settings(target="aws", allowed_accounts=f"{ALLOWED}, {ACCOUNT}"))

    assert target.allowed_accounts == {ALLOWED, ACCOUNT}
    assert make_target(Settings(target="aws")).allowed_accounts == frozenset()
