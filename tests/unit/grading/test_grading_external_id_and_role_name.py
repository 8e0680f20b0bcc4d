"""The external id and the grader role's name are each one rule, read from the AWS models (STS
AssumeRole's ExternalId, IAM CreateRole's RoleName) and matched in ASCII as the services do: the
roster (`grade --role-arn`), the student's `grader-role check` and the role's templates accept and
refuse the same values."""

import re
import socket

import pytest
import yaml

from pipeline_harness.cli import main
from pipeline_harness.core.aws_models import Parameter
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.grading import grader_role, roster
from pipeline_harness.iam import files as policy_files

TEACHER = "111122223333"
ROLE = f"arn:aws:iam::{TEACHER}:role/lab-grader"
# what STS refuses: another script's letters and digits, a blank, too short, too long
REFUSED_IDS = ["élève-2026", "course-２０２６", "١٢٣٤٥", "course 2026", "x", "a" * 1225, "id;rm"]
TAKEN_IDS = ["course-2026", "ab", "a" * 1224, "A_b+c=d,e.f@g:h/i-j"]
REFUSED_NAMES = ["lab-grädér", "lab grader", "r" * 65, "lab:grader", ""]
TAKEN_NAMES = ["lab-grader", "r" * 64, "Lab_Grader+=,.@-1"]


def _cfn_parameters() -> dict:
    return yaml.safe_load((policy_files.POLICIES_DIR / "grader-role.cfn.yaml").read_text())["Parameters"]


def _cfn_takes(parameter: dict, value: str) -> bool:
    """CloudFormation's AllowedPattern is a Java regular expression: its `\\w` is ASCII."""
    within = parameter.get("MinLength", 0) <= len(value) <= parameter["MaxLength"]
    return within and re.fullmatch(parameter["AllowedPattern"], value, re.ASCII) is not None


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("external_id", REFUSED_IDS)
def test_an_external_id_sts_refuses_is_refused_by_the_grader_role_check(external_id):
    with pytest.raises(ConfigError, match=r"--external-id must be 2 to 1,224 ASCII letters, digits or "
                                          r"_\+=,\.@:/- \(STS's rule\)"):
        grader_role.check_options(TEACHER, external_id, "lab-grader")


@pytest.mark.parametrize("external_id", REFUSED_IDS)
def test_an_external_id_sts_refuses_is_refused_by_the_roster(external_id):
    with pytest.raises(ConfigError, match="--external-id must be 2 to 1,224 ASCII letters"):
        roster.role_student(ROLE, external_id, "Ada")


@pytest.mark.parametrize("external_id", REFUSED_IDS)
def test_an_external_id_sts_refuses_is_refused_when_the_accounts_file_is_read(tmp_path, external_id):
    # given
    path = tmp_path / "class.toml"
    path.write_text(f"[[student]]\nname = 'Ada'\nrole_arn = '{ROLE}'\nexternal_id = '{external_id}'\n")

    # then: before anyone is graded, not by STS at Ada's turn
    with pytest.raises(ConfigError, match=r"student #1 \(Ada\): external_id must be 2 to 1,224 ASCII "):
        roster.read_accounts(path)


@pytest.mark.parametrize("external_id", REFUSED_IDS)
def test_an_external_id_sts_refuses_is_refused_by_the_cloudformation_template(external_id):
    assert not _cfn_takes(_cfn_parameters()["ExternalId"], external_id)


@pytest.mark.parametrize("external_id", TAKEN_IDS)
def test_an_external_id_sts_takes_is_taken_by_the_check_the_roster_and_the_template(tmp_path, external_id):
    grader_role.check_options(TEACHER, external_id, "lab-grader")

    assert roster.role_student(ROLE, external_id, "Ada").external_id == external_id
    path = tmp_path / "class.toml"
    path.write_text(f"[[student]]\nname = 'Ada'\nrole_arn = '{ROLE}'\nexternal_id = '{external_id}'\n")
    assert [s.external_id for s in roster.read_accounts(path)] == [external_id]
    assert _cfn_takes(_cfn_parameters()["ExternalId"], external_id)


def test_the_grader_role_check_cli_refuses_a_non_ascii_external_id_with_one_line_before_any_call(capsys):
    # given: an endpoint that answers nothing (a call would be exit 3)
    endpoint = f"http://127.0.0.1:{_closed_port()}"

    # when
    code = main(["grader-role", "check", "--endpoint-url", endpoint, "--teacher-account", TEACHER,
                 "--external-id", "élève-2026"])

    # then
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "--external-id must be 2 to 1,224 ASCII letters" in err
    assert "'élève-2026'" in err


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_a_role_name_iam_refuses_is_refused_by_the_check_the_roster_and_the_template(name):
    with pytest.raises(ConfigError, match=r"--role-name must be an IAM role name \(1 to 64 ASCII letters"):
        grader_role.check_options(TEACHER, None, name)
    with pytest.raises(ConfigError, match="is not an IAM role ARN"):
        roster.role_student(f"arn:aws:iam::{TEACHER}:role/{name}", None, "Ada")
    assert not _cfn_takes(_cfn_parameters()["RoleName"], name)


@pytest.mark.parametrize("name", TAKEN_NAMES)
def test_a_role_name_iam_takes_is_taken_by_the_check_the_roster_and_the_template(name):
    grader_role.check_options(TEACHER, None, name)

    assert roster.role_student(f"arn:aws:iam::{TEACHER}:role/{name}", None, "Ada").role_arn.endswith(name)
    assert _cfn_takes(_cfn_parameters()["RoleName"], name)


def test_a_model_pattern_that_is_no_one_character_class_is_refused_not_guessed():
    # given: IAM's role path, `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)` in its model
    path = Parameter("iam", "CreateRole", "Path")

    # then
    with pytest.raises(ValueError, match=r"iam CreateRole's Path: the model's pattern .* is no one "):
        _ = path.pattern
