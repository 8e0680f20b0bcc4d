"""The grader's role as infrastructure code a teacher deploys in every student account: a CloudFormation
template (as a StackSet, or one stack per account) and a Terraform configuration, derived from the
grader policy by `python -m pipeline_harness.iam.files --write` like the policy files beside them.

Both make one role (default name `lab-grader`) whose trust policy lets only the teacher's principal
— an account id, or the ARN of the teacher's grading role or user — call sts:AssumeRole, and only
with the external id (`StringEquals sts:ExternalId`, AWS's guard for a role a third party assumes),
and whose one inline policy is the grader policy, statement for statement. The role's ARN is their
output: the class roster's `role_arn`.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from pipeline_harness.core.aws_models import IAM_ROLE_NAME, STS_EXTERNAL_ID

ROLE_NAME = "lab-grader"  # the class roster's example: arn:aws:iam::<account>:role/lab-grader
INLINE_POLICY = "pipeline-harness-grader"
# what the teacher parameter accepts, as IAM does (the external id and role name: the APIs' models)
TEACHER_PATTERN = (r"^([0-9]{12}|arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(root|role/[\w+=,.@/-]+|"
                   r"user/[\w+=,.@/-]+))$")
TEACHER_HELP = ("The teacher's AWS account id (any of its principals that its own policies let assume "
                "roles), or the ARN of the teacher's grading role or user")
EXTERNAL_ID_HELP = "The external id the teacher gave the class; the grader passes it to sts:AssumeRole"
ROLE_HELP = "The role's name: the class roster's role_arn ends with it"
ROLE_ARN_HELP = "The class roster's role_arn for this account"
DESCRIPTION = ("Read-only role the lab's grader (pipeline-harness grade) assumes from the teacher's "
               "account, with an external id")
_HEADER = """\
{comment} The grader's read-only role, for every student account: the teacher's principal may assume
{comment} it, only with the external id; its one inline policy is the harness's grader policy.
{comment} Derived from pipeline_harness/iam/grader-policy.json: do not edit, run
{comment} `python -m pipeline_harness.iam.files --write` (docs/grading.md, "The grader's role").
"""


def trust_policy(teacher: Any, external_id: Any) -> dict:
    """The role's trust policy, with the teacher's principal and the external id as given (values
    or the template language's references to its parameters)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "TheTeachersGraderWithTheExternalId", "Effect": "Allow",
        "Principal": {"AWS": teacher}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}]}


def cloudformation(policy: dict) -> str:
    """The template, in YAML (long-form intrinsic functions, so any YAML reader takes it)."""
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": DESCRIPTION,
        "Parameters": {
            "TeacherPrincipal": {"Type": "String", "Description": TEACHER_HELP,
                                 "AllowedPattern": TEACHER_PATTERN},
            "ExternalId": {"Type": "String", "Description": EXTERNAL_ID_HELP,
                           "AllowedPattern": f"^{STS_EXTERNAL_ID.pattern}$",
                           "MinLength": STS_EXTERNAL_ID.min, "MaxLength": STS_EXTERNAL_ID.max},
            "RoleName": {"Type": "String", "Description": ROLE_HELP, "Default": ROLE_NAME,
                         "AllowedPattern": f"^{IAM_ROLE_NAME.pattern}$", "MaxLength": IAM_ROLE_NAME.max},
        },
        "Resources": {"GraderRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": {"Ref": "RoleName"},
            "Description": DESCRIPTION,
            "MaxSessionDuration": 3600,
            "AssumeRolePolicyDocument": trust_policy({"Ref": "TeacherPrincipal"}, {"Ref": "ExternalId"}),
            "Policies": [{"PolicyName": INLINE_POLICY, "PolicyDocument": policy}],
        }}},
        "Outputs": {"RoleArn": {"Description": ROLE_ARN_HELP,
                                "Value": {"Fn::GetAtt": ["GraderRole", "Arn"]}}},
    }
    body = yaml.safe_dump(template, sort_keys=False, width=100, allow_unicode=True)
    return _HEADER.format(comment="#") + body


def _quoted(value: Any) -> Any:
    """python-hcl2's dict form: a string literal carries its quotes; an expression is `${…}`."""
    if isinstance(value, str):
        if "${" in value or "%{" in value:  # HCL would read a template sequence in it
            raise ValueError(f"{value!r} would be an HCL template, not text")
        return json.dumps(value)
    if isinstance(value, list):
        return [_quoted(item) for item in value]
    if isinstance(value, dict):
        return {(key if key.isidentifier() else json.dumps(key)): _quoted(item)
                for key, item in value.items()}
    return value


def _block(**attributes: Any) -> dict:
    return {**attributes, "__is_block__": True}


def terraform(policy: dict) -> str:
    """The configuration, in HCL (written by python-hcl2 from its dict form)."""
    import hcl2  # derivation only (`iam.files --write`, the tests): python-hcl2 is a test extra

    teacher, external_id, role_name = "${var.teacher_principal}", "${var.external_id}", "${var.role_name}"
    trust = _quoted(trust_policy("TEACHER", "EXTERNAL_ID"))
    statement = trust["Statement"][0]
    statement["Principal"]["AWS"] = teacher
    statement["Condition"]["StringEquals"]['"sts:ExternalId"'] = external_id

    def variable(name: str, help_text: str, pattern: str, rule: str, **more: Any) -> dict:
        return _block(type="${string}", description=json.dumps(help_text), **more, validation=[_block(
            condition=f"${{can(regex({json.dumps(pattern)}, var.{name}))}}",
            error_message=json.dumps(f"The {name} must be {rule}."))])

    data = {
        "terraform": [_block(required_providers=[_block(aws=_quoted(
            {"source": "hashicorp/aws", "version": ">= 4.0"}))])],
        "variable": [
            {'"teacher_principal"': variable("teacher_principal", TEACHER_HELP, TEACHER_PATTERN,
                                             "a 12-digit account id or the ARN of an IAM role or user")},
            {'"external_id"': variable("external_id", EXTERNAL_ID_HELP, f"^{STS_EXTERNAL_ID.pattern}$",
                                       STS_EXTERNAL_ID.described)},
            {'"role_name"': variable("role_name", ROLE_HELP, f"^{IAM_ROLE_NAME.pattern}$",
                                     IAM_ROLE_NAME.described, default=json.dumps(ROLE_NAME))},
        ],
        "locals": [_block(grader_policy=_quoted(policy), trust_policy=trust)],
        "resource": [
            {'"aws_iam_role"': {'"grader"': _block(
                name=role_name, description=json.dumps(DESCRIPTION), max_session_duration=3600,
                assume_role_policy="${jsonencode(local.trust_policy)}")}},
            {'"aws_iam_role_policy"': {'"grader"': _block(
                name=json.dumps(INLINE_POLICY), role="${aws_iam_role.grader.id}",
                policy="${jsonencode(local.grader_policy)}")}},
        ],
        "output": [{'"role_arn"': _block(description=json.dumps(ROLE_ARN_HELP),
                                         value="${aws_iam_role.grader.arn}")}],
    }
    body = "\n".join(line.rstrip() for line in hcl2.dumps(data).splitlines()).strip() + "\n"
    return _HEADER.format(comment="#") + "\n" + body
