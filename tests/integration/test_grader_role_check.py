"""`pipeline-harness grader-role check`, as a student runs it on their own account: the role made
through the IAM API in an account of its own on the emulator — as the CloudFormation template makes
it, and with each single mistake a student makes by hand — costs exactly the finding that mistake
is, with what to fix; with the student's credentials, read-only."""

import json

import pytest
import yaml
from student_lab import as_the_environment

from pipeline_harness import iam as iam_policies
from pipeline_harness.cli import main
from pipeline_harness.grading import grader_role
from pipeline_harness.grading.guard import read_only
from pipeline_harness.iam import calls, role_templates
from pipeline_harness.iam import files as policy_files

pytestmark = pytest.mark.integration

TEACHER, EXTERNAL_ID = "111122223333", "course-2026"
GRADER = iam_policies.document(policy_files.GRADER)
TRUST = role_templates.trust_policy(TEACHER, EXTERNAL_ID)
EVERY = ("grader-role.exists", "grader-role.trust", "grader-role.external-id", "grader-role.trust-others",
         "grader-role.permissions", "grader-role.least-privilege")


def _from_the_template() -> tuple[dict, list[tuple[str, dict]]]:
    """The trust policy and inline policies CloudFormation makes from the template, its parameters
    set to the teacher's account and the class's external id (moto's CloudFormation stores an
    inline policy as a Python repr, not JSON: the role is made through IAM's API instead)."""
    template = yaml.safe_load((policy_files.POLICIES_DIR / "grader-role.cfn.yaml").read_text())
    properties = template["Resources"]["GraderRole"]["Properties"]
    values = {"TeacherPrincipal": TEACHER, "ExternalId": EXTERNAL_ID}
    trust = json.loads(json.dumps(properties["AssumeRolePolicyDocument"]).replace(
        '{"Ref": "TeacherPrincipal"}', json.dumps(values["TeacherPrincipal"])).replace(
        '{"Ref": "ExternalId"}', json.dumps(values["ExternalId"])))
    return trust, [(p["PolicyName"], p["PolicyDocument"]) for p in properties["Policies"]]


def _role(account, trust=None, inline=None, managed=(), name=grader_role.ROLE_NAME) -> None:
    template_trust, template_inline = _from_the_template()
    iam = account.client("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust or template_trust))
    for policy, document in (template_inline if inline is None else inline):
        iam.put_role_policy(RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(document))
    for arn in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)


def _statuses(results) -> dict[str, str]:
    return {r.id: r.status for r in results}


def _without(document: dict, sid: str) -> dict:
    return {**document, "Statement": [s for s in document["Statement"] if s["Sid"] != sid]}


def test_the_role_the_template_makes_passes_every_finding(new_account):
    account = new_account()
    _role(account)

    student = read_only(account)
    results = grader_role.check(student, TEACHER, EXTERNAL_ID)

    assert _statuses(results) == dict.fromkeys(EVERY, "pass")
    assert results[0].message.startswith(f"found `arn:aws:iam::{account.account}:role/lab-grader`")
    assert "with the external id `course-2026` may assume it (any of its principals" in results[1].message
    granted = len(iam_policies.grants(GRADER))
    assert results[4].message.startswith(f"all {granted} of the grader policy's grants")
    assert set(student.calls) == {"iam.GetRole", "iam.ListRolePolicies", "iam.GetRolePolicy",
                                  "iam.ListAttachedRolePolicies"}  # reads only: nothing is attached
    assert {f"iam:{call.split('.')[1]}" for call in student.calls} <= set(calls.reads(grader_role))


def _trust(**statement) -> dict:
    return {"Version": "2012-10-17", "Statement": [{**TRUST["Statement"][0], **statement}]}


DENY_ARTIFACTS = {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]}
# mistake -> (how the role is made, the findings it costs, words of what to fix)
MISTAKES = {
    "no role at all": (None, {"grader-role.exists"}, "make the role from the harness's template"),
    "trusts another account": (dict(trust=_trust(Principal={"AWS": "444455556666"})),
                               {"grader-role.trust", "grader-role.trust-others"}, "Principal {\"AWS\": "),
    "no external id in the trust": (dict(trust=_trust(Condition={})), {"grader-role.external-id"},
                                    "add the Condition StringEquals sts:ExternalId `course-2026`"),
    "another external id": (dict(trust=_trust(Condition={"StringEquals": {"sts:ExternalId": "other"}})),
                            {"grader-role.trust"}, "under the Condition StringEquals sts:ExternalId"),
    "every principal with the external id": (dict(trust=_trust(Principal="*")), {"grader-role.trust-others"},
                                             "remove every principal but your teacher's account"),
    "a service trusted too": (dict(trust={**TRUST, "Statement": [*TRUST["Statement"], {
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        {"grader-role.trust-others"}, "remove every principal but"),
    "a read left out": (dict(inline=[("grader", _without(GRADER, "Step7AndTheChecksOwnReads"))]),
                        {"grader-role.permissions"}, "give the role the grader policy"),
    "objects of every bucket": (dict(inline=[("grader", {**GRADER, "Statement": [
        *GRADER["Statement"][:-1], {**GRADER["Statement"][-1], "Resource": "*"}]})]),
        {"grader-role.least-privilege"}, "remove every other policy"),
    "ReadOnlyAccess attached too": (dict(managed=["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
                                    {"grader-role.least-privilege"}, "remove every other policy"),
    "a Deny of the artifacts": (dict(inline=[("grader", GRADER), ("deny", DENY_ARTIFACTS)]),
                                {"grader-role.permissions"}, "give the role the grader policy"),
}


@pytest.mark.parametrize("mistake", MISTAKES, ids=list(MISTAKES))
def test_a_mistake_in_the_role_costs_exactly_its_finding_with_what_to_fix(new_account, mistake):
    # given
    made, expected, fix = MISTAKES[mistake]
    account = new_account()
    if made is not None:
        _role(account, **made)

    # when
    results = grader_role.check(read_only(account), TEACHER, EXTERNAL_ID)

    # then
    failed = {r.id for r in results if r.status == "fail"}
    assert failed == expected
    assert all(r.status in ("pass", "skip") for r in results if r.id not in expected)
    assert fix in " ".join(r.hint for r in results if r.id in expected)


def test_a_role_that_trusts_only_the_teachers_grading_role_passes_and_says_so(new_account):
    account = new_account()
    grading = f"arn:aws:iam::{TEACHER}:role/course/grading"
    _role(account, trust=_trust(Principal={"AWS": grading}))

    results = grader_role.check(read_only(account), TEACHER, EXTERNAL_ID)

    assert _statuses(results) == dict.fromkeys(EVERY, "pass")
    assert f"as `{grading}` only: your teacher must grade from that role" in results[1].message


def test_checked_without_the_external_id_the_trust_says_to_give_it(new_account):
    account = new_account()
    _role(account)

    results = grader_role.check(read_only(account), TEACHER)

    assert _statuses(results)["grader-role.trust"] == "fail"
    assert _statuses(results)["grader-role.external-id"] == "skip"
    assert "run this again with the --external-id your teacher gave" in results[1].hint


def test_the_command_prints_one_line_per_finding_and_exits_0_then_1_after_a_mistake(
        new_account, monkeypatch, capsys):
    # given: the student's own credentials, as their shell has them
    account = new_account()
    options = as_the_environment(account, monkeypatch)
    _role(account)
    check = ["grader-role", "check", *options, "--teacher-account", TEACHER, "--external-id", EXTERNAL_ID]

    # when
    good = main(check)
    table = capsys.readouterr().out
    account.client("iam").attach_role_policy(RoleName="lab-grader",
                                             PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    bad = main([*check, "--format", "json"])
    data = json.loads(capsys.readouterr().out)

    # then
    assert (good, bad) == (0, 1)
    marked = [line.split()[:2] for line in table.splitlines() if line.split()[:1] in (["PASS"], ["FAIL"])]
    assert marked == [["PASS", c] for c in EVERY]
    assert {c["id"]: c["status"] for c in data["checks"]}["grader-role.least-privilege"] == "fail"
    assert data["account"] == account.account


@pytest.mark.parametrize("option, value, says", [
    ("--teacher-account", "1234", "--teacher-account must be a 12-digit AWS account id"),
    ("--external-id", "x", "--external-id must be 2 to 1,224"),
    ("--role-name", "lab grader", "--role-name must be an IAM role name"),
])
def test_a_bad_option_is_one_line_and_exit_2_before_any_call(capsys, option, value, says):
    argv = {"--teacher-account": TEACHER, "--external-id": EXTERNAL_ID, "--role-name": "lab-grader",
            option: value}

    code = main(["grader-role", "check", "--endpoint-url", "http://127.0.0.1:9",
                 *[part for pair in argv.items() for part in pair]])

    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and says in err


def test_each_template_is_printed_as_shipped(capsys):
    for language, (filename, _) in policy_files.GRADER_ROLE_TEMPLATES.items():
        assert main(["grader-role", "template", language]) == 0
        assert capsys.readouterr().out == (policy_files.POLICIES_DIR / filename).read_text()
