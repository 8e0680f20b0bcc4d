"""May the service assume the role? A trust policy judged by IAM's rules for the one request that
matters — the service principal calling sts:AssumeRole for the graded lab — not by the service's
name appearing in it."""

import pytest

from pipeline_harness import iam as iam_policies
from pipeline_harness.iam.conditions import Fact
from pipeline_harness.iam.evaluation import Decision, may_assume
from pipeline_harness.steps import iam

ACCOUNT = "123456789012"
CODEBUILD = "codebuild.amazonaws.com"
PROJECT = f"arn:aws:codebuild:eu-north-1:{ACCOUNT}:project/dev-php-app-build"
FACTS = (Fact("aws:SourceAccount", ACCOUNT, "the graded account"),
         Fact("aws:SourceArn", PROJECT, "the graded project"))


def trust(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal=None, action="sts:AssumeRole", **more) -> dict:
    return {"Effect": "Allow", "Principal": {"Service": CODEBUILD} if principal is None else principal,
            "Action": action, **more}


def deny(**more) -> dict:
    return {"Effect": "Deny", "Principal": {"Service": CODEBUILD}, "Action": "sts:AssumeRole", **more}


def judged(*statements: dict) -> Decision:
    return may_assume(trust(*statements), CODEBUILD, FACTS)


# --- what the tutorial and its valid variants write -----------------------------------------------

def test_the_tutorials_trust_policy_lets_the_service_assume_the_role():
    decision = may_assume(iam_policies.trust("codebuild"), CODEBUILD, FACTS)

    assert decision == Decision(True, "allowed by statement #1", "the trust policy")


def test_the_harness_provisions_trust_policies_its_own_checks_accept():
    # given the trust documents the verify path makes the lab's roles with, and the execution role's
    for spec in iam.ROLES:
        # when
        decision = may_assume(spec.trust(), spec.principal, FACTS)

        # then
        assert decision.allowed, (spec.key, decision)
    assert may_assume(iam_policies.trust("ecs-tasks"), "ecs-tasks.amazonaws.com", FACTS).allowed


def test_a_list_of_services_and_a_single_statement_object_are_read_as_iam_reads_them():
    listed = allow({"Service": ["codepipeline.amazonaws.com", CODEBUILD]})

    assert judged(listed).allowed
    assert may_assume({"Statement": listed}, CODEBUILD, FACTS).allowed


@pytest.mark.parametrize("action", [["sts:AssumeRole", "sts:TagSession"], "sts:*", "sts:Assume*",
                                    "STS:assumerole", "*", ["sts:AssumeRol?"]])
def test_actions_covering_assume_role_admit_the_service(action):
    assert judged(allow(action=action)).allowed


def test_not_action_admits_unless_it_names_assume_role():
    every_but_tags = {"Effect": "Allow", "Principal": {"Service": CODEBUILD}, "NotAction": "sts:TagSession"}
    every_but_assume = dict(every_but_tags, NotAction="sts:Assume*")

    assert judged(every_but_tags).allowed
    assert judged(every_but_assume) == Decision(
        False, "statement #1 allows only every action but sts:Assume*", "the trust policy")


def test_the_confused_deputy_conditions_aws_recommends_pass_with_the_graded_values():
    # given aws:SourceAccount and aws:SourceArn as the IAM User Guide's confused-deputy page shows them
    condition = {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": PROJECT}}

    # when
    decision = judged(allow(Condition=condition))

    # then
    assert decision.allowed
    assert decision.reason.startswith("allowed by statement #1, under its Condition (aws:SourceAccount is")


# --- the forgeries: the service named, nobody admitted --------------------------------------------

def test_tag_session_alone_does_not_let_the_service_assume_the_role():
    decision = judged(allow(Sid="Tags", action="sts:TagSession"))

    assert decision == Decision(False, "statement Tags allows only sts:TagSession", "the trust policy")


def test_a_condition_on_another_account_refuses_naming_both_accounts():
    decision = judged(allow(Condition={"StringEquals": {"aws:SourceAccount": "999999999999"}}))

    assert not decision.allowed
    assert decision.reason == ("statement #1: its Condition aws:SourceAccount is `999999999999`, not the "
                               f"graded account `{ACCOUNT}`")


def test_an_allow_with_an_explicit_deny_is_denied_by_the_deny():
    decision = judged(allow(), deny(Sid="NoBuilds"))

    assert decision == Decision(False, "explicitly denied by statement NoBuilds", "the trust policy")


def test_another_projects_source_arn_refuses_naming_the_graded_project():
    other = f"arn:aws:codebuild:eu-north-1:{ACCOUNT}:project/someone-elses-build"

    decision = judged(allow(Condition={"ArnEquals": {"aws:SourceArn": other}}))

    assert not decision.allowed
    assert f"aws:SourceArn is like `{other}`, not the graded project `{PROJECT}`" in decision.reason


# --- Deny wins ------------------------------------------------------------------------------------

@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"Service": "CODEBUILD.amazonaws.com"},
                                       {"Service": "*.amazonaws.com"}])
def test_a_deny_applies_to_the_service_by_its_widest_reading(principal):
    decision = judged(allow(), deny(Principal=principal))

    assert decision.reason == "explicitly denied by statement #2"


def test_a_deny_with_not_principal_applies_unless_it_spares_the_service():
    def sparing(service: str) -> dict:
        return {"Effect": "Deny", "NotPrincipal": {"Service": service}, "Action": "sts:AssumeRole"}

    spared_another = judged(allow(), sparing("codepipeline.amazonaws.com"))
    assert spared_another.reason == "explicitly denied by statement #2"
    assert judged(allow(), sparing(CODEBUILD)).allowed


def test_a_deny_whose_condition_the_lab_does_not_meet_does_not_apply():
    # given a Deny for requests from any other account: the common guard
    guard = deny(Condition={"StringNotEquals": {"aws:SourceAccount": ACCOUNT}})

    assert judged(allow(), guard).allowed
    assert judged(allow(), deny(Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})).reason == (
        "explicitly denied by statement #2")


def test_a_deny_the_grader_cannot_judge_is_taken_as_applying_and_says_why():
    decision = judged(allow(), deny(Condition={"Bool": {"aws:SecureTransport": "false"}}))

    assert not decision.allowed
    assert decision.reason == ("explicitly denied by statement #2 (its Condition operator Bool is not one "
                               "the grader evaluates: taken as applying)")


def test_a_deny_of_another_action_or_another_service_leaves_the_allow():
    assert judged(allow(), deny(Action="sts:TagSession")).allowed
    assert judged(allow(), deny(Principal={"Service": "codepipeline.amazonaws.com"})).allowed


# --- principals -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("principal", "said"), [("*", 'Principal "*"'), ({"AWS": "*"}, 'Principal AWS "*"'),
                                                 ({"AWS": ["*"]}, 'Principal AWS "*"')])
def test_every_principal_admits_the_service_with_a_least_privilege_tip(principal, said):
    decision = judged(allow(principal))

    assert decision.allowed
    assert decision.tip == (f"statement #1 lets any principal assume the role ({said}): name {CODEBUILD} "
                            "instead")


@pytest.mark.parametrize("principal", [
    {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"Service": "codebuild"}, {"Service": "CodeBuild.amazonaws.com"},
    {"Service": "codebuild.*"}, {"Federated": "cognito-identity.amazonaws.com"}, "codebuild.amazonaws.com"])
def test_a_principal_that_is_not_the_service_admits_nothing(principal):
    decision = judged(allow(principal))

    assert not decision.allowed
    assert decision.reason.startswith(f"no Allow statement names {CODEBUILD} (implicit deny)")


def test_the_refusal_names_whom_the_allow_statements_trust():
    decision = judged(allow({"Service": ["codepipeline.amazonaws.com", "ecs-tasks.amazonaws.com"]}))

    assert decision.reason == (f"no Allow statement names {CODEBUILD} (implicit deny): the Allow statements "
                               "name Service codepipeline.amazonaws.com, Service ecs-tasks.amazonaws.com")


def test_not_principal_in_an_allow_admits_nothing_as_iam_refuses_it_in_a_trust_policy():
    statement = {"Effect": "Allow", "NotPrincipal": {"Service": "ecs.amazonaws.com"},
                 "Action": "sts:AssumeRole"}

    decision = judged(statement)

    assert decision.reason == "statement #1 uses NotPrincipal, which IAM does not allow in a trust policy"


# --- conditions on an Allow -----------------------------------------------------------------------

def test_an_allow_under_a_condition_the_grader_cannot_judge_awards_nothing_and_says_why():
    decision = judged(allow(Condition={"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}))

    assert not decision.allowed
    assert decision.reason.startswith("statement #1: its Condition on aws:SourceOrgID depends on a value the "
                                      "grader does not know")
    assert decision.reason.endswith("a Condition the grader cannot judge counts for nothing")


def test_one_admitting_statement_is_enough_and_each_refusal_is_listed_until_then():
    wrong_account = allow(Sid="Old", Condition={"StringEquals": {"aws:SourceAccount": "999999999999"}})

    assert judged(wrong_account, allow(Sid="New")).reason == "allowed by statement New"
    refused = judged(wrong_account, allow(Sid="Tags", action="sts:TagSession"))
    assert refused.reason == ("statement Old: its Condition aws:SourceAccount is `999999999999`, not the "
                              f"graded account `{ACCOUNT}`; statement Tags allows only sts:TagSession")


# --- hostile documents ----------------------------------------------------------------------------

@pytest.mark.parametrize("document", [[], "text", {"Statement": "x"}, {"Statement": [5, None]},
                                      {"Statement": [{"Effect": "Allow", "Principal": {"Service": 5},
                                                      "Action": 7}]},
                                      {"Statement": [{"Effect": "Allow", "Principal": {"Service": CODEBUILD},
                                                      "Action": {"sts": "AssumeRole"}}]}])
def test_a_malformed_trust_policy_admits_nothing_and_raises_nothing(document):
    assert not may_assume(document, CODEBUILD, FACTS).allowed


def test_a_thousand_refused_statements_make_a_short_message():
    statements = [allow(action="sts:TagSession") for _ in range(1000)]

    decision = judged(*statements)

    assert not decision.allowed
    assert decision.reason.endswith("; and 996 more statements") and len(decision.reason) < 300
