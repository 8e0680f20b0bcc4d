"""Checks judge what the API returns (Stubber-validated shapes) against the tutorial."""

import dataclasses
import json

import pytest
from botocore.stub import Stubber

from pipeline_harness import iam as iam_policies
from pipeline_harness.settings import Settings
from pipeline_harness.steps import artifacts, base, codebuild, codepipeline, ecr, iam
from pipeline_harness.steps.base import run_check
from pipeline_harness.targets.base import Capabilities
from pipeline_harness.targets.context import Context

ACCOUNT = "123456789012"


@pytest.fixture
def ctx(stubbed_target):
    return Context(Settings(), stubbed_target(_account=ACCOUNT))


def _check(module, check_id):
    return next(c for c in module.CHECKS if c.id == check_id)


def _repository(scan=True, mutability="MUTABLE"):
    return {"repositoryArn": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/my-ecs-php-app",
            "registryId": ACCOUNT, "repositoryName": "my-ecs-php-app",
            "repositoryUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app",
            "imageTagMutability": mutability, "imageScanningConfiguration": {"scanOnPush": scan}}


def test_scan_on_push_off_fails_with_expected_found_and_the_tutorials_hint(ctx):
    with Stubber(ctx.client("ecr")) as stub:
        stub.add_response("describe_repositories", {"repositories": [_repository(scan=False)]})

        result = run_check(_check(ecr, "ecr.scan-on-push"), ctx)

    assert result.status == "fail"
    assert result.message == "expected yes, found no"
    assert "Scan on push" in result.hint and result.points == 0 and result.max_points == 1


def test_a_missing_repository_fails_as_not_found(ctx):
    with Stubber(ctx.client("ecr")) as stub:
        stub.add_client_error("describe_repositories", "RepositoryNotFoundException")

        result = run_check(_check(ecr, "ecr.repository"), ctx)

    assert (result.status, result.message) == ("fail", "expected the resource to exist, found nothing")


def test_tag_immutability_is_a_bonus_when_optional_and_required_when_configured(ctx):
    check = _check(ecr, "ecr.tag-immutability")
    with Stubber(ctx.client("ecr")) as stub:
        stub.add_response("describe_repositories", {"repositories": [_repository()]})
        optional = run_check(check, ctx)
    required_ctx = Context(Settings(tag_immutability=True), ctx.target)
    with Stubber(ctx.client("ecr")) as stub:
        stub.add_response("describe_repositories", {"repositories": [_repository()]})
        required = run_check(check, required_ctx)

    assert (optional.status, optional.points, optional.max_points) == ("pass", 0, 0)
    assert "optional, not done" in optional.message
    assert (required.status, required.max_points) == ("fail", 1)


@pytest.mark.parametrize(("mutability", "filters", "warned"), [
    ("IMMUTABLE", None, True),
    ("IMMUTABLE_WITH_EXCLUSION", [{"filterType": "WILDCARD", "filter": "latest"}], False),
    ("IMMUTABLE_WITH_EXCLUSION", [{"filterType": "WILDCARD", "filter": "lat*"}], False),
    ("IMMUTABLE_WITH_EXCLUSION", [{"filterType": "WILDCARD", "filter": "dev-*"}], True),
])
def test_immutable_tags_earn_the_bonus_with_a_tip_unless_latest_stays_mutable(ctx, mutability, filters,
                                                                              warned):
    # given a repository someone made immutable, maybe with exclusions: the tutorial's buildspec
    # pushes `latest` on every build, which an immutable `latest` refuses from the second build on
    repository = _repository(mutability=mutability)
    if filters:
        repository["imageTagMutabilityExclusionFilters"] = filters
    with Stubber(ctx.client("ecr")) as stub:
        stub.add_response("describe_repositories", {"repositories": [repository]})
        result = run_check(_check(ecr, "ecr.tag-immutability"), ctx)

    assert result.status == "pass" and result.message == f"found `{mutability}`"
    assert ("cannot be overwritten because the repository is immutable" in result.hint) is warned


def test_an_api_error_is_an_error_not_a_fail_of_the_lab(ctx):
    with Stubber(ctx.client("ecr")) as stub:
        stub.add_client_error("describe_repositories", "AccessDeniedException", "not allowed")

        result = run_check(_check(ecr, "ecr.scan-on-push"), ctx)

    assert result.status == "error"
    assert "AccessDeniedException" in result.message


@pytest.mark.parametrize("judge, says", [
    (lambda repository, ctx: repository["repositoryName"] + 1, "could not be judged: TypeError: "),
    (lambda repository, ctx: repository["lifecyclePolicy"],
     "could not be judged: KeyError: 'lifecyclePolicy'"),
    (lambda repository, ctx: int("line one\nline two"), "could not be judged: ValueError: invalid literal"),
])
def test_an_exception_nobody_expected_inside_a_check_is_that_checks_error_in_one_line(ctx, judge, says):
    # given: a check whose judge does not hold for what the API answered
    check = dataclasses.replace(_check(ecr, "ecr.scan-on-push"), judge=judge)
    with Stubber(ctx.client("ecr")) as stub:
        stub.add_response("describe_repositories", {"repositories": [_repository()]})

        # when
        result = run_check(check, ctx)

    # then
    assert (result.status, result.points, result.max_points) == ("error", 0, 1)
    assert result.message.startswith(says) and "\n" not in result.message
    assert result.title == "Scan on push enabled on `my-ecs-php-app`"


def test_a_check_whose_title_cannot_be_made_is_an_error_not_a_crash(ctx):
    check = dataclasses.replace(_check(ecr, "ecr.scan-on-push"), bonus=lambda ctx: {}["x"])

    result = run_check(check, ctx)

    assert (result.status, result.message) == ("error", "could not be judged: KeyError: 'x'")


def test_a_check_the_target_cannot_serve_is_skipped_with_the_targets_reason(ctx):
    ctx.target.capabilities = Capabilities(services=frozenset({"s3"}),
                                           unserved={"ecr": "ECR needs a paid plan"})

    result = run_check(_check(ecr, "ecr.scan-on-push"), ctx)

    assert (result.status, result.message) == ("skip", "skipped: ECR needs a paid plan")


def test_versioning_suspended_and_one_public_access_flag_off_fail_their_checks(ctx):
    with Stubber(ctx.client("s3")) as stub:
        stub.add_response("get_bucket_location", {"LocationConstraint": "eu-west-1"})
        stub.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": {
            **artifacts.BLOCK_ALL, "RestrictPublicBuckets": False}})
        stub.add_response("get_bucket_versioning", {"Status": "Suspended"})

        results = {c.id: run_check(c, ctx) for c in artifacts.CHECKS}

    assert {k: r.status for k, r in results.items()} == {
        "artifacts.bucket": "pass", "artifacts.region": "fail",
        "artifacts.public-access-blocked": "fail", "artifacts.versioning": "fail"}
    assert results["artifacts.versioning"].message == "expected `Enabled`, found `Suspended`"


def _project(**environment):
    variables = {"AWS_ACCOUNT_ID": ACCOUNT, "AWS_DEFAULT_REGION": "us-east-1",
                 "IMAGE_REPO_NAME": "my-ecs-php-app", "CONTAINER_NAME": "php-app-container"}
    variables.update(environment.pop("variables", {}))
    return {"name": "dev-php-app-build",
            "source": {"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
            "artifacts": {"type": "CODEPIPELINE"},
            "environment": {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                            "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": True,
                            "environmentVariables": [{"name": k, "value": v, "type": "PLAINTEXT"}
                                                     for k, v in variables.items()],
                            **environment},
            "serviceRole": f"arn:aws:iam::{ACCOUNT}:role/dev-codebuild-service-role",
            "logsConfig": {"cloudWatchLogs": {"status": "ENABLED",
                                              "groupName": "/aws/codebuild/dev-php-app-build"}}}


def test_privileged_off_and_a_misnamed_variable_fail_exactly_their_checks(ctx):
    project = _project(privilegedMode=False)
    variables = project["environment"]["environmentVariables"]
    variables[2]["name"] = "IMAGE_REPO"
    with Stubber(ctx.client("codebuild")) as stub:
        stub.add_response("batch_get_projects", {"projects": [project]})

        results = {c.id: run_check(c, ctx) for c in codebuild.CHECKS}

    failed = {k for k, r in results.items() if r.status == "fail"}
    assert failed == {"codebuild.privileged", "codebuild.environment-variables"}
    assert results["codebuild.environment-variables"].message.endswith("found IMAGE_REPO_NAME=(missing)")
    assert "Privileged" in results["codebuild.privileged"].hint


def _role_with(doc: dict) -> tuple[dict, list]:
    role = {"Path": "/", "RoleName": "dev-codebuild-service-role", "RoleId": "AROAEXAMPLE12345",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/dev-codebuild-service-role",
            "CreateDate": "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": json.dumps(iam_policies.trust("codebuild"))}
    answers = [("get_role", {"Role": role}),
               ("list_role_policies", {"PolicyNames": ["CodeBuildCustomPolicy"]}),
               ("get_role_policy", {"RoleName": role["RoleName"], "PolicyName": "CodeBuildCustomPolicy",
                                    "PolicyDocument": json.dumps(doc)}),
               ("list_attached_role_policies", {"AttachedPolicies": []})]
    return role, answers


def test_an_inline_policy_missing_one_action_names_that_action_and_the_resource(ctx):
    # given: a target without IAM's policy simulator, so the documents are evaluated here
    ctx.target.capabilities = Capabilities(missing={"iam": {"SimulatePrincipalPolicy": "no simulator"}})
    doc = iam_policies.document("CodeBuildCustomPolicy.json")
    doc["Statement"][0]["Action"].remove("ecr:PutImage")
    _, answers = _role_with(doc)
    with Stubber(ctx.client("iam")) as stub:
        for operation, answer in answers:
            stub.add_response(operation, answer)

        result = run_check(_check(iam, "iam.codebuild_role.inline-policy"), ctx)

    assert result.status == "fail"
    assert result.message.endswith(f"found missing ecr:PutImage on arn:aws:ecr:us-east-1:{ACCOUNT}:"
                                   "repository/my-ecs-php-app (no statement allows it (implicit deny))")
    assert "judged by the role's policy documents" in result.message


def test_where_the_simulator_is_served_its_decisions_judge_the_policy(ctx):
    # given: the simulator finds ecr:PutImage explicitly denied, whatever the documents say
    role, answers = _role_with(iam_policies.document("CodeBuildCustomPolicy.json"))

    def simulated(request):
        return {"EvaluationResults": [{
            "EvalActionName": action, "EvalResourceName": request["ResourceArns"][0],
            "EvalDecision": "explicitDeny" if action == "ecr:PutImage" else "allowed"}
            for action in request["ActionNames"]]}

    with Stubber(ctx.client("iam")) as stub:
        for operation, answer in answers:
            stub.add_response(operation, answer)
        for resource, actions in _needs_by_resource():
            request = {"PolicySourceArn": role["Arn"], "ActionNames": actions, "ResourceArns": [resource]}
            stub.add_response("simulate_principal_policy", simulated(request), request)

        result = run_check(_check(iam, "iam.codebuild_role.inline-policy"), ctx)

    assert result.status == "fail"
    assert "ecr:PutImage on arn:aws:ecr:" in result.message and "explicitly denied" in result.message
    assert "judged by IAM's policy simulator" in result.message


def _needs_by_resource() -> list[tuple[str, list[str]]]:
    from pipeline_harness.iam import needs
    lab = needs.LabResources.of(region="us-east-1", account=ACCOUNT,
                                bucket=f"dev-pipeline-artifacts-{ACCOUNT}", pipeline="dev-php-app-pipeline",
                                repository="my-ecs-php-app", connection_arn="", project="dev-php-app-build",
                                log_group="/aws/codebuild/dev-php-app-build")
    grouped: dict[str, list[str]] = {}
    for action, resource in needs.needs(iam_policies.document("CodeBuildCustomPolicy.json"), lab):
        grouped.setdefault(resource, []).append(action)
    return list(grouped.items())


def test_a_deploy_stage_with_the_wrong_file_name_fails_and_says_which_value(ctx):
    ctx.target.capabilities = Capabilities(services=frozenset({"codepipeline"}))
    pipeline = {"name": "dev-php-app-pipeline",
                "roleArn": f"arn:aws:iam::{ACCOUNT}:role/dev-codepipeline-service-role",
                "artifactStore": {"type": "S3", "location": f"dev-pipeline-artifacts-{ACCOUNT}"},
                "stages": []}
    ctx.settings = Settings(connection_arn=f"arn:aws:codestar-connections:us-east-1:{ACCOUNT}:connection/x")
    for stage in codepipeline.stages(ctx):
        pipeline["stages"].append(stage)
    pipeline["stages"][2]["actions"][0]["configuration"]["FileName"] = "imagedefinition.json"
    with Stubber(ctx.client("codepipeline")) as stub:
        stub.add_response("get_pipeline", {"pipeline": pipeline})

        results = {c.id: run_check(c, ctx) for c in codepipeline.CHECKS}

    assert {k for k, r in results.items() if r.status != "pass"} == {"pipeline.deploy"}
    assert "found FileName=`imagedefinition.json`" in results["pipeline.deploy"].message
    assert "imagedefinitions.json" in results["pipeline.deploy"].hint


@pytest.mark.parametrize("value, shown", [
    (True, "yes"), (False, "no"), (None, "nothing"), (3, "3"),
    (("CODEPIPELINE", "CODEPIPELINE"), "`CODEPIPELINE`, `CODEPIPELINE`"),
    (["a`b"], "``a`b``"), ([], "nothing"), ({"b", "a"}, "`a`, `b`"),
    ({"BlockPublicAcls": True, "IgnorePublicAcls": False}, "`BlockPublicAcls`: yes, `IgnorePublicAcls`: no"),
])
def test_a_value_is_shown_as_a_person_writes_it_never_as_a_python_repr(value, shown):
    judge = base.equals(lambda ctx: value, lambda resource: value)

    verdict = judge({}, None)

    assert verdict.passed and verdict.expected == verdict.found == shown
