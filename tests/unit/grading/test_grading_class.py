"""Grading a class: the accounts file, one row per student whatever happens, the summary, exit codes."""

import _thread
import csv
import json
import socket
import threading
import time

import hostile_zips
import pytest
from botocore.stub import Stubber

from pipeline_harness.cli import main
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.grading import classroom
from pipeline_harness.grading import grade as grading_grade
from pipeline_harness.grading.classroom import Graded, Student
from pipeline_harness.output.report import Report
from pipeline_harness.session.lab import Lab
from pipeline_harness.settings import Settings
from pipeline_harness.steps.base import Check, CheckResult, exists
from pipeline_harness.targets import moto as moto_target
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Target
from tests.class_runs import written

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
    students = classroom.read_accounts(_accounts(tmp_path, GOOD_FILE))

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
    ("[[student]]\nname = 'Ada'\nprofile = 'p'\n[[student]]\nname = 'ada'\nprofile = 'q'",
     "two students share the file name 'ada'"),
])
def test_a_broken_accounts_file_is_one_config_error_saying_what_is_wrong(tmp_path, text, says):
    with pytest.raises(ConfigError) as raised:
        classroom.read_accounts(_accounts(tmp_path, text))

    assert says in str(raised.value)
    assert str(raised.value).startswith(f"accounts file {tmp_path / 'class.toml'}")
    assert "\n" not in str(raised.value)


def test_a_missing_accounts_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"accounts file .*nothing\.toml does not exist"):
        classroom.read_accounts(tmp_path / "nothing.toml")


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
    """A lab in account A, reached through a role assumed into it."""
    class_settings = settings.replace(prefix=f"{settings.prefix}cls-")
    with Lab(class_settings, _assumed(target, ACCOUNT_A)) as lab:
        lab.provision()
        yield class_settings


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


def test_the_class_summary_csv_has_score_per_step_per_student(tmp_path):
    written(CLASS, "json", tmp_path)

    rows = list(csv.DictReader((tmp_path / "class-summary.csv").open()))

    ada, bob, cy = rows
    assert (ada["status"], ada["score"], ada["max_score"]) == ("fail", "2", "3")
    assert (ada["step1"], ada["step1_max"], ada["step3"], ada["step3_max"]) == ("2", "2", "0", "1")
    assert ada["reason"] == "check-2"
    assert (bob["status"], bob["score"], bob["step1"]) == ("error", "", "")
    assert bob["reason"] == "AWS profile 'b' is not configured"
    assert (cy["status"], cy["step2"], cy["step2_max"], cy["step7"]) == ("pass", "0", "0", "1")


def test_the_class_summary_markdown_is_one_table_row_per_student(tmp_path):
    written(CLASS, "json", tmp_path)

    text = (tmp_path / "class-summary.md").read_text()

    assert ("| Ada | 111122223333 | us-east-1 | fail | 2/3 (66\\.7 %) | — | 2/2 | — | 0/1 | — | — | — | — "
            "| check-2; same AWS account 111122223333 as Cy |") in text
    assert "| Bob \\| the second | — | — | error | — | — | — | — | — | — | — | — | — | AWS profile" in text
    assert text.rstrip().endswith("3 students: 1 passed, 1 with checks to fix, 1 could not be graded fully; "
                                  "2 share an account, a commit or an image with another (noted, no points "
                                  "taken)")


def test_a_row_names_the_first_failed_checks_and_counts_the_rest():
    many = Graded(Student("Ann", profile="a"), report=_report(*[("fail", 1, "")] * 8))

    assert many.reason == "check-0, check-1, check-2, check-3, check-4 (+3 more)"


def test_reports_are_written_one_per_graded_student_plus_the_summary(tmp_path):
    paths = written(CLASS, "junit", tmp_path / "out")

    assert sorted(p.name for p in paths) == ["Ada.xml", "Cy.xml", "class-summary.csv", "class-summary.json",
                                               "class-summary.md", "index.html"]
    assert (tmp_path / "out" / "Ada.xml").read_text().startswith("<?xml")


def test_an_unwritable_output_dir_is_a_config_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")

    with pytest.raises(ConfigError, match=f"cannot write the reports into {blocker}/out"):
        written(CLASS, "json", blocker / "out")


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
    *((["--output-dir", "out", "--student-timeout", bad], f"--student-timeout must be a positive "
                                                          f"number of seconds, not {bad}")
      for bad in ("0", "-1", "nan", "inf")),
    (["--output-dir", "out", "--student-timeout", "soon"], "invalid float value: 'soon'"),
])
def test_cli_class_options_that_make_no_sense_exit_2(tmp_path, capsys, options, says):
    code = main(["grade", "--accounts", str(_accounts(tmp_path, GOOD_FILE)), *options])

    assert code == 2
    assert says in _one_line(capsys.readouterr().err)


def test_cli_a_student_timeout_for_one_account_exits_2(capsys):
    code = main(["grade", "--student-timeout", "60"])

    assert code == 2
    assert "--student-timeout is for a class (--accounts)" in _one_line(capsys.readouterr().err)


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


def test_cli_exits_0_when_every_student_passes(tmp_path, moto_server, monkeypatch, capsys):
    # given: a grader that passes everyone — this test is about the CLI's wiring and exit code
    monkeypatch.setattr(classroom, "grade", lambda settings, target, **options: Report(
        target.name, target.account, target.region,
        [CheckResult("ecr.repository", 1, "ECR repository exists", "pass", 1, 1, "found it")]))
    accounts = _accounts(tmp_path, f"[[student]]\nname = 'Ada'\nrole_arn = '{_role(ACCOUNT_A)}'\n")

    # when
    code = main(["grade", "--endpoint-url", moto_server, "--accounts", str(accounts),
                 "--output-dir", str(tmp_path / "out"), "--format", "json"])

    # then
    assert code == 0
    assert "| Ada | 111122223333 | us-east-1 | pass | 1/1 (100 %) |" in capsys.readouterr().out
    assert (tmp_path / "out" / "Ada.json").exists()


@pytest.mark.integration
def test_cli_grades_a_class_on_an_external_server_one_report_each_and_exits_1(
        tmp_path, moto_server, aws_profiles, capsys):
    # given: Ada built the lab in account A; Dee's account B is empty; Cy's profile doesn't exist
    settings = Settings(prefix="ext-")
    with Lab(settings, _assumed(moto_target.external("us-east-1", moto_server), ACCOUNT_A), keep=True) as lab:
        lab.provision()  # the server is the test's own: gone with it
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
                                                    "class-summary.json", "class-summary.md", "index.html"]
    rows = {r["student"]: r for r in csv.DictReader((out / "class-summary.csv").open())}
    assert rows["Ada"]["account"] == ACCOUNT_A
    assert [rows["Ada"][f"step{n}"] == rows["Ada"][f"step{n}_max"] for n in range(1, 7)] == [True] * 6
    assert rows["Cy"]["status"] == "error" and "'cy' is not configured" in rows["Cy"]["reason"]
    assert rows["Dee"]["status"] == "fail" and rows["Dee"]["score"] == "0"
    assert "## Step 1: Create ECR Repository — 2/2 points" in (out / "Ada.md").read_text()
    assert capsys.readouterr().out == (out / "class-summary.md").read_text()


# --- one student cannot hold, crash or empty the class run ----------------------------------------

# accounts of their own: another test of this module builds a lab in ACCOUNT_A
HELD, CALM, CRASHED = "777700000001", "777700000002", "777700000003"
CLASS_OF_THREE = "".join(f"[[student]]\nname = '{name}'\nrole_arn = '{_role(account)}'\n"
                         for name, account in (("Ada", HELD), ("Bob", CALM), ("Cy", CRASHED)))


def _nothing_renamed(ctx):
    return grading_grade.names.Resolution(ctx.settings)


def _graded_by(monkeypatch, read, resolve=_nothing_renamed):
    """Grade with one check, the ECR repository's, whose read is `read`, no search for near names
    and no look into other regions — so a student's grade takes a fraction of a second."""
    check = Check(id="ecr.repository", step=1, title="ECR repository exists", hint="create it", read=read,
                  judge=exists(lambda r: "it"))
    monkeypatch.setattr(grading_grade, "graded", lambda repository=None: (check,))
    monkeypatch.setattr(grading_grade.names, "resolve", resolve)
    monkeypatch.setattr(grading_grade.region, "diagnosis", lambda ctx: grading_grade.region.Diagnosis())


def _rows(out) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader((out / "class-summary.csv").open())}


def test_a_student_whose_read_never_ends_times_out_while_the_others_are_graded_and_reported(
        tmp_path, moto_server, monkeypatch, capsys, held_open):
    # given: Ada's account holds the grader's read open
    def read(ctx):
        if ctx.target.account == HELD:
            held_open.wait(timeout=30)
        return {"repositoryName": "my-ecs-php-app"}
    _graded_by(monkeypatch, read)
    out = tmp_path / "out"

    # when
    accounts = str(_accounts(tmp_path, CLASS_OF_THREE))
    code = main(["grade", "--endpoint-url", moto_server, "--accounts", accounts,
                 "--output-dir", str(out), "--format", "json", "--jobs", "3", "--student-timeout", "2"])

    # then: the run ended without her, the others graded and reported
    assert code == 1 and "Traceback" not in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["Bob.json", "Cy.json", "class-summary.csv",
                                                    "class-summary.json", "class-summary.md", "index.html"]
    rows = _rows(out)
    assert (rows["Ada"]["status"], rows["Ada"]["reason"]) == ("error", "timed out after 2 s")
    assert rows["Bob"]["status"] == rows["Cy"]["status"] == "pass"
    # ...and when her read does end, her late grade writes nothing and changes no row
    summary = (out / "class-summary.csv").read_text()
    held_open.set()
    for thread in threading.enumerate():
        if thread.name == "grade-Ada":
            thread.join(timeout=10)
    assert not (out / "Ada.json").exists() and (out / "class-summary.csv").read_text() == summary


def test_past_its_deadline_a_students_grade_starts_no_further_check(stubbed_target, monkeypatch):
    # given: a grade whose deadline has passed (its student's row already says timed out)
    started = []
    _graded_by(monkeypatch, started.append)

    # when / then
    with pytest.raises(grading_grade.TimedOut, match=r"the deadline passed before ecr\.repository"):
        grading_grade.grade(Settings(), stubbed_target(_account=HELD), deadline=time.monotonic() - 1)
    assert started == []


def test_an_exception_nobody_expected_outside_the_checks_is_that_students_row_only(
        tmp_path, moto_server, monkeypatch, capsys):
    # given: resolving Cy's names raises what no grader expects
    def crashing(ctx):
        if ctx.target.account == CRASHED:
            raise KeyError("pipeline")
        return _nothing_renamed(ctx)
    _graded_by(monkeypatch, lambda ctx: {"repositoryName": "my-ecs-php-app"}, resolve=crashing)
    out = tmp_path / "out"

    # when
    accounts = str(_accounts(tmp_path, CLASS_OF_THREE))
    code = main(["grade", "--endpoint-url", moto_server, "--accounts", accounts,
                 "--output-dir", str(out), "--format", "markdown"])

    # then
    assert code == 1 and capsys.readouterr().err == ""
    rows = _rows(out)
    assert (rows["Cy"]["status"], rows["Cy"]["reason"]) == ("error",
                                                            "could not be graded: KeyError: 'pipeline'")
    assert rows["Ada"]["status"] == rows["Bob"]["status"] == "pass"
    assert sorted(p.name for p in out.iterdir()) == ["Ada.md", "Bob.md", "class-summary.csv",
                                                    "class-summary.json", "class-summary.md", "index.html"]


def test_ctrl_c_during_a_class_keeps_the_finished_reports_and_the_output_dir(
        tmp_path, moto_server, monkeypatch, capsys, held_open):
    # given: one student at a time; while Bob is graded, the teacher presses Ctrl-C
    def read(ctx):
        if ctx.target.account == CALM:
            _thread.interrupt_main()
            held_open.wait(timeout=30)
        return {"repositoryName": "my-ecs-php-app"}
    _graded_by(monkeypatch, read)
    out = tmp_path / "new" / "out"

    # when
    accounts = str(_accounts(tmp_path, CLASS_OF_THREE))
    code = main(["grade", "--endpoint-url", moto_server, "--accounts", accounts,
                 "--output-dir", str(out), "--format", "junit", "--jobs", "1"])

    # then: Ada's report and the summary stay, Bob and Cy are rows saying they were not graded
    assert code == 130 and capsys.readouterr().err == "pipeline-harness: interrupted\n"
    assert sorted(p.name for p in out.iterdir()) == ["Ada.xml", "class-summary.csv", "class-summary.json",
                                                    "class-summary.md", "index.html"]
    rows = _rows(out)
    assert rows["Ada"]["status"] == "pass"
    assert rows["Bob"]["reason"] == rows["Cy"]["reason"] == classroom.NOT_GRADED


def test_a_failure_before_any_student_is_done_removes_only_the_folders_it_made(tmp_path, monkeypatch):
    # given: a base target that cannot be reached, and an output dir two folders deep
    def unreachable(settings):
        raise classroom.TargetUnreachable("nothing answers")
    monkeypatch.setattr(classroom, "open_target", unreachable)
    (tmp_path / "kept").mkdir()

    # when
    with pytest.raises(classroom.TargetUnreachable):
        classroom.run_class(Settings(), _accounts(tmp_path, GOOD_FILE), jobs=1, fmt="json",
                            output_dir=tmp_path / "kept" / "a" / "b")

    # then
    assert (tmp_path / "kept").is_dir() and not (tmp_path / "kept" / "a").exists()


EVE = "777700000004"


@pytest.fixture(scope="module")
def eve_lab(settings, target, ada_lab):
    """Account EVE: the lab as Ada's (same names), run once — and the Source artifact in her own
    bucket is hers to overwrite."""
    with Lab(ada_lab, _assumed(target, EVE)) as lab:
        lab.provision()
        ctx = lab.ctx
        ctx.client("codepipeline").start_pipeline_execution(name=ctx.names.pipeline)
        key = f"{ctx.names.pipeline[:20]}/SourceArti/overwritten"
        yield lambda data: ctx.client("s3").put_object(Bucket=ctx.names.artifact_bucket, Key=key, Body=data)


BUILDSPEC = b"version: 0.2\nphases:\n  build:\n    commands:\n      - make\n"


@pytest.mark.integration
@pytest.mark.parametrize("entry, says", [
    (hostile_zips.Entry(b"buildspec.yml", BUILDSPEC, crc=1),
     "BadZipFile: Bad CRC-32 for file 'buildspec.yml'"),
    (hostile_zips.Entry(b"buildspec.yml", BUILDSPEC, flags=hostile_zips.ENCRYPTED), "is encrypted"),
    (hostile_zips.Entry(b"buildspec.yml", BUILDSPEC, method=99), "compressed with zip method 99"),
    (hostile_zips.Entry(b"buildspec\xff.yml", BUILDSPEC, flags=hostile_zips.UTF8_NAME),
     "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff"),
], ids=["bad-crc", "encrypted", "method-99", "name-not-utf8"])
def test_an_artifact_overwritten_with_a_broken_zip_skips_its_source_checks_and_the_class_is_graded(
        tmp_path, moto_server, ada_lab, eve_lab, capsys, entry, says):
    # given: Eve put a zip of her own making where CodePipeline left her source
    eve_lab(hostile_zips.archive([entry]))
    accounts = _accounts(tmp_path, f"[[student]]\nname = 'Ada'\nrole_arn = '{_role(ACCOUNT_A)}'\n"
                                   f"[[student]]\nname = 'Eve'\nrole_arn = '{_role(EVE)}'\n")
    out = tmp_path / "out"

    # when
    code = main(["grade", "--endpoint-url", moto_server, "--prefix", ada_lab.prefix, "--accounts",
                 str(accounts), "--output-dir", str(out), "--format", "json"])

    # then: a verdict, not a crash; both graded and reported; Eve's source checks say why not
    assert code == 1 and capsys.readouterr().err == ""
    assert sorted(p.name for p in out.iterdir()) == ["Ada.json", "Eve.json", "class-summary.csv",
                                                    "class-summary.json", "class-summary.md", "index.html"]
    eve = {c["id"]: c for c in json.loads((out / "Eve.json").read_text())["checks"]}
    for check in ("source.buildspec", "source.lint", "source.image-definitions"):
        assert eve[check]["status"] == "skip" and says in eve[check]["message"]
    assert eve["pipeline.exists"]["status"] == "pass"
    ada = json.loads((out / "Ada.json").read_text())["checks"]
    assert all(c["status"] in ("pass", "skip") for c in ada if c["step"] < 7)


# --- one account through its role; the options of a class and of one account -----------------------

@pytest.mark.parametrize("options, says", [
    (["--external-id", "course-2026"], "--external-id goes with --role-arn"),
    (["--gradebook", "canvas"], "--gradebook is for a class (--accounts)"),
    (["--assignment", "Lab 3"], "--assignment names the --gradebook column"),
    (["--role-arn", "arn:aws:iam::12:role/x"], "--role-arn 'arn:aws:iam::12:role/x' is not an IAM role ARN"),
    (["--role-arn", _role(ACCOUNT_A), "--external-id", "x"], "--external-id must be 2 to 1,224"),
    (["--format", "gradescope", "--gradebook", "moodle"], "--gradebook is for a class"),
])
def test_cli_one_account_options_that_make_no_sense_exit_2_before_any_call(capsys, options, says):
    code = main(["grade", "--endpoint-url", f"http://127.0.0.1:{_closed_port()}", *options])

    assert code == 2
    assert says in _one_line(capsys.readouterr().err)


def test_cli_a_format_only_grade_writes_is_refused_by_the_other_verbs(capsys):
    code = main(["lint", "--format", "gradescope"])

    assert code == 2
    assert "lint: argument --format: invalid choice: 'gradescope'" in _one_line(capsys.readouterr().err)


def test_cli_class_options_for_one_account_are_refused_with_a_class(tmp_path, capsys):
    code = main(["grade", "--accounts", str(_accounts(tmp_path, GOOD_FILE)), "--output-dir", "out",
                 "--role-arn", _role(ACCOUNT_A)])

    assert code == 2
    assert "--role-arn is for one account; with --accounts give each student's role_arn" in _one_line(
        capsys.readouterr().err)


def test_cli_grades_one_account_through_the_role_a_student_submitted(moto_server, monkeypatch, capsys):
    # given: the role is assumed with the base credentials, with its external id
    assumed = []

    def grading(settings, target, **options):
        assumed.append(target.account)
        return Report(target.name, target.account, target.region,
                      [CheckResult("ecr.repository", 1, "ECR repository exists", "pass", 1, 1, "found it")],
                      student=options["student"])
    monkeypatch.setattr("pipeline_harness.cli.grade.grade", grading)

    # when
    code = main(["grade", "--endpoint-url", moto_server, "--role-arn", _role(ACCOUNT_B), "--external-id",
                 "course-2026", "--student", "Ada Lovelace", "--format", "gradescope"])

    # then
    results = json.loads(capsys.readouterr().out)
    assert code == 0 and assumed == [ACCOUNT_B]
    assert (results["extra_data"]["student"], results["extra_data"]["account"]) == ("Ada Lovelace", ACCOUNT_B)
    assert results["score"] == 1.0
