"""A Condition element judged against the keys the grader knows, by IAM's rules for each operator
(IAM JSON policy elements: Condition operators; multivalued context keys)."""

import pytest

from pipeline_harness.iam.conditions import Fact, evaluate

ACCOUNT = "123456789012"
PROJECT = f"arn:aws:codebuild:eu-north-1:{ACCOUNT}:project/dev-php-app-build"
FACTS = (Fact("aws:SourceAccount", ACCOUNT, "the graded account"),
         Fact("aws:SourceArn", PROJECT, "the graded project"))


def met(condition: dict) -> bool | None:
    return evaluate(condition, FACTS).met


# --- string operators -----------------------------------------------------------------------------

@pytest.mark.parametrize(("operator", "value", "expected"), [
    ("StringEquals", ACCOUNT, True),
    ("StringEquals", "999999999999", False),
    ("StringNotEquals", ACCOUNT, False),
    ("StringNotEquals", "999999999999", True),
    ("StringLike", "1234*", True),
    ("StringLike", "12345678901?", True),
    ("StringLike", "9*", False),
    ("StringNotLike", "9*", True),
    ("StringNotLike", "*", False),
])
def test_each_string_operator_compares_the_graded_account(operator, value, expected):
    assert met({operator: {"aws:SourceAccount": value}}) is expected


def test_string_equals_is_case_sensitive_and_the_ignore_case_operators_are_not():
    # given the project ARN with its name in capitals
    shouted = PROJECT.replace("dev-php-app-build", "DEV-PHP-APP-BUILD")

    # when / then
    assert met({"StringEquals": {"aws:SourceArn": shouted}}) is False
    assert met({"StringEqualsIgnoreCase": {"aws:SourceArn": shouted}}) is True
    assert met({"StringNotEqualsIgnoreCase": {"aws:SourceArn": shouted}}) is False
    assert met({"StringLike": {"aws:SourceArn": shouted.replace("BUILD", "*")}}) is False


def test_condition_key_names_are_case_insensitive_as_the_condition_page_says():
    assert met({"StringEquals": {"AWS:SOURCEACCOUNT": ACCOUNT}}) is True
    assert met({"StringEquals": {"aws:sourceaccount": "999999999999"}}) is False


def test_a_json_number_is_the_account_id_as_iam_reads_it():
    assert met({"StringEquals": {"aws:SourceAccount": int(ACCOUNT)}}) is True


def test_a_star_in_string_equals_is_no_wildcard():
    assert met({"StringEquals": {"aws:SourceAccount": "*"}}) is False


# --- ARN operators --------------------------------------------------------------------------------

@pytest.mark.parametrize("operator", ["ArnEquals", "ArnLike"])
def test_arn_equals_and_arn_like_behave_identically_with_wildcards_in_each_component(operator):
    assert met({operator: {"aws:SourceArn": f"arn:aws:codebuild:*:{ACCOUNT}:project/*"}}) is True
    assert met({operator: {"aws:SourceArn": PROJECT}}) is True
    assert met({operator: {"aws:SourceArn": f"arn:aws:codebuild:*:{ACCOUNT}:project/other"}}) is False
    assert met({operator: {"aws:SourceArn": "arn:aws:codebuild:*:999999999999:project/*"}}) is False


@pytest.mark.parametrize("operator", ["ArnNotEquals", "ArnNotLike"])
def test_the_negated_arn_operators_hold_for_any_other_arn(operator):
    assert met({operator: {"aws:SourceArn": f"arn:aws:codebuild:*:{ACCOUNT}:project/other"}}) is True
    assert met({operator: {"aws:SourceArn": f"arn:aws:codebuild:*:{ACCOUNT}:project/*"}}) is False


def test_arn_like_keeps_a_star_inside_its_component_where_string_like_runs_on_as_the_arn_section_shows():
    # given the page's pattern and request value: StringLike matches, ArnLike does not
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    facts = (Fact("aws:SourceArn", value, "the request's ARN"),)

    # when / then
    assert evaluate({"StringLike": {"aws:SourceArn": pattern}}, facts).met is True
    assert evaluate({"ArnLike": {"aws:SourceArn": pattern}}, facts).met is False


def test_an_arn_pattern_of_fewer_than_six_components_cannot_be_judged():
    verdict = evaluate({"ArnLike": {"aws:SourceArn": "arn:aws:codebuild:*"}}, FACTS)

    assert verdict.met is None
    assert "an ARN pattern without six components" in verdict.reason


def test_an_arn_operator_never_matches_a_value_that_is_not_an_arn():
    assert met({"ArnLike": {"aws:SourceAccount": "arn:aws:iam::*:root"}}) is False


# --- values, keys and blocks ----------------------------------------------------------------------

def test_a_key_matches_any_of_its_values_and_a_negated_operator_none_of_them():
    # given the graded account among others
    accounts = ["999999999999", ACCOUNT]

    # when / then
    assert met({"StringEquals": {"aws:SourceAccount": accounts}}) is True
    assert met({"StringNotEquals": {"aws:SourceAccount": accounts}}) is False
    assert met({"StringNotEquals": {"aws:SourceAccount": ["999999999999", "888888888888"]}}) is True


def test_every_key_and_every_operator_must_hold():
    condition = {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                 "ArnLike": {"aws:SourceArn": f"arn:aws:codebuild:*:{ACCOUNT}:project/other"}}

    verdict = evaluate(condition, FACTS)

    assert verdict.met is False
    assert verdict.reason == (f"its Condition aws:SourceArn is like `arn:aws:codebuild:*:{ACCOUNT}:project/"
                              f"other`, not the graded project `{PROJECT}`")


def test_a_failed_key_says_what_the_policy_wants_and_what_the_lab_holds():
    verdict = evaluate({"StringEquals": {"aws:SourceAccount": "999999999999"}}, FACTS)

    assert verdict.reason == ("its Condition aws:SourceAccount is `999999999999`, not the graded account "
                              f"`{ACCOUNT}`")


def test_a_met_condition_says_why():
    verdict = evaluate({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, FACTS)

    assert verdict.reason == f"aws:SourceAccount is `{ACCOUNT}`, and the graded account is `{ACCOUNT}`"


@pytest.mark.parametrize("prefix", ["ForAnyValue:", "ForAllValues:"])
def test_set_operators_on_a_single_valued_key_compare_its_one_value(prefix):
    assert met({f"{prefix}StringEquals": {"aws:SourceAccount": [ACCOUNT]}}) is True
    assert met({f"{prefix}StringEquals": {"aws:SourceAccount": ["999999999999"]}}) is False
    assert met({f"{prefix}ArnLike": {"aws:SourceArn": [f"arn:aws:codebuild:*:{ACCOUNT}:project/*"]}}) is True


def test_if_exists_judges_a_key_the_service_sets_like_its_plain_operator():
    assert met({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}) is True
    assert met({"StringEqualsIfExists": {"aws:SourceAccount": "999999999999"}}) is False
    assert met({"ArnLikeIfExists": {"aws:SourceArn": PROJECT}}) is True


def test_null_false_asks_for_the_key_the_service_sets_and_null_true_for_its_absence():
    assert met({"Null": {"aws:SourceArn": "false"}}) is True
    assert met({"Null": {"aws:SourceArn": False}}) is True
    verdict = evaluate({"Null": {"aws:SourceArn": "true"}}, FACTS)
    assert verdict.met is False
    assert "requires the key to be absent" in verdict.reason


def test_no_condition_holds():
    assert evaluate(None, FACTS).met is True
    assert evaluate({}, FACTS).met is True


# --- what the grader cannot judge ----------------------------------------------------------------

def test_a_key_the_grader_does_not_know_cannot_be_judged_and_says_so():
    verdict = evaluate({"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}, FACTS)

    assert verdict.met is None
    assert verdict.reason == ("its Condition on aws:SourceOrgID depends on a value the grader does not "
                              "know (it knows aws:SourceAccount, aws:SourceArn, which the service sets "
                              "from the graded lab)")


@pytest.mark.parametrize("operator", ["NumericEquals", "DateGreaterThan", "Bool", "IpAddress",
                                      "BinaryEquals", "StringEqualsTypo"])
def test_an_operator_not_evaluated_here_cannot_be_judged(operator):
    verdict = evaluate({operator: {"aws:SourceAccount": ACCOUNT}}, FACTS)

    assert verdict.met is None
    assert f"operator {operator} is not one the grader evaluates" in verdict.reason


def test_a_policy_variable_in_a_value_cannot_be_judged():
    pattern = "arn:aws:codebuild:*:${aws:PrincipalAccount}:project/*"

    verdict = evaluate({"ArnLike": {"aws:SourceArn": pattern}}, FACTS)

    assert verdict.met is None and "policy variable" in verdict.reason


@pytest.mark.parametrize("condition", [["StringEquals"], {"StringEquals": "aws:SourceAccount"},
                                       {"StringEquals": {"aws:SourceAccount": {"nested": ACCOUNT}}},
                                       {"StringEquals": {"aws:SourceAccount": []}}])
def test_a_malformed_condition_cannot_be_judged(condition):
    assert evaluate(condition, FACTS).met is None


def test_a_false_key_decides_even_beside_one_that_cannot_be_judged():
    condition = {"StringEquals": {"aws:SourceAccount": "999999999999", "aws:SourceOrgID": "o-a1b2c3d4e5"}}

    verdict = evaluate(condition, FACTS)

    assert verdict.met is False and "not the graded account" in verdict.reason


def test_long_and_many_policy_values_are_cut_in_the_message():
    # given five values, one of them 5,000 characters long
    values = ["a" * 5000, "b", "c", "d", "e"]

    # when
    verdict = evaluate({"StringEquals": {"aws:SourceAccount": values}}, FACTS)

    # then
    assert verdict.met is False
    assert len(verdict.reason) < 300 and "or 1 more" in verdict.reason
