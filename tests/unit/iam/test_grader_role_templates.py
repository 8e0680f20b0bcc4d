"""The grader's role templates: the CloudFormation template passes cfn-lint, the Terraform parses with
python-hcl2, both are what the derivation writes, and both grant exactly the grader policy the
registry derives — to the teacher's principal only, and only with the external id, as the one trust
evaluator judges it."""

import json
import re

import hcl2
import pytest
import yaml
from cfnlint.api import ManualArgs, lint

from pipeline_harness import iam as iam_policies
from pipeline_harness.iam import evaluation, role_templates
from pipeline_harness.iam import files as policy_files
from pipeline_harness.iam.conditions import Fact

CFN, TF = (policy_files.POLICIES_DIR / name for name, _ in policy_files.GRADER_ROLE_TEMPLATES.values())
GRADER = json.loads((policy_files.POLICIES_DIR / policy_files.GRADER).read_text())
TEACHER, EXTERNAL_ID = "111122223333", "course-2026"
REGIONS = ["us-east-1", "eu-north-1"]


def _cfn() -> dict:
    return yaml.safe_load(CFN.read_text())


def _tf() -> dict:
    unquoted = hcl2.SerializationOptions(strip_string_quotes=True)
    return hcl2.loads(TF.read_text(), serialization_options=unquoted)


def _resolved(value, references: dict):
    """The document with the template's references to its inputs replaced by their values."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return references[value["Ref"]]
        return {key: _resolved(item, references) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolved(item, references) for item in value]
    return references.get(value, value) if isinstance(value, str) else value


def _allowed(trust: dict, principal: str, external_id: str | None) -> bool:
    facts = (Fact("sts:ExternalId", external_id, "the external id"),
             Fact("aws:PrincipalAccount", principal.split(":")[4], "its account"))
    return evaluation.may_assume(trust, principal, facts).allowed


@pytest.mark.parametrize("filename", [CFN.name, TF.name])
def test_each_template_is_what_the_derivation_writes(filename):
    assert (policy_files.POLICIES_DIR / filename).read_text() == policy_files.derived_templates()[filename], (
        "run `python -m pipeline_harness.iam.files --write`")


def test_the_cloudformation_template_passes_cfn_lint():
    matches = lint(CFN.read_text(), config=ManualArgs(regions=REGIONS))

    assert [str(m) for m in matches] == []


def test_cfn_lint_finds_a_mistake_in_a_broken_copy_of_the_template():
    broken = CFN.read_text().replace("MaxSessionDuration: 3600", "MaxSessionDuration: 90000").replace(
        "Type: AWS::IAM::Role", "Type: AWS::IAM::Rol")

    matches = lint(broken, config=ManualArgs(regions=REGIONS))

    assert {m.rule.id for m in matches} >= {"E3006"}  # the resource type does not exist


def test_the_cloudformation_role_grants_exactly_the_grader_policy_and_nothing_else():
    template = _cfn()

    (role,) = template["Resources"].values()

    assert role["Type"] == "AWS::IAM::Role"
    properties = role["Properties"]
    assert properties["Policies"] == [{"PolicyName": role_templates.INLINE_POLICY, "PolicyDocument": GRADER}]
    assert not {"ManagedPolicyArns", "PermissionsBoundary"} & set(properties)
    assert iam_policies.grants(properties["Policies"][0]["PolicyDocument"]) == iam_policies.grants(GRADER)
    assert template["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["GraderRole", "Arn"]}


def test_the_terraform_parses_and_its_role_grants_exactly_the_grader_policy_and_nothing_else():
    config = _tf()

    (local,) = config["locals"]
    resources = {(kind, name): body for block in config["resource"] for kind, named in block.items()
                 for name, body in named.items()}

    assert local["grader_policy"] == GRADER
    assert set(resources) == {("aws_iam_role", "grader"), ("aws_iam_role_policy", "grader")}
    assert resources[("aws_iam_role_policy", "grader")]["policy"] == "${jsonencode(local.grader_policy)}"
    assert resources[("aws_iam_role_policy", "grader")]["role"] == "${aws_iam_role.grader.id}"
    assert not {"managed_policy_arns", "inline_policy", "permissions_boundary"} & set(
        resources[("aws_iam_role", "grader")])
    assert resources[("aws_iam_role", "grader")]["assume_role_policy"] == "${jsonencode(local.trust_policy)}"
    variables = {v for block in config["variable"] for v in block}
    assert variables == {"teacher_principal", "external_id", "role_name"}


@pytest.mark.parametrize("language", ["cloudformation", "terraform"])
def test_the_trust_admits_the_teachers_principal_only_with_the_external_id(language):
    # given: the template's trust policy with the teacher's account and the class's external id
    if language == "cloudformation":
        raw = _cfn()["Resources"]["GraderRole"]["Properties"]["AssumeRolePolicyDocument"]
        trust = _resolved(raw, {"TeacherPrincipal": TEACHER, "ExternalId": EXTERNAL_ID})
    else:
        raw = _tf()["locals"][0]["trust_policy"]
        trust = _resolved(raw, {"${var.teacher_principal}": TEACHER, "${var.external_id}": EXTERNAL_ID})
    teacher = f"arn:aws:iam::{TEACHER}:role/grading"

    # then
    assert _allowed(trust, teacher, EXTERNAL_ID)
    assert not _allowed(trust, teacher, None)
    assert not _allowed(trust, teacher, "another-course")
    assert not _allowed(trust, "arn:aws:iam::444455556666:root", EXTERNAL_ID)
    assert not evaluation.may_assume(trust, "codebuild.amazonaws.com", ()).allowed
    assert trust == role_templates.trust_policy(TEACHER, EXTERNAL_ID)


def test_both_templates_refuse_a_teacher_that_is_no_account_or_principal_arn():
    pattern = _cfn()["Parameters"]["TeacherPrincipal"]["AllowedPattern"]
    teacher = next(b["teacher_principal"] for b in _tf()["variable"] if "teacher_principal" in b)
    (validation,) = teacher["validation"]

    assert pattern == role_templates.TEACHER_PATTERN and json.dumps(pattern) in validation["condition"]
    for good in (TEACHER, f"arn:aws:iam::{TEACHER}:root", f"arn:aws:iam::{TEACHER}:role/course/grader"):
        assert re.fullmatch(pattern, good)
    for bad in ("*", "11112222333", f"arn:aws:iam::{TEACHER}:group/x", "arn:aws:iam::*:root"):
        assert not re.fullmatch(pattern, bad)
