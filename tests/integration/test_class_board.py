"""The class board of a class graded on the emulator: two labs typed with the AWS CLI (one correct,
one with the tutorial's mistakes), a student whose account cannot be read, and one whose name and
every free-text field are hostile — rendered as index.html beside their reports and opened in
headless Chromium: each student's name and score on the board, their report a link away in the
same folder, the most-failed checks counted, no request leaving the page, no console error."""

import dataclasses

import aws_cli_lab
import pytest
from aws_cli_lab import CORRECT, REGION
from student_lab import fresh_account

from pipeline_harness.core import inert
from pipeline_harness.grading import classroom, summaries
from pipeline_harness.html.board import INDEX, most_failed
from pipeline_harness.settings import Settings
from tests.browser import on_one_worker, open_page, without_csp
from tests.class_runs import written
from tests.html_pages import loads_nothing

# the whole module on the browser's worker: the class is typed and graded once
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("whole_lab_served"), on_one_worker]

SETTINGS = Settings(region=REGION)
MISTAKES = dict(scan_on_push=False, branch="master", privileged=False)
# a hostile name short enough for a file name (the class run names each report after its student)
HOSTILE_NAME = ("\x1b]52;c;cGk=\x07\x1b[2J<img src=x onerror=alert(1)> [click](https://evil.example) "
                "\u202eevil\u202c\n# Lab grade: 34/34 \x00\x9b2J")


@pytest.fixture(scope="module")
def graded(target, tmp_path_factory):
    """The class, graded as a teacher's run grades it (roles assumed from the base target)."""
    labs = {}
    for name, lab in (("Ada Lovelace", CORRECT), ("Grace Hopper", dataclasses.replace(CORRECT, **MISTAKES))):
        account = fresh_account(target)
        labs[name] = aws_cli_lab.build(account, tmp_path_factory.mktemp("cli"), lab).account
    students = [classroom.Student(name, role_arn=f"arn:aws:iam::{account}:role/lab-grader")
                for name, account in labs.items()]
    students += [classroom.Student("Linus", profile="no-such-profile-for-the-board"),
                 classroom.Student(HOSTILE_NAME,
                                   role_arn=f"arn:aws:iam::{labs['Grace Hopper']}:role/lab-grader")]
    return classroom.grade_class(students, SETTINGS, aws_cli_lab.in_region(target, REGION))


def _words(text: str) -> list[str]:
    """Text as a browser lays it out: white space collapsed."""
    return text.split()


def _write_board(graded, folder):
    """What the class run leaves in its folder: a Markdown report per graded student, the summaries
    and index.html."""
    written(graded, "markdown", folder)
    return folder / INDEX


def test_the_board_of_a_graded_class_counts_the_mistakes_across_it(graded, tmp_path):
    ada, grace, linus, hostile = graded

    index = _write_board(graded, tmp_path)

    page = loads_nothing(index.read_text(), folder=tmp_path.as_uri() + "/")
    assert (ada.status, grace.status, linus.status, hostile.status) == ("pass", "fail", "error", "fail")
    failed = sorted(c.id for c in grace.report.checks if c.status == "fail")
    assert failed == ["codebuild.privileged", "ecr.scan-on-push", "pipeline.source"]  # the three mistakes
    # the hostile student was graded in Grace's account: each of her mistakes counted twice
    counted = most_failed({row.student: row.failures for row in summaries.rows_of(graded)})
    assert [(f.check, f.failed) for f in counted] == [(check, [grace.student.name, hostile.student.name])
                                                      for check in failed]
    assert page.values("data-check") == failed
    assert page.values("href") == [f"./{g.student.slug}.md" for g in (ada, grace, hostile)]


def test_the_board_in_chromium_shows_every_students_name_and_score_and_loads_nothing(
        graded, tmp_path, chromium):
    # given: the class run's notes quote the hostile name (graded in Grace's account)
    notes = summaries.note_lines(summaries.rows_of(graded))
    index = _write_board(graded, tmp_path)

    # when
    opened = open_page(chromium, index, screenshot="class-board")
    bare = open_page(chromium, without_csp(index, tmp_path))

    # then: nothing asked for but the page, nothing complained of
    assert opened.requests == [opened.url] and bare.requests == [bare.url]
    assert opened.console_errors == [] and bare.console_errors == []
    rows = opened.page.locator("table.board tbody tr")
    assert rows.count() == len(graded)
    for number, one in enumerate(graded):
        row = rows.nth(number)
        assert _words(row.locator("td.student").inner_text()) == _words(inert.html(one.student.name))
        if one.report is None:
            assert row.locator("td.unread").inner_text() == "not graded"
            assert one.error[:40] in row.locator("td.reason").inner_text()
        else:
            assert row.locator("td.score").inner_text() == f"{one.report.score}/{one.report.max_score}"
            link = row.locator("td.student a")
            href = link.evaluate("a => a.href")  # as the browser resolves it: a file beside the board
            assert href == (tmp_path / f"{one.student.slug}.md").as_uri()
            assert (tmp_path / f"{one.student.slug}.md").read_text().startswith("# Lab grade: ")
    # the hostile student's text made no element: one table, one list of notes, no script, no image
    assert opened.page.locator("script, img, iframe, object, a:not(td.student a)").count() == 0
    assert notes and opened.page.locator("ul.notes li").count() == len(notes)
    shown = opened.page.locator("ul.notes li").all_inner_texts()
    assert [_words(li) for li in shown] == [_words(inert.html(note)) for note in notes]
