"""JUnit and Markdown renderings of a grade: what CI, LMS importers and students read."""

import importlib.metadata
import json
import xml.etree.ElementTree as ET
from dataclasses import replace

from pipeline_harness.core import inert
from pipeline_harness.output.report import GradedExecution, Report, render, step_scores
from pipeline_harness.steps.base import CheckResult

SCAN_HINT = "Enable \"Scan on push\" so pushed images are scanned for CVEs (Step 1)"
BUCKET_HINT = "S3 → Create bucket `dev-pipeline-artifacts-<your-account-id>` (Step 3)"
CHECKS = [
    CheckResult("ecr.repository", 1, "ECR repository exists", "pass", 1, 1, "found `repo`"),
    CheckResult("ecr.scan-on-push", 1, "Scan on push enabled", "fail", 0, 1,
                "expected True, found False", SCAN_HINT),
    CheckResult("ecr.tag-immutability", 1, "Tag immutability (optional)", "pass", 0, 0,
                "optional, not done: `IMMUTABLE` earns a bonus point, found `MUTABLE`",
                "Tag immutability is optional, recommended for production (Step 1)"),
    CheckResult("connection.available", 2, "GitHub connection is Available", "skip", 0, 1,
                "skipped: moto: moto has no CodeStar Connections / CodeConnections API"),
    CheckResult("artifacts.bucket", 3, "Artifact bucket exists", "fail", 0, 1,
                "expected the resource to exist, found nothing", BUCKET_HINT),
    CheckResult("artifacts.versioning", 3, "Bucket versioning enabled", "error", 0, 1,
                "could not read: An error occurred (AccessDenied) when calling GetBucketVersioning"),
]
REPORT = Report("moto", "123456789012", "us-east-1", CHECKS)


def _cases(xml_text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml_text.encode())
    return {case.get("name").split(":")[0]: case for case in root.iter("testcase")}


def test_junit_has_one_testcase_per_check_classed_by_tutorial_step():
    cases = _cases(render(REPORT, "junit"))

    assert list(cases) == [c.id for c in CHECKS]
    assert cases["ecr.repository"].get("classname") == "Step 1: Create ECR Repository"
    assert cases["artifacts.bucket"].get("classname") == "Step 3: Create S3 Bucket for Artifacts"
    assert cases["ecr.repository"].get("name") == "ecr.repository: ECR repository exists"


def test_junit_marks_failures_with_message_and_hint_errors_and_skips_with_reason():
    cases = _cases(render(REPORT, "junit"))

    failure = cases["ecr.scan-on-push"].find("failure")
    assert failure.get("message") == "expected True, found False"
    assert failure.text == f"expected True, found False\nhint: {SCAN_HINT}"
    assert "AccessDenied" in cases["artifacts.versioning"].find("error").get("message")
    skipped = cases["connection.available"].find("skipped")
    assert "no CodeStar Connections" in skipped.get("message")
    passed = cases["ecr.repository"]
    assert [child.tag for child in passed] == ["system-out"]


def test_junit_totals_and_score_match_the_report():
    root = ET.fromstring(render(REPORT, "junit").encode())
    suite = root.find("testsuite")

    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "6", "failures": "2", "errors": "1", "skipped": "1"}
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert {k: properties[k] for k in ("score", "max_score", "bonus", "percentage")} == {
        "score": "1", "max_score": "4", "bonus": "0", "percentage": "25.0"}


def test_junit_escapes_markup_in_messages():
    nasty = CheckResult("x.y", 1, "a <b> & c", "fail", 0, 1, "expected `<x>`, found \"&\"", "<hint>")

    root = ET.fromstring(render(Report("moto", "1", "us-east-1", [nasty]), "junit").encode())

    assert root.find(".//failure").get("message") == "expected `<x>`, found \"&\""


def test_markdown_shows_what_to_fix_with_the_tutorials_hint():
    text = render(REPORT, "markdown")

    fix = text.index("**What to fix**", text.index("## Step 1: Create ECR Repository"))
    assert text.index("- **Scan on push enabled** — expected True, found False", fix)
    assert f"  - How to fix: {SCAN_HINT}" in text


def test_markdown_says_why_a_check_was_skipped_and_what_could_not_be_read():
    text = render(REPORT, "markdown")

    step2 = text[text.index("## Step 2"):text.index("## Step 3")]
    assert "**Skipped**" in step2
    assert "moto has no CodeStar Connections" in step2
    step3 = text[text.index("## Step 3"):]
    assert "**Could not be checked**" in step3
    assert "AccessDenied" in step3


def test_markdown_scores_the_whole_lab_and_each_step():
    text = render(REPORT, "markdown")

    assert text.startswith("# Lab grade: 1/4 points (25 %)\n")
    assert "## Step 1: Create ECR Repository — 1/2 points" in text
    assert "## Step 2: Create GitHub Connection — 0/0 points" in text
    assert "## Step 3: Create S3 Bucket for Artifacts — 0/2 points" in text


def test_markdown_lists_optional_items_apart_from_passes_and_fixes():
    text = render(REPORT, "markdown")

    optional = text[text.index("**Optional**"):text.index("**Passed**")]
    assert "Tag immutability (optional)" in optional
    assert "  - Tip: Tag immutability is optional, recommended for production" in optional


def test_markdown_keeps_placeholders_in_hints_visible():
    text = render(REPORT, "markdown")

    assert "`dev-pipeline-artifacts-<your-account-id>`" in text  # inside a code span: left as is
    nasty = CheckResult("x.y", 1, "t", "fail", 0, 1, "found <none>", "")
    assert "found &lt;none&gt;" in render(Report("moto", "1", "us-east-1", [nasty]), "markdown")


def test_step_scores_leave_skipped_checks_out_of_the_maximum():
    assert step_scores(REPORT) == {1: (1, 2), 2: (0, 0), 3: (0, 2)}


GRADED = GradedExecution("11111111-2222-3333-4444-555555555555", "3f2c9a1d0b7e4c21a9f0e8d7c6b5a4f3e2d1c0b9",
                         "2026-11-02T12:00:00Z", "2026-11-02T12:07:35Z", 3 * 86400 + 3600)
WITH_EXECUTION = Report("aws", "123456789012", "eu-north-1", CHECKS, as_of="2026-11-05T13:07:35Z",
                        graded_execution=GRADED)
SAID = ("graded as of 2026-11-05T13:07:35Z: execution 11111111-2222-3333-4444-555555555555 of commit "
        "3f2c9a1, finished 2026-11-02T12:07:35Z, 3 days 1 h before the grade's time")


def test_every_format_states_the_graded_execution_its_time_and_age():
    table, markdown = render(WITH_EXECUTION, "table"), render(WITH_EXECUTION, "markdown")
    data = json.loads(render(WITH_EXECUTION, "json"))
    suite = ET.fromstring(render(WITH_EXECUTION, "junit").encode()).find("testsuite")

    assert table.splitlines()[-1] == SAID
    assert f"\n{inert.markdown(SAID)}\n" in markdown
    assert data["as_of"] == "2026-11-05T13:07:35Z"
    assert data["graded_execution"] == {"id": GRADED.id, "commit": GRADED.commit, "started": GRADED.started,
                                        "finished": GRADED.finished, "age_seconds": 262800}
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert {k: properties[k] for k in ("as_of", "graded_execution_id", "graded_execution_finished",
                                       "graded_execution_age_seconds")} == {
        "as_of": "2026-11-05T13:07:35Z", "graded_execution_id": GRADED.id,
        "graded_execution_finished": GRADED.finished, "graded_execution_age_seconds": "262800"}


def test_a_report_without_an_execution_says_there_was_none_before_its_time():
    report = Report("aws", "123456789012", "eu-north-1", CHECKS, as_of="2026-11-05T13:07:35Z")

    assert render(report, "table").splitlines()[-1] == (
        "graded as of 2026-11-05T13:07:35Z: no pipeline execution before it to grade")
    assert json.loads(render(report, "json"))["graded_execution"] is None


# --- the score, the bonus, the percentage; notes; whom and when ----------------------------------

BONUS = CheckResult("ecr.tag-immutability", 1, "Tag immutability (optional)", "pass", 1, 0,
                    "found `IMMUTABLE`", "")
LINT = CheckResult("source.lint", 5, "Lint of the student's buildspec", "fail", 0, 0,
                   "1 finding", "buildspec.yml:12 command-is-mapping: … — fix: quote it")
SCORED = Report("aws", "123456789012", "eu-north-1", [CHECKS[0], CHECKS[1], BONUS, LINT],
                student="Ada Lovelace", graded_at="2026-11-05T13:07:35Z", harness_version="9.9.9")


def test_the_score_never_exceeds_the_maximum_and_the_bonus_is_reported_apart():
    data = json.loads(render(SCORED, "json"))

    assert (SCORED.score, SCORED.max_score, SCORED.bonus, SCORED.percentage) == (1, 2, 1, 50.0)
    assert (data["score"], data["max_score"], data["bonus"], data["percentage"]) == (1, 2, 1, 50.0)
    assert render(SCORED, "markdown").startswith("# Lab grade: 1/2 points (50 %), +1 bonus point\n")


def test_a_finding_worth_no_points_is_a_note_in_every_format_not_a_failure():
    table, markdown = render(SCORED, "table"), render(SCORED, "markdown")
    data = json.loads(render(SCORED, "json"))
    case = _cases(render(SCORED, "junit"))["source.lint"]

    assert "  NOTE  source.lint" in table and "FAIL  source.lint" not in table
    assert SCORED.counts["fail"] == 1 and SCORED.counts["note"] == 1  # scan-on-push is the failure
    step5 = markdown[markdown.index("## Step 5"):]
    assert "**Notes (no points)**" in step5 and "**What to fix**" not in step5
    lint = next(c for c in data["checks"] if c["id"] == "source.lint")
    assert (lint["status"], lint["note"]) == ("fail", True)  # the contract's status, and the flag
    assert [child.tag for child in case] == ["system-out"] and case[0].text.startswith("note: 1 finding")
    assert Report("aws", "1", "eu-north-1", [CHECKS[0], LINT]).ok  # a note alone fails no one


def test_every_format_names_the_student_the_account_the_region_the_time_and_the_harness():
    said = "Ada Lovelace: account 123456789012, region eu-north-1, graded 2026-11-05T13:07:35Z by " \
           "pipeline-harness 9.9.9"

    assert render(SCORED, "table").splitlines()[0] == said
    assert inert.markdown(said) in render(SCORED, "markdown")
    data = json.loads(render(SCORED, "json"))
    assert (data["student"], data["graded_at"], data["harness_version"]) == (
        "Ada Lovelace", "2026-11-05T13:07:35Z", "9.9.9")
    suite = ET.fromstring(render(SCORED, "junit").encode()).find("testsuite")
    assert suite.get("name").startswith("Ada Lovelace: account 123456789012")
    assert suite.get("timestamp") == "2026-11-05T13:07:35Z"
    assert json.loads(render(SCORED, "gradescope"))["output"].startswith(inert.markdown(said))


def test_the_harness_version_is_the_installed_packages():
    assert Report("aws", "1", "eu-north-1", []).harness_version == importlib.metadata.version(
        "pipeline-harness")


def test_gradescope_tests_carry_points_and_status_and_skips_notes_and_bonus_are_informational():
    tests = {t["name"].split(":")[0]: t for t in json.loads(render(
        replace(SCORED, checks=[*SCORED.checks, CHECKS[3]]), "gradescope"))["tests"]}

    assert {k: tests["ecr.repository"][k] for k in ("score", "max_score", "status")} == {
        "score": 1.0, "max_score": 1.0, "status": "passed"}
    assert tests["ecr.scan-on-push"]["status"] == "failed"
    assert f"How to fix: {inert.markdown(SCAN_HINT)}" in tests["ecr.scan-on-push"]["output"]
    assert "score" not in tests["source.lint (note)"] and "status" not in tests["source.lint (note)"]
    assert tests["ecr.tag-immutability (optional)"] == {**tests["ecr.tag-immutability (optional)"],
                                                        "status": "passed"}
    assert "score" not in tests["ecr.tag-immutability (optional)"]
    assert "score" not in tests["connection.available (skipped)"]
    assert "status" not in tests["connection.available (skipped)"]
