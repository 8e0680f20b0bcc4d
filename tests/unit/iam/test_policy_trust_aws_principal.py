"""The one trust evaluator (`may_assume`) for an AWS principal — an account, or a role in it, calling
sts:AssumeRole as a teacher's grader does — with what its request carries (an external id, or
none), and `not_granted`, the comparison of two sets of permission documents by IAM's rules."""

import pytest

from pipeline_harness.iam import evaluation
from pipeline_harness.iam.conditions import Fact, evaluate

TEACHER = "111122223333"
ROLE = f"arn:aws:iam::{TEACHER}:role/grading"
ROOT = f"arn:aws:iam::{TEACHER}:root"
WITH_ID = (Fact("sts:ExternalId", "course-2026", "the external id"),)
WITHOUT_ID = (Fact("sts:ExternalId", None, "no external id"),)


def _trust(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(principal, condition=None, action="sts:AssumeRole") -> dict:
    made = {"Effect": "Allow", "Principal": principal, "Action": action}
    return {**made, "Condition": condition} if condition else made


@pytest.mark.parametrize("named", [TEACHER, ROOT, [ROOT, "arn:aws:iam::444455556666:root"]])
def test_an_account_principal_admits_its_root_and_any_role_of_it(named):
    trust = _trust(_allow({"AWS": named}))

    assert evaluation.may_assume(trust, ROLE).allowed
    assert evaluation.may_assume(trust, ROOT).allowed
    assert not evaluation.may_assume(trust, "arn:aws:iam::999988887777:role/grading").allowed
    assert evaluation.may_assume(trust, ROLE).tip == ""


def test_a_role_principal_admits_that_role_only():
    trust = _trust(_allow({"AWS": ROLE}))

    assert evaluation.may_assume(trust, ROLE).allowed
    assert not evaluation.may_assume(trust, ROOT).allowed
    assert not evaluation.may_assume(trust, f"arn:aws:iam::{TEACHER}:role/other").allowed


def test_every_principal_admits_a_stranger_with_a_least_privilege_tip():
    decision = evaluation.may_assume(_trust(_allow({"AWS": "*"})), "arn:aws:iam::000000000000:root")

    assert decision.allowed and "lets any principal assume the role" in decision.tip


def test_a_service_principal_does_not_admit_an_account_nor_an_account_a_service():
    assert not evaluation.may_assume(_trust(_allow({"Service": "codebuild.amazonaws.com"})), ROOT).allowed
    assert not evaluation.may_assume(_trust(_allow({"AWS": TEACHER})), "codebuild.amazonaws.com").allowed


def test_a_deny_naming_the_account_refuses_its_roles_and_a_notprincipal_that_spares_the_role_does_not():
    allow = _allow({"AWS": TEACHER})
    denied = _trust(allow, {"Effect": "Deny", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"})
    spared = _trust(allow, {"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "sts:AssumeRole"})

    assert not evaluation.may_assume(denied, ROLE).allowed
    assert "explicitly denied" in evaluation.may_assume(denied, ROLE).reason
    assert evaluation.may_assume(spared, ROLE).allowed
    assert not evaluation.may_assume(spared, f"arn:aws:iam::{TEACHER}:role/other").allowed


def test_the_external_id_condition_admits_the_request_that_carries_it_and_no_other():
    trust = _trust(_allow({"AWS": TEACHER}, {"StringEquals": {"sts:ExternalId": "course-2026"}}))

    assert evaluation.may_assume(trust, ROLE, WITH_ID).allowed
    without = evaluation.may_assume(trust, ROLE, WITHOUT_ID)
    assert not without.allowed
    assert "requires sts:ExternalId, which the request does not carry" in without.reason
    assert not evaluation.may_assume(trust, ROLE, (Fact("sts:ExternalId", "guess", "a guess"),)).allowed


@pytest.mark.parametrize("operator, values, met", [
    ("StringEquals", "x", False), ("StringLike", "*", False), ("ArnLike", "arn:aws:iam::*:*:*", False),
    ("StringNotEquals", "x", True), ("ArnNotLike", "arn:*:*:*:*:*", True),
    ("StringEqualsIfExists", "x", True), ("ForAllValues:StringEquals", "x", True),
    ("ForAnyValue:StringEquals", "x", False), ("Null", "true", True), ("Null", "false", False),
])
def test_a_key_the_request_does_not_carry_matches_as_iam_says(operator, values, met):
    verdict = evaluate({operator: {"sts:ExternalId": values}}, WITHOUT_ID)

    assert verdict.met is met, verdict.reason


def test_a_key_the_caller_knows_nothing_of_still_cannot_be_judged():
    assert evaluate({"StringEquals": {"aws:PrincipalTag/team": "x"}}, WITHOUT_ID).met is None


GRADER = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ecr:DescribeRepositories", "iam:GetRole"], "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::dev-pipeline-artifacts-*/*"}]}


@pytest.mark.parametrize("statement, beyond", [
    ({"Effect": "Allow", "Action": "ecr:DescribeRepositories", "Resource": "*"}, []),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::dev-pipeline-artifacts-1/*"},
     []),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, ["s3:GetObject on *"]),
    ({"Effect": "Allow", "Action": "ecr:Describe*", "Resource": "*"}, ["ecr:Describe* on *"]),
    ({"Effect": "Allow", "Action": "*", "Resource": "*"}, ["* on *"]),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, ["every action but iam:*"]),
    ({"Effect": "Deny", "Action": "*", "Resource": "*"}, []),
])
def test_not_granted_names_what_a_document_allows_beyond_the_other(statement, beyond):
    found = evaluation.not_granted({"role": {"Version": "2012-10-17", "Statement": [statement]}},
                                   {"grader": GRADER})

    assert [f.split(" (")[0].split(": ", 1)[-1] for f in found] == beyond
