"""The lab built in another region: a read of the graded region's anchors that fails keeps the grade
(moto serves the account, a botocore Stubber refuses one read as IAM refuses a grader role that
lacks it); the look into the other regions is bounded in time and in regions (DescribeRegions
answered by a Stubber, each region's probe played by the test)."""

import threading

import pytest
from botocore.stub import Stubber

from pipeline_harness.grading import region
from pipeline_harness.grading.grade import grade
from pipeline_harness.grading.guard import read_only
from pipeline_harness.settings import Settings
from pipeline_harness.targets import moto as moto_target
from pipeline_harness.targets import sessions
from pipeline_harness.targets.context import Context
from tests.played import Played

ACCOUNT = "123456789012"
# the other regions of the account, as EC2 DescribeRegions lists them (all with CodePipeline)
ENABLED = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1",
           "ap-south-1", "ap-northeast-1", "ap-southeast-2", "sa-east-1", "ca-central-1")


def _student(endpoint_url: str, account: str):
    """The server as seen from the student's own account (moto's: one per assumed role's account),
    so no other test's resources are in it."""
    base = moto_target.external("us-east-1", endpoint_url)
    creds = base.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/student",
                                           RoleSessionName="student")["Credentials"]
    return base.with_session(sessions.session(
        "us-east-1", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"]))


def _denied(target, account: str, service: str, method: str) -> list[str]:
    """`method` refused as IAM refuses a grader role that lacks it (once: a grade asks once); the
    client's other calls go to the server. Returns the list each asking of it is added to."""
    client = target.client(service)
    operation = client.meta.method_to_api_mapping[method]
    played = Played(client, frozenset({operation}))
    played.add_client_error(
        method, "AccessDeniedException",
        f"User: arn:aws:sts::{account}:assumed-role/lab-grader/grade is not authorized to perform: "
        f"{client.meta.service_model.signing_name}:{operation} because no identity-based policy "
        "allows the action")
    played.activate()
    asked: list[str] = []
    client.meta.events.register(f"provide-client-params.{service}.{operation}",
                                lambda model, **_: asked.append(model.name))
    return asked


@pytest.mark.parametrize("account, service, method, denied_check, other, verdict", [
    # the first anchor read; the ECR repository is there
    ("210000000001", "codepipeline", "get_pipeline", "pipeline.exists", "ecr.repository", "pass"),
    # the last anchor read, the two before it finding nothing
    ("210000000002", "codebuild", "batch_get_projects", "codebuild.project", "ecr.repository", "fail"),
    ("210000000003", "ecr", "describe_repositories", "ecr.repository", "codebuild.project", "fail"),
], ids=["pipeline", "codebuild-project", "ecr-repository"])
def test_a_denied_read_of_an_anchor_keeps_the_grade_with_the_other_checks_verdicts(
        moto_server, account, service, method, denied_check, other, verdict):
    # given: a student's account whose grader role may not read one of the lab's anchors
    student = _student(moto_server, account)
    if verdict == "pass":
        student.client("ecr").create_repository(repositoryName=Settings().ecr_repository)
    target = read_only(student)
    asked = _denied(target, account, service, method)

    # when
    report = grade(Settings(), target)

    # then: the denied read, asked once, is its checks' error; the other checks keep their verdict;
    # the grader looked in no other region (the lab is not known absent) and says nothing about one
    assert len(asked) == 1
    checks = {c.id: c for c in report.checks}
    assert checks[denied_check].status == "error"
    assert "AccessDeniedException" in checks[denied_check].message
    assert checks[other].status == verdict
    assert {c.status for c in report.checks} >= {"error", "fail"}
    assert report.diagnosis == ""
    assert not any(call.startswith("ec2.") for call in target.calls)


@pytest.fixture
def ctx(stubbed_target):
    return Context(Settings(), stubbed_target(_account=ACCOUNT))


def _enabled(ctx, regions=ENABLED) -> Stubber:
    stub = Stubber(ctx.client("ec2"))
    stub.add_response("describe_regions", {"Regions": [
        {"RegionName": name, "Endpoint": f"ec2.{name}.amazonaws.com", "OptInStatus": "opt-in-not-required"}
        for name in regions]}, {})
    stub.activate()
    return stub


def test_a_probe_that_hangs_past_the_deadline_is_cut_at_it_and_the_others_are_said(
        ctx, monkeypatch, held_open):
    # given: eu-west-1's probe never answers until released; eu-west-2 holds the pipeline
    monkeypatch.setattr(region, "PROBE_DEADLINE", 0.5)
    hanging = threading.Event()

    def holds(ctx, name):
        if name == "eu-west-1":
            hanging.set()
            held_open.wait(timeout=30)
            return "pipeline dev-php-app-pipeline"
        return "pipeline dev-php-app-pipeline" if name == "eu-west-2" else None
    monkeypatch.setattr(region, "_holds", holds)
    stub = _enabled(ctx)

    # when
    found = region.found_elsewhere(ctx)

    # then: the look ended while the hanging probe still hung; what answered in time is said
    assert hanging.is_set() and not held_open.is_set()
    assert found == {"eu-west-2": "pipeline dev-php-app-pipeline"}
    stub.assert_no_pending_responses()


def test_more_enabled_regions_than_the_cap_are_looked_in_up_to_the_cap(ctx, monkeypatch):
    # given: a cap of 3 regions, and more enabled regions than that
    monkeypatch.setattr(region, "MAX_REGIONS", 3)
    probed: list[str] = []
    lock = threading.Lock()

    def holds(ctx, name):
        with lock:
            probed.append(name)
        return None
    monkeypatch.setattr(region, "_holds", holds)
    _enabled(ctx)

    # when
    found = region.found_elsewhere(ctx)

    # then: the first three other regions DescribeRegions lists, no more
    assert found == {}
    assert sorted(probed) == sorted(ENABLED[1:4])


def _nothing_here(ctx) -> list[Stubber]:
    """The graded region holds none of the lab's anchors, as each service answers for a name it
    does not have."""
    names = ctx.names
    stubs = {s: Stubber(ctx.client(s)) for s in ("codepipeline", "ecr", "codebuild")}
    stubs["codepipeline"].add_client_error(
        "get_pipeline", "PipelineNotFoundException", f"Account '{ACCOUNT}' does not have a pipeline with "
        f"name '{names.pipeline}'", expected_params={"name": names.pipeline})
    stubs["ecr"].add_client_error(
        "describe_repositories", "RepositoryNotFoundException", f"The repository with name "
        f"'{names.ecr_repository}' does not exist in the registry with id '{ACCOUNT}'",
        expected_params={"repositoryNames": [names.ecr_repository]})
    stubs["codebuild"].add_response("batch_get_projects", {"projects": [], "projectsNotFound": [
        names.codebuild_project]}, {"names": [names.codebuild_project]})
    for stub in stubs.values():
        stub.activate()
    return list(stubs.values())


def test_regions_that_cannot_be_listed_are_a_note_not_a_lab_found_elsewhere(ctx):
    # given: nothing of the lab where it is graded, and a grader role that may not list the regions
    stubs = _nothing_here(ctx)
    ec2 = Stubber(ctx.client("ec2"))
    ec2.add_client_error("describe_regions", "UnauthorizedOperation",
                         "You are not authorized to perform this operation.", expected_params={})
    ec2.activate()

    # when
    found = region.diagnosis(ctx)

    # then: said once, first, naming what the grader could not do; not "your lab is elsewhere"
    assert not found.elsewhere
    assert found.said.startswith("The grader could not look for your lab in the account's other regions: "
                                 "nothing of it is in us-east-1 (no pipeline dev-php-app-pipeline")
    assert "EC2 DescribeRegions: An error occurred (UnauthorizedOperation)" in found.said
    for stub in [*stubs, ec2]:
        stub.assert_no_pending_responses()
