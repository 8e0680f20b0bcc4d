"""The accounts file and --output-dir: what used to be a traceback, or accepted and costly, is refused."""

import pytest

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.grading import classroom
from pipeline_harness.grading.classroom import Student
from pipeline_harness.settings import Settings

ROLE = "arn:aws:iam::111122223333:role/lab-grader"


def _accounts(tmp_path, text: str):
    path = tmp_path / "class.toml"
    path.write_text(text)
    return path


def _refused(tmp_path, text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        classroom.read_accounts(_accounts(tmp_path, text))
    message = str(raised.value)
    assert message.startswith(f"accounts file {tmp_path / 'class.toml'}") and "\n" not in message
    return message


@pytest.mark.parametrize("text, says", [
    ('student = ["a", "b"]\n', "student #1 must be a [[student]] table"),
    ("student = [1]\n", "student #1 must be a [[student]] table"),
    ("student = [[1, 2]]\n", "student #1 must be a [[student]] table"),
    ('student = [{name = "a", profile = "p"}, "b"]\n', "student #2 must be a [[student]] table"),
])
def test_a_student_entry_that_is_not_a_table_is_refused_by_number(tmp_path, text, says):
    assert says in _refused(tmp_path, text)


@pytest.mark.parametrize("arn", [
    "arn:aws:iam::١١١١٢٢٢٢٣٣٣٣:role/lab-grader",   # Arabic-Indic digits
    "arn:aws-bogus:iam::111122223333:role/lab-grader",
    "arn:awsx:iam::111122223333:role/lab-grader",
    "arn:aws:iam::111122223333:role/lab-grädér",
    "arn:aws:iam::111122223333:role/" + "r" * 65,
    "arn:aws:iam::111122223333:role/" + "r" * 3000,
    "arn:aws:iam::111122223333:role/" + "p/" * 300 + "r",
    "arn:aws:iam::111122223333:role/",
    "arn:aws:iam::111122223333:role/a b",
    "arn:aws:iam::111122223333:role/path//name",
    "arn:aws:iam::111122223333:role/name/",
    "arn:aws:iam::11112222333:role/lab-grader",
    "arn:aws:iam::111122223333:user/lab-grader",
])
def test_a_role_arn_iam_would_not_have_is_refused(tmp_path, arn):
    assert "is not an IAM role ARN" in _refused(tmp_path, f"[[student]]\nname = 'a'\nrole_arn = '{arn}'\n")


@pytest.mark.parametrize("arn", [
    ROLE,
    "arn:aws-cn:iam::111122223333:role/lab-grader",
    "arn:aws-us-gov:iam::111122223333:role/lab-grader",
    "arn:aws:iam::111122223333:role/course/2026/lab+grader=,.@_-",
    "arn:aws:iam::111122223333:role/" + "r" * 64,
])
def test_a_role_arn_of_iam_s_shape_is_accepted(tmp_path, arn):
    [student] = classroom.read_accounts(_accounts(tmp_path, f"[[student]]\nname = 'a'\nrole_arn = '{arn}'\n"))

    assert student.role_arn == arn


@pytest.mark.parametrize("names, says", [
    ("pipeline = ''", "names.pipeline must be a non-empty name"),
    ("cluster = '   '", "names.cluster must be a non-empty name"),
    ("artifact_bucket = 'b-{foo}'", "artifact_bucket may use only the placeholder {account_id}"),
    ("artifact_bucket = 'b-{account_id:>99999999999}'", "artifact_bucket may use only"),
    ("log_group = '/g/{codebuild_project.__class__}'", "log_group may use only the placeholder"),
    ("log_group = '/g/{0}'", "log_group may use only the placeholder {codebuild_project}"),
    ("log_group = '/g/x{'", "log_group may use only"),
])
def test_student_names_that_are_empty_or_bad_templates_are_refused(tmp_path, names, says):
    message = _refused(tmp_path, f"[[student]]\nname = 'a'\nprofile = 'p'\n[student.names]\n{names}\n")

    assert "student #1 (a)" in message and says in message


def test_a_student_template_with_its_placeholder_is_kept(tmp_path):
    text = "[[student]]\nname = 'a'\nprofile = 'p'\n[student.names]\nlog_group = '/lab/{codebuild_project}'\n"

    [student] = classroom.read_accounts(_accounts(tmp_path, text))

    assert student.names == {"log_group": "/lab/{codebuild_project}"}


# --- --output-dir is checked before anyone is graded ----------------------------------------------

STUDENTS = [Student("Ada", profile="ada")]


@pytest.fixture
def no_grading(monkeypatch):
    """Grading is never reached: the output dir must be refused first."""
    def refuse(*args, **kwargs):
        raise AssertionError("the output dir was not checked before grading")

    monkeypatch.setattr(classroom, "open_target", refuse)
    monkeypatch.setattr(classroom, "grade_class", refuse)


@pytest.mark.parametrize("where", ["file", "file/below", "/dev/full", "/proc/pipeline-harness-x",
                                   "report-folder"])
def test_an_output_dir_that_cannot_hold_the_reports_is_refused_before_grading(tmp_path, no_grading, where):
    # given
    (tmp_path / "file").write_text("not a folder")
    (tmp_path / "report-folder" / "Ada.txt").mkdir(parents=True)  # where Ada's report would go
    accounts = _accounts(tmp_path, "[[student]]\nname = 'Ada'\nprofile = 'ada'\n")
    directory = where if where.startswith("/") else str(tmp_path / where)

    # when / then
    with pytest.raises(ConfigError, match="--output-dir"):
        classroom.run_class(Settings(), accounts, jobs=1, fmt="table", output_dir=directory)


def test_a_missing_output_dir_is_made_before_grading_and_removed_if_grading_cannot_start(tmp_path,
                                                                                          monkeypatch):
    # given
    seen = []

    def unreachable(settings):
        seen.append((tmp_path / "a" / "b").is_dir())
        raise classroom.TargetUnreachable("nothing answers")

    monkeypatch.setattr(classroom, "open_target", unreachable)
    accounts = _accounts(tmp_path, "[[student]]\nname = 'Ada'\nprofile = 'ada'\n")

    # when
    with pytest.raises(classroom.TargetUnreachable):
        classroom.run_class(Settings(), accounts, jobs=1, fmt="table", output_dir=tmp_path / "a" / "b")

    # then
    assert seen == [True]
    assert not (tmp_path / "a").exists()


def test_prepare_output_dir_leaves_no_probe_behind(tmp_path):
    made = classroom.prepare_output_dir(tmp_path / "out", STUDENTS, "json")

    assert made == [tmp_path / "out"]
    assert list((tmp_path / "out").iterdir()) == []


# --- the keys a gradebook needs, and the student's region ----------------------------------------

GRADEBOOK_ENTRY = """[[student]]
name = 'Ada'
role_arn = 'arn:aws:iam::111122223333:role/lab-grader'
region = 'eu-west-1'
id = '1001'
email = 'ada@school.example'
section = 'Lab A'
sis_id = 'S0001'
"""


def test_a_roster_entry_takes_its_region_and_the_keys_a_gradebook_maps(tmp_path):
    [student] = classroom.read_accounts(_accounts(tmp_path, GRADEBOOK_ENTRY))

    assert (student.region, student.id, student.email, student.section, student.sis_id) == (
        "eu-west-1", "1001", "ada@school.example", "Lab A", "S0001")
    assert student.account == "111122223333"


@pytest.mark.parametrize("line, says", [
    ("email = 'ada'", "email 'ada' is not an e-mail address"),
    ("email = 'ada@school'", "is not an e-mail address"),
    ("email = 'a da@school.example'", "is not an e-mail address"),
    ("email = 'a@b@school.example'", "is not an e-mail address"),
    ("email = ''", "email must be non-empty text"),
    ("id = 1001", 'id must be non-empty text (quote a number: id = "12345")'),
    ("sis_id = '   '", "sis_id must be non-empty text"),
    (f"section = '{'x' * 257}'", "section is 257 characters long; at most 256"),
    ("region = 'Europe'", "region must look like us-east-1 or eu-north-1, not 'Europe'"),
    ("region = 'cn-north-1'", "region cn-north-1 is in the aws-cn partition"),
])
def test_a_gradebook_key_or_region_that_is_not_what_it_says_is_refused_by_student(tmp_path, line, says):
    message = _refused(tmp_path, f"[[student]]\nname = 'a'\nprofile = 'p'\n{line}\n")

    assert "student #1 (a)" in message and says in message


def test_the_moodle_gradebook_is_refused_before_grading_when_a_student_has_no_field_moodle_maps(
        tmp_path, no_grading):
    accounts = _accounts(tmp_path, GRADEBOOK_ENTRY + "[[student]]\nname = 'Bob'\nprofile = 'bob'\n")

    with pytest.raises(ConfigError, match=r"--gradebook moodle needs a user field Moodle maps on every "
                                          r"student: .*Bob has no email and no sis_id"):
        classroom.run_class(Settings(), accounts, jobs=1, fmt="json", output_dir=tmp_path / "out",
                            gradebook="moodle")
    assert not (tmp_path / "out").exists()


def test_a_regrade_of_a_student_the_roster_does_not_name_is_refused_before_grading(tmp_path, no_grading):
    with pytest.raises(ConfigError, match="--student 'Eve' is not in the accounts file; its students: Ada"):
        classroom.run_class(Settings(), _accounts(tmp_path, GRADEBOOK_ENTRY), jobs=1, fmt="json",
                            output_dir=tmp_path / "out", only="Eve")


def test_a_regrade_with_no_class_summary_to_merge_into_is_refused_before_grading(tmp_path, no_grading):
    with pytest.raises(ConfigError, match=r"--student merges into the class summary in .*class-summary\.json "
                                          r"is missing"):
        classroom.run_class(Settings(), _accounts(tmp_path, GRADEBOOK_ENTRY), jobs=1, fmt="json",
                            output_dir=tmp_path / "out", only="Ada")


def test_a_class_summary_json_that_is_not_ours_is_refused_before_grading(tmp_path, no_grading):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "class-summary.json").write_text('{"students": [{"student": 1}]}')

    with pytest.raises(ConfigError, match="is not a class summary pipeline-harness wrote"):
        classroom.run_class(Settings(), _accounts(tmp_path, GRADEBOOK_ENTRY), jobs=1, fmt="json",
                            output_dir=tmp_path / "out", only="Ada")
