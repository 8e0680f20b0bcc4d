"""grader-policy.json lets the grader make every call it makes, and grants nothing but reads: objects
only in the tutorial's artifact buckets, the source the student's pipeline built from."""

import dataclasses
import fnmatch
import re
from collections import Counter

import aws_cli_lab
import boto3
import pytest
import student_lab
from student_lab import fresh_account

from pipeline_harness import iam as iam_policies
from pipeline_harness.grading.grade import grade
from pipeline_harness.iam import iam_action
from pipeline_harness.settings import Settings
from pipeline_harness.targets import sessions

# one worker runs this module, so its module-scoped graded lab is made once, not once per worker
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("grader-policy")]

POLICY = iam_policies.document("grader-policy.json")
# IAM actions named otherwise than "<service>:<Operation>"
# reads the grader makes only where the target serves them: Step 2 (moto has no connections API),
# a failed execution's diagnosis (stage state, the build, its log tail), and Step 7's chain of
# evidence past the execution's listing (moto lists no action executions, keeps no image configs,
# runs no tasks and serves no traffic)
BEYOND_THE_EMULATOR = (
    "codestar-connections.ListConnections", "codestar-connections.GetConnection",
    "codepipeline.GetPipelineState", "codebuild.BatchGetBuilds", "logs.GetLogEvents",
    "iam.SimulatePrincipalPolicy",  # the IAM checks ask the simulator where it is served (not moto)
    # the execution's actions (and the source artifact's location); a connection ARN with the
    # codeconnections prefix is read through its own service
    "codepipeline.ListActionExecutions", "codeconnections.GetConnection",
    # the image the build pushed and each platform image's config
    "ecr.DescribeImages", "ecr.BatchGetImage", "ecr.GetDownloadUrlForLayer",
    # the running tasks and the ALB's healthy targets
    "ecs.ListTasks", "ecs.DescribeTasks", "elbv2.DescribeTargetHealth",
)
ARTIFACT_OBJECTS = "arn:aws:s3:::dev-pipeline-artifacts-*/*"  # the tutorial's own policies' bucket
READ_ACTION = re.compile(
    r"[a-z0-9-]+:((Describe|Get|List|BatchGet|Head)[A-Za-z0-9*]*|SimulatePrincipalPolicy)")


def allowed(action: str, resource: str = "*") -> bool:
    return any(effect == "Allow" and fnmatch.fnmatchcase(action.lower(), pattern)
               and fnmatch.fnmatchcase(resource, granted)
               for effect, pattern, granted in iam_policies.grants(POLICY))


def _resource(service: str, params: dict) -> str:
    """The resource IAM authorises an S3 call on (its object, or its bucket); "*" for the others."""
    if service != "s3" or "Bucket" not in params:
        return "*"
    return f"arn:aws:s3:::{params['Bucket']}" + (f"/{params['Key']}" if "Key" in params else "")


def _counting_session(target, calls: Counter) -> boto3.Session:
    """The target's credentials in a session of our own, counting every call its clients make, with
    the resource it acts on."""
    credentials = target.session.get_credentials().get_frozen_credentials()
    session = sessions.session(target.region, aws_access_key_id=credentials.access_key,
                               aws_secret_access_key=credentials.secret_key,
                               aws_session_token=credentials.token)

    def count(model, params, **_):
        service = model.service_model.service_name
        calls.update([(f"{service}.{model.name}", _resource(service, params))])

    session.events.register("before-parameter-build", count)  # the call's own parameters
    return session


# every name a little off: the grader lists each kind of resource to find what was meant
TYPOS = dataclasses.replace(
    student_lab.CORRECT, repository="my-ecs-php-ap", bucket="dev-pipeline-artifact-{account}",
    pipeline_role="dev-codepipeline-servce-role", codebuild_role="dev-codebuild-servce-role",
    project="dev-php-app-buld", pipeline="dev-php-app-pipline", cluster="dev-clustr",
    service="dev-php-app-alb-servce")


ELSEWHERE = "eu-west-1"  # where the third student built the lab graded in the run's region


@pytest.fixture(scope="module")
def graded(target, whole_lab_served):
    """A correct lab's report, and every operation the grader made grading it, a mistyped one and
    one built in another region than the one graded (the grader then looks in the others)."""
    correct, typos = fresh_account(target), fresh_account(target)
    elsewhere = fresh_account(target)
    student_lab.build(correct)
    student_lab.build(typos, TYPOS)
    student_lab.build(aws_cli_lab.in_region(elsewhere, ELSEWHERE))
    calls: Counter = Counter()
    report = grade(Settings(), correct.with_session(_counting_session(correct, calls)))
    grade(Settings(), typos.with_session(_counting_session(typos, calls)))
    moved = grade(Settings(), elsewhere.with_session(_counting_session(elsewhere, calls)))
    assert moved.diagnosis.startswith(f"Your lab is in {ELSEWHERE}, not {target.region}")
    return report, calls


def _names(calls: Counter) -> set[str]:
    return {call for call, _ in calls}


def test_the_graded_lab_exercises_every_read_the_emulator_serves(graded):
    report, calls = graded

    statuses = {c.id: c.status for c in report.checks}
    assert set(statuses.values()) == {"pass", "skip"}, statuses
    # Step 7's links are unproven there (no action executions), and its listener read is made
    assert statuses["pipeline.latest-execution"] == statuses["ecr.pushed-image"] == "skip"
    assert statuses["source.buildspec"] == statuses["source.image-definitions"] == "pass"
    assert {"codepipeline.GetPipelineExecution", "iam.GetRolePolicy", "codepipeline.ListPipelines",
            "iam.ListRoles", "s3.ListObjectsV2", "s3.GetObject", "elbv2.DescribeListeners",
            "elbv2.DescribeRules", "ec2.DescribeRegions"} <= _names(calls)


def test_every_call_the_grader_makes_is_allowed_by_the_grader_policy(graded):
    _, calls = graded

    refused = sorted(f"{call} on {resource} → {iam_action(call)}" for call, resource in calls
                     if iam_action(call) and not allowed(iam_action(call), resource))

    assert refused == []


def test_reads_the_emulator_cannot_serve_are_allowed_too():
    refused = [call for call in BEYOND_THE_EMULATOR if not allowed(iam_action(call))]

    assert refused == []


def test_the_grader_policy_grants_nothing_but_reads_and_objects_only_of_the_artifact_buckets():
    statements = POLICY["Statement"]
    actions = [action for statement in statements for action in statement["Action"]]

    assert all(set(s) == {"Sid", "Effect", "Action", "Resource"} for s in statements)  # no Not*
    assert {(s["Effect"], s["Resource"]) for s in statements} == {("Allow", "*"), ("Allow", ARTIFACT_OBJECTS)}
    assert [a for a in actions if not READ_ACTION.fullmatch(a)] == []
    assert {(action, resource) for _, action, resource in iam_policies.grants(POLICY)
            if action == "s3:getobject"} == {("s3:getobject", ARTIFACT_OBJECTS)}
    assert not allowed("s3:GetObject", "arn:aws:s3:::someone-elses-bucket/secret.txt")


def test_the_grader_policy_grants_only_what_the_grader_uses(graded):
    _, calls = graded
    used = {iam_action(call).lower() for call in (*_names(calls), *BEYOND_THE_EMULATOR) if iam_action(call)}

    unused = sorted(action for _, action, _ in iam_policies.grants(POLICY) if action not in used)

    assert unused == []
