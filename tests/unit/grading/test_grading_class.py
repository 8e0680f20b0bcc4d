"""Grading a class: the accounts file, one row per student whatever happens, the summary, exit codes."""

import csv
import io
import socket

import pytest
from botocore.stub import Stubber

from pipeline_harness import lab
from pipeline_harness.cli import main
from pipeline_harness.context import Context
from pipeline_harness.errors import ConfigError
from pipeline_harness.grading import classroom
from pipeline_harness.grading.classroom import Graded, Student
from pipeline_harness.report import Report
from pipeline_harness.settings import Settings
from pipeline_harness.steps.base import CheckResult
from pipeline_harness.targets import moto as moto_target
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Target

# one worker runs this module, so its module-scoped lab is made once, not once per worker
pytestmark = pytest.mark.xdist_group("grading-class")

ACCOUNT_A, ACCOUNT_B = "111122223333", "444455556666"
GOOD_FILE = f"""
[[student]]
name = "Ada Lovelace"
role_arn = "arn:aws:iam::{ACCOUNT_A}:role/lab-grader"
external_id = "course-2026"
repository = "ada-lovelace/my-ecs-php-app"
[student.names]
pipeline = "dev-php-pipeline"

[[student]]
name = "Bob"
profile = "bob"
"""


def _accounts(tmp_path, text: str):
    path = tmp_path / "class.toml"
    path.write_text(text)
    return path


def _role(account: str, name: str = "lab-grader") -> str:
    return f"arn:aws:iam::{account}:role/{name}"


# --- the accounts file ----------------------------------------------------------------------------

def test_the_accounts_file_gives_each_student_a_profile_or_a_role_and_their_own_names(tmp_path):
    students = classroom.read_accounts(_accounts(tmp_path, GOOD_FILE), Settings())

    assert students == [
        Student("Ada Lovelace", role_arn=_role(ACCOUNT_A), external_id="course-2026",
                repository="ada-lovelace/my-ecs-php-app", names={"pipeline": "dev-php-pipeline"}),
        Student("Bob", profile="bob"),
    ]
    assert [s.slug for s in students] == ["Ada-Lovelace", "Bob"]


@pytest.mark.parametrize("text, says", [
    ("[[student]\nname = 'x'", "is not valid TOML"),
    ("", "must hold [[student]] tables and nothing else"),
    ("pipeline = 'x'\n[[student]]\nname = 'a'\nprofile = 'p'", "must hold [[student]] tables"),
    ("[[student]]\nprofile = 'p'", "student #1 (no name): needs a name"),
    ("[[student]]\nname = 'a'", "student #1 (a): needs exactly one of profile or role_arn"),
    (f"[[student]]\nname = 'a'\nprofile = 'p'\nrole_arn = '{_role(ACCOUNT_A)}'",
     "needs exactly one of profile or role_arn"),
    ("[[student]]\nname = 'a'\nrole_arn = 'arn:aws:iam::12:role/x'", "is not an IAM role ARN"),
    ("[[student]]\nname = 'a'\nprofile = 'p'\nexternal_id = 'e'", "external_id goes with role_arn"),
    ("[[student]]\nname = 'a'\nprofile = 'p'\nrole = 'r'", "unknown key 'role'"),
    ("[[student]]\nname = 'a'\nprofile = ''", "profile must be non-empty text"),
    ("[[student]]\nname = 'a'\nprofile = 'p'\n[student.names]\ncluster_name = 'c'",
     "names.cluster_name is not a name setting"),
    ("[[student]]\nname = 'a'\nprofile = 'p'\n[student.names]\nregion = 'eu-west-1'",
     "names.region is not a name setting"),
    ("[[student]]\nname = 'a'\nprofile = 'p'\n[student.names]\npipeline = 3", "names.pipeline must be text"),
    ("[[student]]\nname = 'a'\nprofile = 'p'\nrepository = 'my-ecs-php-app'",
     "repository 'my-ecs-php-app' is not a GitHub owner/repo"),
    ("[[student]]\nname = 'a'\nprofile = 'p'\n[student.names]\ngithub_repository = 'a/b'",
     "names.github_repository is not a name setting"),
    ("[[student]]\nname = 'a'\nprofile = 'p'\n[[student]]\nname = 'a'\nprofile = 'q'",
     "two students share the name 'a'"),
    ("[[student]]\nname = 'a b'\nprofile = 'p'\n[[student]]\nname = 'a-b'\nprofile = 'q'",
     "two students share the file name 'a-b'"),
])
def test_a_broken_accounts_file_is_one_config_error_saying_what_is_wrong(tmp_path, text, says):
    with pytest.raises(ConfigError) as raised:
        classroom.read_accounts(_accounts(tmp_path, text), Settings())

    assert says in str(raised.value)
    assert str(raised.value).startswith(f"accounts file {tmp_path / 'class.toml'}")
    assert "\n" not in str(raised.value)


def test_a_missing_accounts_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"accounts file .*nothing\.toml does not exist"):
        classroom.read_accounts(tmp_path / "nothing.toml", Settings())


# --- one student's trouble is one row -------------------------------------------------------------

def test_a_role_the_base_credentials_may_not_assume_is_an_error_row_with_the_reason(stubbed_target):
    # given
    base = stubbed_target(name="aws")
    sts = base.client("sts")
    student = Student("Ada", role_arn=_role(ACCOUNT_A), external_id="course-2026")
    with Stubber(sts) as stub:
        stub.add_client_error("assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole",
                              expected_params={"RoleArn": _role(ACCOUNT_A), "ExternalId": "course-2026",
                                               "RoleSessionName": classroom.SESSION_NAME})

        # when
        graded = classroom.grade_student(student, Settings(), base)

    # then
    assert graded.status == "error" and graded.report is None
    assert graded.reason.startswith(f"cannot assume {_role(ACCOUNT_A)}: ")
    assert "AccessDenied" in graded.reason


@pytest.fixture
def aws_profiles(tmp_path, monkeypatch):
    """A config file with one usable profile, `bob`; every other profile name is unknown."""
    config = tmp_path / "aws-config"
    config.write_text("[profile bob]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


def _assumed(target: Target, account: str) -> Target:
    credentials = target.client("sts").assume_role(RoleArn=_role(account, "setup"),
                                                   RoleSessionName="setup")["Credentials"]
    return target.with_session(sessions.session(
        target.region, aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"]))


@pytest.fixture(scope="module")
def ada_lab(settings, target):
    """A lab in account A, the way moto's multi-account emulation routes an assumed role's keys."""
    if target.name != "moto":
        pytest.skip(f"assuming a role in any account is moto's multi-account emulation, not {target.name}'s")
    class_settings = settings.replace(prefix=f"{settings.prefix}cls-")
    ctx = Context(class_settings, _assumed(target, ACCOUNT_A))
    try:
        lab.provision(ctx)
        yield class_settings
    finally:
        lab.teardown(ctx)


@pytest.mark.integration
def test_a_student_with_broken_credentials_is_an_error_row_while_the_others_are_graded(
        target, ada_lab, aws_profiles):
    # given
    students = [Student("Ada", role_arn=_role(ACCOUNT_A)), Student("Cy", profile="cy"),
                Student("Bob", profile="bob"), Student("Dee", role_arn=_role(ACCOUNT_B))]

    # when
    graded = classroom.grade_class(students, ada_lab, target, jobs=2)

    # then
    assert [g.student.name for g in graded] == ["Ada", "Cy", "Bob", "Dee"]
    ada, cy, bob, dee = graded
    assert cy.status == "error" and cy.reason == "AWS profile 'cy' is not configured"
    assert ada.report.account == ACCOUNT_A and dee.report.account == ACCOUNT_B
    assert all(c.status in ("pass", "skip") for c in ada.report.checks if c.step < 7)
    assert dee.status == "fail" and "ecr.repository" in dee.reason
    assert bob.report is not None and bob.report.account not in (ACCOUNT_A, ACCOUNT_B)


@pytest.mark.integration
def test_a_students_own_names_are_the_ones_looked_for(target, ada_lab):
    # given: the file says Ada's pipeline is named otherwise than the one she built
    students = [Student("Ada", role_arn=_role(ACCOUNT_A), names={"pipeline": "dev-php-pipeline"})]

    # when
    [ada] = classroom.grade_class(students, ada_lab, target)

    # then
    exists = next(c for c in ada.report.checks if c.id == "pipeline.exists")
    assert exists.status == "fail"
    assert f"expected `{ada_lab.prefix}dev-php-pipeline`" in exists.message


# --- the summary ----------------------------------------------------------------------------------

def _report(*statuses: tuple[str, int, str]) -> Report:
    checks = [CheckResult(f"check-{n}", step, f"title {n}", status, int(status == "pass"), 1,
                          f"message {n}", "hint") for n, (status, step, _) in enumerate(statuses)]
    return Report("moto", ACCOUNT_A, "us-east-1", checks)


CLASS = [
    Graded(Student("Ada", profile="a"), report=_report(("pass", 1, ""), ("pass", 1, ""), ("fail", 3, ""))),
    Graded(Student("Bob | the second", profile="b"), error="AWS profile 'b' is not configured"),
    Graded(Student("Cy", profile="c"), report=_report(("pass", 1, ""), ("skip", 2, ""), ("pass", 7, ""))),
]


def test_the_class_summary_csv_has_score_per_step_per_student():
    rows = list(csv.DictReader(io.StringIO(classroom.as_csv(CLASS))))

    ada, bob, cy = rows
    assert (ada["status"], ada["score"], ada["max_score"]) == ("fail", "2", "3")
    assert (ada["step1"], ada["step1_max"], ada["step3"], ada["step3_max"]) == ("2", "2", "0", "1")
    assert ada["reason"] == "check-2"
    assert (bob["status"], bob["score"], bob["step1"]) == ("error", "", "")
    assert bob["reason"] == "AWS profile 'b' is not configured"
    assert (cy["status"], cy["step2"], cy["step2_max"], cy["step7"]) == ("pass", "0", "0", "1")


def test_the_class_summary_markdown_is_one_table_row_per_student():
    text = classroom.as_markdown(CLASS)

    assert "| Ada | 111122223333 | fail | 2/3 | — | 2/2 | — | 0/1 | — | — | — | — | check-2 |" in text
    assert "| Bob \\| the second | — | error | — | — | — | — | — | — | — | — | — | AWS profile" in text
    assert text.rstrip().endswith("3 students: 1 passed, 1 with checks to fix, 1 could not be graded fully")


def test_a_row_names_the_first_failed_checks_and_counts_the_rest():
    many = Graded(Student("Ann", profile="a"), report=_report(*[("fail", 1, "")] * 8))

    assert many.reason == "check-0, check-1, check-2, check-3, check-4 (+3 more)"


def test_reports_are_written_one_per_graded_student_plus_the_summary(tmp_path):
    written = classroom.write_reports(CLASS, "junit", tmp_path / "out")

    assert sorted(p.name for p in written) == ["Ada.xml", "Cy.xml", "class-summary.csv", "class-summary.md"]
    assert (tmp_path / "out" / "Ada.xml").read_text().startswith("<?xml")


def test_an_unwritable_output_dir_is_a_config_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")

    with pytest.raises(ConfigError, match=f"cannot write the reports into {blocker}/out"):
        classroom.write_reports(CLASS, "json", blocker / "out")


# --- the CLI --------------------------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_cli_a_broken_accounts_file_exits_2_before_touching_any_endpoint(tmp_path, capsys):
    accounts = _accounts(tmp_path, "[[student]]\nname = 'a'")
    unreachable = f"http://127.0.0.1:{_closed_port()}"

    code = main(["grade", "--endpoint-url", unreachable, "--accounts", str(accounts),
                 "--output-dir", str(tmp_path / "out")])

    assert code == 2
    assert "needs exactly one of profile or role_arn" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("options, says", [
    ([], "--accounts needs --output-dir DIR"),
    (["--output-dir", "out", "--jobs", "0"], "--jobs must be at least 1, not 0"),
    (["--output-dir", "out", "--repository", "ada/app"], "--repository is for one account"),
])
def test_cli_class_options_that_make_no_sense_exit_2(tmp_path, capsys, options, says):
    code = main(["grade", "--accounts", str(_accounts(tmp_path, GOOD_FILE)), *options])

    assert code == 2
    assert says in _one_line(capsys.readouterr().err)


def test_cli_a_repository_that_is_not_owner_repo_exits_2_before_touching_any_endpoint(capsys):
    code = main(["grade", "--endpoint-url", f"http://127.0.0.1:{_closed_port()}",
                 "--repository", "my-ecs-php-app"])

    assert code == 2
    assert "--repository must be a GitHub owner/repo, not 'my-ecs-php-app'" in _one_line(
        capsys.readouterr().err)


def test_cli_an_unreachable_base_target_exits_3(tmp_path, capsys):
    code = main(["grade", "--endpoint-url", f"http://127.0.0.1:{_closed_port()}",
                 "--accounts", str(_accounts(tmp_path, GOOD_FILE)), "--output-dir", str(tmp_path)])

    assert code == 3
    assert "does not answer" in _one_line(capsys.readouterr().err)


@pytest.fixture
def moto_server():
    server = moto_target.embedded("us-east-1")  # another server of this process, reached by its URL
    yield server.endpoint_url
    server.close()


def test_cli_exits_0_when_every_student_passes(tmp_path, moto_server, monkeypatch, capsys):
    # given: a grader that passes everyone — this test is about the CLI's wiring and exit code
    monkeypatch.setattr(classroom, "grade", lambda settings, target, repository=None, as_of=None: Report(
        target.name, target.account, target.region,
        [CheckResult("ecr.repository", 1, "ECR repository exists", "pass", 1, 1, "found it")]))
    accounts = _accounts(tmp_path, f"[[student]]\nname = 'Ada'\nrole_arn = '{_role(ACCOUNT_A)}'\n")

    # when
    code = main(["grade", "--endpoint-url", moto_server, "--accounts", str(accounts),
                 "--output-dir", str(tmp_path / "out"), "--format", "json"])

    # then
    assert code == 0
    assert "| Ada | 111122223333 | pass | 1/1 |" in capsys.readouterr().out
    assert (tmp_path / "out" / "Ada.json").exists()


@pytest.mark.integration
def test_cli_grades_a_class_on_an_external_server_one_report_each_and_exits_1(
        tmp_path, moto_server, aws_profiles, capsys):
    # given: Ada built the lab in account A; Dee's account B is empty; Cy's profile doesn't exist
    settings = Settings(prefix="ext-")
    ctx = Context(settings, _assumed(moto_target.external("us-east-1", moto_server), ACCOUNT_A))
    lab.provision(ctx)
    accounts = _accounts(tmp_path, f"""
[[student]]
name = "Ada"
role_arn = "{_role(ACCOUNT_A)}"
[[student]]
name = "Cy"
profile = "cy"
[[student]]
name = "Dee"
role_arn = "{_role(ACCOUNT_B)}"
""")

    # when
    code = main(["grade", "--endpoint-url", moto_server, "--prefix", "ext-", "--accounts", str(accounts),
                 "--output-dir", str(tmp_path / "out"), "--format", "markdown", "--jobs", "3"])

    # then
    assert code == 1
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["Ada.md", "Dee.md", "class-summary.csv",
                                                    "class-summary.md"]
    rows = {r["student"]: r for r in csv.DictReader((out / "class-summary.csv").open())}
    assert rows["Ada"]["account"] == ACCOUNT_A
    assert [rows["Ada"][f"step{n}"] == rows["Ada"][f"step{n}_max"] for n in range(1, 7)] == [True] * 6
    assert rows["Cy"]["status"] == "error" and "'cy' is not configured" in rows["Cy"]["reason"]
    assert rows["Dee"]["status"] == "fail" and rows["Dee"]["score"] == "0"
    assert "## Step 1: Create ECR Repository — 2/2 points" in (out / "Ada.md").read_text()
    assert capsys.readouterr().out == (out / "class-summary.md").read_text()
