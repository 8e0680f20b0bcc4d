"""A class of labs typed with the AWS CLI, each in an account of its own, graded on the embedded
emulator through the command line as a teacher grades it: a student whose roster names the region
she worked in, one graded in the run's region, one with mistakes, one the grader cannot reach, one
who built the lab in another region than the one graded, and a second roster entry reaching the
first student's account. What comes out is held against what Gradescope, Canvas and Moodle read
(tests/gradebook_formats.py), and a regrade of one student is merged into the class's files."""

import csv
import dataclasses
import json

import aws_cli_lab
import pytest
from aws_cli_lab import CORRECT
from student_lab import fresh_account

from pipeline_harness.cli import main
from pipeline_harness.grading.region import REGIONAL_STEPS
from tests.gradebook_formats import canvas_import, gradescope_results, moodle_import
from tests.html_pages import loads_nothing

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("whole_lab_served"),
              pytest.mark.xdist_group("grading-a-class")]

RUN_REGION, HERS, ELSEWHERE = "eu-west-2", "eu-north-1", "eu-west-1"
# (name, the lab as typed: region and mistakes, the roster's region)
LABS = {
    "Ada Lovelace": (CORRECT, HERS),  # the AWS CLI lab's own region, named in the roster
    "Bob": (dataclasses.replace(CORRECT, region=RUN_REGION), None),
    "Cy": (dataclasses.replace(CORRECT, region=RUN_REGION, scan_on_push=False, versioning=False), None),
    "Eve": (dataclasses.replace(CORRECT, region=ELSEWHERE), None),  # graded in the run's region
}


def _entry(name: str, number: int, access: str, region: str | None) -> str:
    where = f'region = "{region}"\n' if region else ""
    return (f'[[student]]\nname = "{name}"\n{access}\n{where}id = "{1000 + number}"\n'
            f'email = "student{number}@school.example"\nsection = "Lab A"\nsis_id = "S{number:04d}"\n')


@pytest.fixture(scope="module")
def klass(target, tmp_path_factory):
    """The labs built, the roster written, the class graded once through the CLI (Gradescope
    reports, the Canvas gradebook); returns what the test needs of it."""
    work, out = tmp_path_factory.mktemp("class"), tmp_path_factory.mktemp("grades")
    typed, entries = {}, []
    for number, (name, (lab, region)) in enumerate(LABS.items(), start=1):
        (work / str(number)).mkdir()
        typed[name] = aws_cli_lab.build(fresh_account(target),
                                        work / str(number), lab)
        role = f'role_arn = "arn:aws:iam::{typed[name].account}:role/lab-grader"'
        entries.append(_entry(name, number, role, region))
    entries.append(_entry("Dee", 5, 'profile = "no-such-profile"', None))  # the grader cannot reach her
    ada = typed["Ada Lovelace"].account  # her own second entry (a copy, or a typo in the roster)
    entries.append(_entry("Fay", 6, f'role_arn = "arn:aws:iam::{ada}:role/lab-grader"', HERS))
    roster = work / "class.toml"
    roster.write_text("\n".join(entries))
    command = ["grade", "--endpoint-url", target.endpoint_url, "--region", RUN_REGION, "--accounts",
               str(roster), "--output-dir", str(out), "--jobs", "3", "--format", "gradescope"]
    code = main([*command, "--gradebook", "canvas"])
    return {"code": code, "out": out, "typed": typed, "command": command, "work": work}


def _results(klass, slug: str) -> dict:
    return gradescope_results((klass["out"] / f"{slug}.json").read_text())


def _board(klass):
    """index.html as the class run left it, parsed; it asks for nothing but itself."""
    return loads_nothing((klass["out"] / "index.html").read_text(), folder=klass["out"].as_uri() + "/")


def _rows(klass) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader((klass["out"] / "class-summary.csv").open())}


def test_each_report_names_the_student_the_region_and_the_time_graded(klass):
    for name, slug, region in (("Ada Lovelace", "Ada-Lovelace", HERS), ("Bob", "Bob", RUN_REGION)):
        results = _results(klass, slug)

        extra = results["extra_data"]
        assert (extra["student"], extra["region"]) == (name, region)
        assert extra["graded_at"].endswith("Z") and extra["harness_version"]
        assert results["output"].startswith(f"{name}: account {extra['account']}, region {region}, graded ")


def test_an_honest_lab_has_full_marks_the_bonus_apart_in_the_region_its_roster_names(klass):
    ada = _results(klass, "Ada-Lovelace")

    assert ada["score"] == ada["extra_data"]["max_score"] > 20 and ada["extra_data"]["bonus"] == 1
    assert ada["score"] == sum(t.get("max_score", 0) for t in ada["tests"])
    assert {t.get("status") for t in ada["tests"]} <= {"passed", None}  # skips: informational
    assert klass["code"] == 1  # Cy, Dee and Eve did not pass


def test_every_results_json_is_valid_against_gradescopes_specification(klass):
    written = sorted(p.name for p in klass["out"].glob("*.json") if not p.name.startswith("class-"))

    assert written == ["Ada-Lovelace.json", "Bob.json", "Cy.json", "Eve.json", "Fay.json"]
    for name in written:
        gradescope_results((klass["out"] / name).read_text())  # raises where Gradescope would refuse


def test_mistakes_cost_their_checks_in_gradescope_tests(klass):
    cy = _results(klass, "Cy")

    failed = {t["name"].split(":")[0] for t in cy["tests"] if t.get("status") == "failed"}
    assert failed == {"ecr.scan-on-push", "artifacts.versioning"}
    assert cy["score"] == cy["extra_data"]["max_score"] - 2


def test_the_lab_built_in_another_region_is_one_finding_naming_it(klass):
    eve = _results(klass, "Eve")

    said = f"Your lab is in {ELSEWHERE}, not {RUN_REGION}"
    assert said in eve["output"]
    regional = [t for t in eve["tests"] if t.get("status") == "failed"
                and int(t["number"].split(".")[0]) in REGIONAL_STEPS]
    assert len(regional) > 10  # nothing of it is where it was graded...
    assert [t["name"] for t in regional if "How to fix" in t["output"]] == []  # ...and no fix for each
    assert _rows(klass)["Eve"]["reason"].startswith(said)


def test_the_canvas_gradebook_has_its_columns_points_possible_and_the_graded_students(klass):
    imported = canvas_import((klass["out"] / "gradebook-canvas.csv").read_text())

    assignment = "CI/CD Pipeline for ECS lab"
    assert imported.assignments == [assignment]
    ada = _results(klass, "Ada-Lovelace")
    assert imported.points_possible == {assignment: str(ada["extra_data"]["max_score"])}
    by_name = {s["Student"]: s for s in imported.students}
    assert set(by_name) == {"Ada Lovelace", "Bob", "Cy", "Eve", "Fay"}  # Dee could not be graded
    assert (by_name["Cy"]["ID"], by_name["Cy"]["SIS User ID"], by_name["Cy"]["Section"]) == (
        "1003", "S0003", "Lab A")
    assert by_name["Cy"][assignment] == str(int(_results(klass, "Cy")["score"]))


def test_two_roster_entries_on_one_account_are_noted_in_both_rows(klass):
    rows = _rows(klass)
    account = klass["typed"]["Ada Lovelace"].account

    assert f"same AWS account {account} as Fay" in rows["Ada Lovelace"]["class_notes"]
    assert f"same AWS account {account} as Ada Lovelace" in rows["Fay"]["class_notes"]
    assert rows["Ada Lovelace"]["score"] == rows["Fay"]["score"]  # noted, no points taken
    notes = json.loads((klass["out"] / "class-summary.json").read_text())["notes"]
    assert {n["kind"] for n in notes["Fay"]} >= {"account"}
    assert "account" not in {n["kind"] for n in notes.get("Bob", [])}


def test_the_class_board_links_each_graded_report_and_counts_the_failed_checks_of_the_class(klass):
    board = _board(klass)

    # Dee could not be graded: a row without a link; every other student's results.json one link away
    assert board.values("href") == [f"./{slug}.json" for slug in ("Ada-Lovelace", "Bob", "Cy", "Eve", "Fay")]
    assert all((klass["out"] / href[2:]).is_file() for href in board.values("href"))
    # Cy's two mistakes are among the checks failed; Eve's lab elsewhere fails the most
    assert {"ecr.scan-on-push", "artifacts.versioning"} <= set(board.values("data-check"))


def test_a_student_who_cannot_be_reached_is_an_error_row(klass):
    dee = _rows(klass)["Dee"]

    assert (dee["status"], dee["reason"]) == ("error", "AWS profile 'no-such-profile' is not configured")


def test_a_regrade_of_one_student_merges_into_the_class_files(klass, target):
    # given: Cy fixes her two mistakes with the AWS CLI
    before = _rows(klass)
    cy = klass["typed"]["Cy"]
    aws = aws_cli_lab.AwsCli(cy, RUN_REGION, klass["work"])
    aws("ecr put-image-scanning-configuration --repository-name my-ecs-php-app "
        "--image-scanning-configuration scanOnPush=true")
    aws(f"s3api put-bucket-versioning --bucket dev-pipeline-artifacts-{cy.account} "
        "--versioning-configuration Status=Enabled")

    failed_before = _board(klass).values("data-check")

    # when: only she is graded again, with the Moodle gradebook this time
    code = main([*klass["command"], "--student", "Cy", "--gradebook", "moodle", "--quiet"])

    # then: her row is new, every other row is the one before, and the gradebook has everyone graded
    after = _rows(klass)
    assert code == 0
    assert list(after) == list(before)
    assert (after["Cy"]["status"], after["Cy"]["score"]) == ("pass", after["Cy"]["max_score"])
    assert after["Cy"]["graded_at"] >= before["Cy"]["graded_at"]
    assert all(after[name] == before[name] for name in before if name != "Cy")
    moodle = dict(moodle_import((klass["out"] / "gradebook-moodle.csv").read_text(), "Email address"))
    assert set(moodle) == {f"student{n}@school.example" for n in (1, 2, 3, 4, 6)}
    assert moodle["student3@school.example"] == float(after["Cy"]["score"])
    # the board still counts the class from the kept rows: the versioning only Cy failed is gone,
    # the scan on push Eve failed too (her lab is elsewhere) stays, with every other of Eve's
    failed_after = _board(klass).values("data-check")
    assert "artifacts.versioning" in failed_before and "ecr.scan-on-push" in failed_after
    assert set(failed_after) == set(failed_before) - {"artifacts.versioning"}
