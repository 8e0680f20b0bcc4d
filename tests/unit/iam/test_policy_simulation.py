"""IAM's policy simulator's answers as Decisions: Stubber timelines validated against the IAM model.

moto does not implement SimulatePrincipalPolicy, so every answer here is a Stubber response.
"""

import pytest
from botocore.stub import Stubber

from pipeline_harness.iam.evaluation import ACTIONS_PER_CALL, Decision, simulate
from pipeline_harness.targets import sessions

ROLE = "arn:aws:iam::123456789012:role/dev-codebuild-service-role"
REPOSITORY = "arn:aws:ecr:eu-north-1:123456789012:repository/my-ecs-php-app"
POSITION = {"Line": 1, "Column": 1}


@pytest.fixture
def iam():
    session = sessions.session("us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    client = session.client("iam")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def matched(policy_id: str, policy_type: str = "role") -> dict:
    return {"SourcePolicyId": policy_id, "SourcePolicyType": policy_type,
            "StartPosition": POSITION, "EndPosition": POSITION}


def result(action: str, resource: str, decision: str, *statements: dict, **more) -> dict:
    return {"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision,
            "MatchedStatements": list(statements), **more}


def asked(actions: list[str], resource: str, **more) -> dict:
    return {"PolicySourceArn": ROLE, "ActionNames": actions, "ResourceArns": [resource], **more}


def test_allowed_and_explicit_deny_answers_become_decisions_naming_the_policy(iam):
    # given one call per resource: the repository, then "*" for the account-level action
    client, stubber = iam
    stubber.add_response("simulate_principal_policy", {"EvaluationResults": [
        result("ecr:PutImage", REPOSITORY, "explicitDeny", matched("DenyPushToTheLabRepository")),
        result("ecr:BatchGetImage", REPOSITORY, "allowed", matched("CodeBuildCustomPolicy"))],
        "IsTruncated": False}, asked(["ecr:PutImage", "ecr:BatchGetImage"], REPOSITORY))
    stubber.add_response("simulate_principal_policy", {"EvaluationResults": [
        result("ecr:GetAuthorizationToken", "*", "allowed", matched("CodeBuildCustomPolicy"))]},
        asked(["ecr:GetAuthorizationToken"], "*"))

    # when
    decisions = simulate(client, ROLE, [("ecr:PutImage", REPOSITORY), ("ecr:GetAuthorizationToken", "*"),
                                        ("ecr:BatchGetImage", REPOSITORY)])

    # then
    assert decisions == {
        ("ecr:PutImage", REPOSITORY): Decision(
            False, "the policy simulator finds it explicitly denied (DenyPushToTheLabRepository)",
            "DenyPushToTheLabRepository"),
        ("ecr:GetAuthorizationToken", "*"): Decision(
            True, "the policy simulator allows it (CodeBuildCustomPolicy)", "CodeBuildCustomPolicy"),
        ("ecr:BatchGetImage", REPOSITORY): Decision(
            True, "the policy simulator allows it (CodeBuildCustomPolicy)", "CodeBuildCustomPolicy"),
    }


def test_every_page_of_the_simulators_answer_is_read(iam):
    # given an answer truncated after the first result
    client, stubber = iam
    actions = ["ecr:PutImage", "ecr:InitiateLayerUpload"]
    stubber.add_response("simulate_principal_policy", {
        "EvaluationResults": [result("ecr:PutImage", REPOSITORY, "allowed",
                                     matched("CodeBuildCustomPolicy"))],
        "IsTruncated": True, "Marker": "page-2"}, asked(actions, REPOSITORY))
    stubber.add_response("simulate_principal_policy", {
        "EvaluationResults": [result("ecr:InitiateLayerUpload", REPOSITORY, "implicitDeny")],
        "IsTruncated": False}, asked(actions, REPOSITORY, Marker="page-2"))

    # when
    decisions = simulate(client, ROLE, [(a, REPOSITORY) for a in actions])

    # then
    assert decisions[("ecr:PutImage", REPOSITORY)].allowed
    assert decisions[("ecr:InitiateLayerUpload", REPOSITORY)] == Decision(
        False, "the policy simulator finds no statement that allows it (implicit deny)", None)


def test_missing_context_values_are_named_in_the_reason(iam):
    # given a conditional statement the simulator could not judge without context
    client, stubber = iam
    role = "arn:aws:iam::123456789012:role/dev-php-app-task-execution-role"
    stubber.add_response("simulate_principal_policy", {"EvaluationResults": [result(
        "iam:PassRole", role, "implicitDeny", MissingContextValues=["iam:PassedToService"])]},
        asked(["iam:PassRole"], role))

    # when
    decision = simulate(client, ROLE, [("iam:PassRole", role)])[("iam:PassRole", role)]

    # then
    assert not decision.allowed
    assert decision.reason.endswith("; it lacked context values iam:PassedToService")


def test_resource_specific_results_decide_per_resource(iam):
    # given an answer carrying its per-resource results
    client, stubber = iam
    stubber.add_response("simulate_principal_policy", {"EvaluationResults": [result(
        "ecr:PutImage", "*", "explicitDeny", ResourceSpecificResults=[{
            "EvalResourceName": REPOSITORY, "EvalResourceDecision": "allowed",
            "MatchedStatements": [matched("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser",
                                          "aws-managed")]}])]},
        asked(["ecr:PutImage"], REPOSITORY))

    # when
    decision = simulate(client, ROLE, [("ecr:PutImage", REPOSITORY)])[("ecr:PutImage", REPOSITORY)]

    # then
    assert decision.allowed
    assert decision.policy == "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"


def test_many_actions_on_one_resource_are_asked_in_batches(iam):
    # given more actions on the repository than one call asks
    client, stubber = iam
    actions = [f"ecr:Action{n}" for n in range(ACTIONS_PER_CALL + 5)]
    for batch in (actions[:ACTIONS_PER_CALL], actions[ACTIONS_PER_CALL:]):
        stubber.add_response("simulate_principal_policy", {"EvaluationResults": [
            result(a, REPOSITORY, "allowed") for a in batch]}, asked(batch, REPOSITORY))

    # when
    decisions = simulate(client, ROLE, [(a, REPOSITORY) for a in actions])

    # then
    assert len(decisions) == len(actions) and all(d.allowed for d in decisions.values())


def test_a_need_the_simulator_left_unanswered_is_not_allowed(iam):
    # given an answer that leaves one asked action out, spelling the other in another case
    client, stubber = iam
    stubber.add_response("simulate_principal_policy", {"EvaluationResults": [
        result("ECR:PUTIMAGE", REPOSITORY, "allowed")]},
        asked(["ecr:PutImage", "ecr:UploadLayerPart"], REPOSITORY))

    # when
    decisions = simulate(client, ROLE, [("ecr:PutImage", REPOSITORY), ("ecr:UploadLayerPart", REPOSITORY)])

    # then
    assert decisions[("ecr:PutImage", REPOSITORY)].allowed
    assert decisions[("ecr:UploadLayerPart", REPOSITORY)] == Decision(
        False, "the policy simulator gave no result for it")
