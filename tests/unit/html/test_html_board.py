"""The class board, rendered from the class summary's rows and the checks each row says its student
failed: a heat map of points per step, an error row apart, the most-failed checks counted (notes are
no failures), notes, a link per report — and, whatever a student's name, account, reason or report
file is called, only our page."""

from urllib.parse import quote, unquote

import pytest

from pipeline_harness.core import inert
from pipeline_harness.grading import classroom, summaries
from pipeline_harness.html import relative_href
from pipeline_harness.html.board import class_board, most_failed
from pipeline_harness.output.report import Report
from pipeline_harness.steps import TITLES
from pipeline_harness.steps.base import CheckResult
from tests.hostile_text import HOSTILE
from tests.html_pages import loads_nothing, parsed


def _report(account: str, failed: tuple[str, ...] = (), error: tuple[str, ...] = ()) -> Report:
    checks = [CheckResult("ecr.repository", 1, "ECR repository", "pass", 1, 1, "found it"),
              CheckResult("ecr.scan-on-push", 1, "Scan on push", "fail" if "ecr.scan-on-push" in failed
                          else "pass", 0 if "ecr.scan-on-push" in failed else 1, 1, "found False"),
              CheckResult("pipeline.source", 6, "Source", "fail" if "pipeline.source" in failed else
                          "error" if "pipeline.source" in error else "pass",
                          0 if failed or error else 1, 1, "branch"),
              CheckResult("connection.available", 2, "Connection", "skip", 0, 1, "skipped: moto")]
    return Report("moto", account, "eu-north-1", checks)


def _class(names=("Ada", "Grace", "Linus")) -> list[classroom.Graded]:
    ada, grace, linus = names
    return [classroom.Graded(classroom.Student(ada, profile="a"), report=_report("111111111111")),
            classroom.Graded(classroom.Student(grace, profile="g"), report=_report(
                "222222222222", failed=("ecr.scan-on-push", "pipeline.source"))),
            classroom.Graded(classroom.Student(linus, profile="l"),
                             error="AWS profile 'l' is not configured")]


def _failures(graded) -> dict:
    """What class-summary.json keeps of each student's failed checks."""
    return {row.student: row.failures for row in summaries.rows_of(graded)}


def _board(graded, notes=()):
    rows = summaries.summary_rows(summaries.rows_of(graded))
    files = {g.student.name: f"{g.student.slug}.md" for g in graded if g.report}
    return class_board(rows, failures=_failures(graded), report_files=files, notes=notes)


def test_the_board_colours_each_step_by_its_share_of_the_points_and_links_each_report():
    graded = _class()

    html = _board(graded)

    page = loads_nothing(html)
    styles = page.values("style")
    assert styles.count("background: hsl(120 65% 78%)") >= 4  # Ada's steps 1 and 6, Grace's step 3…
    assert "background: hsl(0 65% 78%)" in styles  # Grace's Step 6: 0 of 1
    assert "background: hsl(60 65% 78%)" in styles  # Grace's Step 1: 1 of 2
    assert page.values("href") == ["./Ada.md", "./Grace.md"]  # Linus has no report
    assert page.values("data-student") == ["Ada", "Grace", "Linus"]
    assert [t for t in page.values("title") if t in TITLES.values()] == list(TITLES.values())
    headings = [t for t in page.texts[page.texts.index("Score") + 1:page.texts.index("Reason")] if t.strip()]
    assert headings == ["Prerequisites", *(f"Step {n}" for n in range(1, 8))]


def test_a_student_who_could_not_be_graded_is_a_row_of_its_own_kind_with_the_reason():
    html = _board(_class())

    page = parsed(html)
    assert ("tr", ("class", "data-student")) in page.shape
    assert page.values("class").count("error") == 1  # Linus's row
    assert page.values("colspan") == [str(len(TITLES) + 1)]  # one "not graded" cell over score and steps
    assert "AWS profile 'l' is not configured" in page.text
    assert "3 students: 1 passed, 1 with checks to fix, 1 could not be graded fully" in page.text


def test_the_most_failed_checks_are_counted_per_check_across_the_class():
    graded = _class()
    graded.append(classroom.Graded(classroom.Student("Barbara", profile="b"),
                                   report=_report("333333333333", failed=("pipeline.source",))))
    graded.append(classroom.Graded(classroom.Student("Ken", profile="k"),
                                   report=_report("444444444444", error=("pipeline.source",))))

    failed = most_failed(_failures(graded))
    html = _board(graded)

    assert [(f.check, f.failed, f.errors) for f in failed] == [
        ("pipeline.source", ["Grace", "Barbara"], ["Ken"]), ("ecr.scan-on-push", ["Grace"], [])]
    assert failed[0].section == "Step 6: Create CodePipeline"
    assert parsed(html).values("data-check") == ["pipeline.source", "ecr.scan-on-push"]


def test_a_finding_worth_no_points_is_a_note_and_not_a_failed_check_on_the_board():
    note = CheckResult("source.lint", 5, "Buildspec lint", "fail", 0, 0, "a hint, no points")
    graded = [classroom.Graded(classroom.Student("Ada", profile="a"),
                               report=Report("moto", "1", "r", [*_report("1").checks, note]))]

    html = _board(graded)

    assert summaries.rows_of(graded)[0].failures == ()
    assert parsed(html).values("data-check") == []
    assert "No student failed a check." in parsed(html).text


def test_the_notes_are_shown_first_as_text():
    html = _board(_class(), notes=["Ada and Grace graded the same account 111111111111",
                                   "<b>same image</b> for Grace and Linus"])

    page = loads_nothing(html)
    assert page.text.index("Ada and Grace graded the same account") < page.text.index("Points per step")
    assert "<b>same image</b> for Grace and Linus" in page.text and ("b", ()) not in page.shape


def test_hostile_names_accounts_reasons_notes_and_file_names_are_text_and_the_page_keeps_its_shape():
    # given: a class whose every field holds every hostile string, and the same class named plainly
    benign, hostile = [], []
    for i, text in enumerate(h for h in HOSTILE if len(h) < 1000):
        for made, value in ((benign, f"plain {i}"), (hostile, f"{text} {i}")):
            report = _report(value, failed=("pipeline.source",))
            made += [classroom.Graded(classroom.Student(value, profile="p"), report=report),
                     classroom.Graded(classroom.Student(f"{value}!", profile="p"), error=value)]

    def board(graded):
        rows = summaries.summary_rows(summaries.rows_of(graded))
        return class_board(rows, failures=_failures(graded),
                           report_files={g.student.name: f"{g.student.name}.html" for g in graded},
                           notes=[g.student.name for g in graded[:4]])

    # when
    plain, html = board(benign), board(hostile)

    # then: the same elements and attributes, the hostile text shown as text, every link local
    page = loads_nothing(html)
    assert page.shape == parsed(plain).shape
    for graded in hostile:
        assert inert.html(graded.student.name) in page.values("data-student")
        assert inert.html(graded.student.name) in page.text
    assert len(page.values("href")) == len(hostile)  # a link per student, each to the same folder


def _in_the_folder(href: str) -> bool:
    """A link to a file of the page's folder: `./` and one segment, no scheme, and not only dots
    once percent-decoded as a browser decodes it (`.` and `..` are the folder and its parent)."""
    segment = href.removeprefix("./")
    one_file = href.startswith("./") and "/" not in segment and ":" not in href
    return one_file and unquote(segment).strip(".") != ""


def test_a_report_link_cannot_leave_the_boards_folder_whatever_the_file_is_called():
    for name in ("javascript:alert(1)", "//evil.example/x", "https://evil.example", "../../etc/passwd",
                 "a/b.html", "?q=1#x", "\\\\evil\\share", "data:text/html,<script>", "%2e%2e", ".%2E",
                 "..\n", ".html", "a.."):
        href = relative_href(name)

        assert _in_the_folder(href), href


@pytest.mark.parametrize("name", [".", "..", "...", "", "\x1b[0m..", "\u202e.."])
def test_a_name_that_would_link_the_folder_itself_or_its_parent_is_refused(name):
    assert not _in_the_folder("./" + quote(inert.html(name), safe=""))  # the link it made before

    with pytest.raises(ValueError, match="names no file in the page's folder"):
        relative_href(name)
