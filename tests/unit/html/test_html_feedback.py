"""A student's report as a page (`--format html`): whom, where and when it graded and the execution it
rests on, the score apart from its maximum, percentage and bonus, and per tutorial step the sections
the Markdown report has, each check with its fix."""

import re
from dataclasses import replace
from importlib import metadata

import pytest

from pipeline_harness.core import stamps
from pipeline_harness.output.report import GradedExecution, Report, render, score_line, section, step_scores
from pipeline_harness.steps.base import CheckResult
from tests.html_pages import loads_nothing

CHECKS = [
    CheckResult("ecr.repository", 1, "ECR repository exists", "pass", 1, 1, "found `my-ecs-php-app`"),
    CheckResult("ecr.scan-on-push", 1, "Scan on push enabled", "fail", 0, 1, "found no",
                "Enable \"Scan on push\" (Step 1)"),
    CheckResult("ecr.tag-immutability", 1, "Tag immutability (optional)", "pass", 1, 0, "found `IMMUTABLE`",
                "exclude `latest` from immutability"),
    CheckResult("connection.available", 2, "GitHub connection is Available", "skip", 0, 1,
                "skipped: moto has no CodeStar Connections API"),
    CheckResult("artifacts.versioning", 3, "Bucket versioning enabled", "error", 0, 1,
                "could not read: AccessDenied", "let the grader's role read it"),
    CheckResult("source.lint", 5, "Buildspec lint", "fail", 0, 0, "line 3: unquoted `: `", "quote it"),
]
EXECUTION = GradedExecution("1111-2222", "3f2c9a1e", "2026-11-02T12:00:00Z", "2026-11-02T12:07:35Z",
                            3 * 86400 + 3600)
REPORT = Report("moto", "123456789012", "eu-north-1", CHECKS, as_of="2026-11-05T13:07:35Z",
                graded_execution=EXECUTION, student="Ada Lovelace", graded_at="2026-11-05T13:07:35Z",
                harness_version="0.1.0")


def _facts(page) -> dict[str, str]:
    texts = [t for t in page.texts[page.texts.index("Student"):page.texts.index("Score")] if t.strip()]
    return dict(zip(texts[::2], texts[1::2], strict=True))


def _sections(html: str) -> dict[int, list[str]]:
    """Each step's section headings, as the page shows them."""
    steps = re.findall(r'<section class="step" data-step="(\d+)">(.*?)</section>', html, re.S)
    return {int(step): re.findall(r"<h3>(.*?)</h3>", body) for step, body in steps}


def _markdown_sections(text: str) -> dict[int, list[str]]:
    """Each step's bold headings in the Markdown report."""
    steps = dict(zip((section(s) for s in step_scores(REPORT)), step_scores(REPORT), strict=True))
    found: dict[int, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("## "):
            current = found.setdefault(steps[line[3:].split(" — ")[0]], [])
        elif re.fullmatch(r"\*\*[^*]+\*\*", line):
            current.append(line.strip("*"))
    return found


def test_the_page_names_whom_where_and_when_and_the_execution_it_rests_on():
    page = loads_nothing(render(REPORT, "html"))

    assert _facts(page) == {
        "Student": "Ada Lovelace", "Account": "123456789012", "Region": "eu-north-1", "Target": "moto",
        "Graded at": "2026-11-05T13:07:35Z", "Harness version": "pipeline-harness 0.1.0",
        "Graded as of": "2026-11-05T13:07:35Z", "Graded execution": "1111-2222", "Its commit": "3f2c9a1e",
        "Finished": "2026-11-02T12:07:35Z", "Its age": "3 days 1 h before the grade's time"}
    assert page.texts[page.texts.index("Ada Lovelace: lab grade")] == "Ada Lovelace: lab grade"  # <title>


def test_a_page_without_an_execution_says_there_was_none_to_grade():
    page = loads_nothing(render(replace(REPORT, graded_execution=None, student=""), "html"))

    facts = _facts(page)
    assert facts["Graded execution"] == "no pipeline execution before the grade's time"
    assert facts["Student"] == "—" and "Its age" not in facts


def test_score_maximum_percentage_and_bonus_are_shown_apart():
    page = loads_nothing(render(REPORT, "html"))

    texts = [t for t in page.texts[page.texts.index("Bonus") + 1:] if t.strip()]
    assert texts[:4] == ["1", "3", "33.3 %", "1"]  # the bonus point of the optional item apart
    assert score_line(REPORT) == "1/3 points (33.3 %), +1 bonus point" and score_line(REPORT) in page.text


def test_each_step_has_the_markdown_reports_sections_with_their_fixes():
    html = render(REPORT, "html")

    assert _sections(html) == _markdown_sections(render(REPORT, "markdown"))
    assert _sections(html) == {1: ["What to fix", "Optional", "Passed"], 2: ["Skipped"],
                               3: ["Could not be checked"], 5: ["Notes (no points)"]}
    page = loads_nothing(html)
    for label, hint in (("How to fix", CHECKS[1].hint), ("Tip", CHECKS[2].hint), ("Note", CHECKS[4].hint),
                        ("Hint", CHECKS[5].hint)):
        assert f"{label}: {hint}" in page.text
    assert sorted(page.values("data-check")) == sorted(c.id for c in CHECKS)
    assert page.values("data-kind") == ["fail", "pass", "pass", "skip", "error", "note"]
    assert "Step 1: Create ECR Repository — 1/2 points" in page.text


@pytest.fixture
def not_installed(monkeypatch):
    """The harness run from a source tree that was never installed: no package metadata."""
    def no_metadata(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", no_metadata)
    stamps.harness_version.cache_clear()
    yield
    stamps.harness_version.cache_clear()


def test_a_page_made_by_a_harness_not_installed_names_one_version_in_its_facts_and_footer(not_installed):
    # given: a report stamped by the uninstalled harness
    report = Report("moto", "123456789012", "eu-north-1", CHECKS)

    # when
    page = loads_nothing(render(report, "html"))

    # then: the report's version and the page's footer say the same
    named = [text.split("pipeline-harness ", 1)[1].split(". ")[0].rstrip(".")
             for text in page.texts if "pipeline-harness " in text]
    assert named == [stamps.NOT_INSTALLED, stamps.NOT_INSTALLED]
