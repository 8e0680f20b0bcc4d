"""What a class run leaves in its folder beside the reports: the class board (index.html) linking
the reports it wrote, a report file name the file system takes whatever the student is called, and
no student whose report would overwrite one of the run's own files; a student's report as a page."""

import pytest

from pipeline_harness.cli import main
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.grading import classroom
from pipeline_harness.grading.graded import Graded
from pipeline_harness.grading.roster import MAX_SLUG, Student
from pipeline_harness.html.board import INDEX
from pipeline_harness.output.report import CheckResult, Report
from tests.class_runs import written
from tests.html_pages import loads_nothing

ACCOUNT = "111122223333"


def _report(*failed: str) -> Report:
    checks = [CheckResult("ecr.repository", 1, "ECR repository exists", "pass", 1, 1, "found it"),
              *(CheckResult(check, 1, check, "fail", 0, 1, "not so", "fix it") for check in failed)]
    return Report("moto", ACCOUNT, "us-east-1", checks)


def _board(folder):
    return loads_nothing((folder / INDEX).read_text(), folder=folder.as_uri() + "/")


def test_the_board_links_each_report_the_run_wrote_and_counts_their_failed_checks(tmp_path):
    graded = [Graded(Student("Ada", profile="a"), report=_report()),
              Graded(Student("Bob", profile="b"), report=_report("ecr.scan-on-push")),
              Graded(Student("Cy", profile="c"), error="AWS profile 'c' is not configured")]

    written(graded, "markdown", tmp_path)

    board = _board(tmp_path)
    assert board.values("href") == ["./Ada.md", "./Bob.md"]
    assert board.values("data-check") == ["ecr.scan-on-push"]


def test_a_student_not_graded_this_time_is_not_linked_to_the_report_an_earlier_run_left(tmp_path):
    # given: last week's run left Bob's report; today his account cannot be read
    (tmp_path / "Bob.md").write_text("# Lab grade: 30/32\n")
    graded = [Graded(Student("Ada", profile="a"), report=_report()),
              Graded(Student("Bob", profile="b"), error="AWS profile 'b' is not configured")]

    written(graded, "markdown", tmp_path)

    assert _board(tmp_path).values("href") == ["./Ada.md"]


@pytest.mark.parametrize("name", ["Ada " * 100, "x" * 300 + ".....", "Ada-" + "é" * 400])
def test_a_name_longer_than_a_file_name_may_be_still_gets_its_report_written(tmp_path, name):
    graded = [Graded(Student(name, profile="a"), report=_report())]

    report = written(graded, "markdown", tmp_path)[0]

    assert report.is_file() and report.read_text().startswith("# Lab grade: ")
    assert len(report.stem) <= MAX_SLUG and not report.stem.endswith(("-", "."))
    assert _board(tmp_path).values("href") == [f"./{report.name}"]


@pytest.mark.parametrize(("name", "fmt"), [("index", "html"), ("INDEX", "html"),
                                           ("class-summary", "json"), ("Class-Summary", "markdown")])
def test_a_student_whose_report_would_be_one_of_the_runs_own_files_is_refused_before_grading(
        tmp_path, name, fmt):
    students = [Student("Ada", profile="a"), Student(name, profile="b")]

    with pytest.raises(ConfigError, match=f"student '{name}': the report would be .*, a file of the class "
                                          "run's own"):
        classroom.prepare_output_dir(tmp_path / "out", students, fmt)
    assert not (tmp_path / "out").exists()


def test_cli_a_class_with_a_student_called_index_and_html_reports_exits_2_before_any_call(tmp_path, capsys):
    accounts = tmp_path / "class.toml"
    accounts.write_text("[[student]]\nname = 'index'\nprofile = 'a'\n")

    code = main(["grade", "--endpoint-url", "http://127.0.0.1:9", "--accounts", str(accounts),
                 "--output-dir", str(tmp_path / "out"), "--format", "html"])

    err = capsys.readouterr().err
    assert code == 2 and "a file of the class run's own" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_grade_format_html_prints_the_students_report_as_one_page(moto_server, monkeypatch, capsys):
    def grading(settings, target, **options):
        return _report("ecr.scan-on-push")
    monkeypatch.setattr("pipeline_harness.cli.grade.grade", grading)

    code = main(["grade", "--endpoint-url", moto_server, "--format", "html"])

    page = loads_nothing(capsys.readouterr().out)
    assert code == 1
    assert page.values("data-check") == ["ecr.scan-on-push", "ecr.repository"]  # what to fix first
    assert "fix it" in page.text
