"""The grader on labs a student typed with the AWS CLI, each in an account of its own: the student's
own connection, repository and source, other valid choices than the harness's, full marks; each of
the tutorial's Common Mistakes and Common Issues (and the steps' own instructions) costs exactly
its checks, with the tutorial's words in the message or hint."""

import dataclasses
import json
import xml.etree.ElementTree as ET

import aws_cli_lab
import pytest
from aws_cli_lab import CORRECT, REGION, edited
from student_lab import fresh_account

from pipeline_harness.grading import classroom
from pipeline_harness.grading.grade import grade
from pipeline_harness.output.report import as_json, as_junit, as_markdown
from pipeline_harness.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("whole_lab_served")]

BUILDSPEC = "buildspec.yml"
SETTINGS = Settings(region=REGION)


def _failed(report) -> set[str]:
    return {c.id for c in report.checks if c.status in ("fail", "error")}


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


# the tests of the correct lab run on one worker, so it is typed and graded once, not once per worker
on_the_correct_lab = pytest.mark.xdist_group("aws-cli-lab-correct")


@pytest.fixture(scope="module")
def correct(target, tmp_path_factory):
    """The correct CLI-typed lab (built once for this module's tests) and its grade."""
    student = aws_cli_lab.build(fresh_account(target),
                                tmp_path_factory.mktemp("aws-cli"))
    return student, grade(SETTINGS, student)


@on_the_correct_lab
def test_a_lab_typed_with_the_aws_cli_scores_full_marks_with_every_skip_explained(correct):
    _, report = correct

    assert _failed(report) == set()
    assert report.score == report.max_score and report.bonus == 1  # the optional tag immutability, chosen
    assert report.percentage == 100
    skipped = {c.id: c.message for c in report.checks if c.status == "skip"}
    # Step 7's chain needs the execution's actions (moto lists none) and running tasks (moto runs none)
    assert set(skipped) == {"connection.available", "connection.provider", "pipeline.latest-execution",
                            "ecr.pushed-image", "ecs.rollout", "app.http"}
    assert all(m.startswith("skipped: ") and "moto" in m for m in skipped.values())
    assert skipped["pipeline.latest-execution"] == (
        "skipped: link `execution` not proven: moto: moto does not implement ListActionExecutions")


@on_the_correct_lab
def test_the_students_own_connection_and_repository_pass_the_source_check(correct):
    _, report = correct

    source = next(c for c in report.checks if c.id == "pipeline.source")
    assert source.status == "pass"
    assert ("`student-42/my-ecs-php-app` on `main` through `arn:aws:codeconnections:eu-north-1:"
            in source.message)
    assert "not looked up: moto has no CodeStar Connections" in source.message


@on_the_correct_lab
def test_the_students_own_source_is_read_from_the_artifact_bucket_and_linted(correct):
    _, report = correct

    by_id = {c.id: c for c in report.checks}
    checks = ("source.buildspec", "source.lint", "source.image-definitions")
    assert {by_id[i].status for i in checks} == {"pass"}
    assert "/dev-php-app-pipeline/source_out/" in by_id["source.buildspec"].message
    assert "`buildspec.yml`, `Dockerfile`" in by_id["source.lint"].message
    assert "the file the build wrote" in by_id["source.image-definitions"].message


@on_the_correct_lab
def test_the_json_contract_is_the_old_one_plus_what_was_added(correct):
    _, report = correct

    data = json.loads(as_json(report))

    assert set(data) == {"target", "account", "region", "score", "max_score", "checks", "as_of",
                         "graded_execution", "bonus", "percentage", "student", "graded_at",
                         "harness_version", "diagnosis", "running_images"}
    assert data["graded_execution"]["id"] and data["as_of"].endswith("Z") and data["graded_at"].endswith("Z")
    assert (data["score"], data["bonus"]) == (data["max_score"], 1)
    assert all(set(c) == {"id", "step", "title", "status", "points", "max_points", "message", "hint",
                          "section", "note"} for c in data["checks"])
    sections = {c["id"]: c["section"] for c in data["checks"]}
    assert sections["ecs.service"] == "Prerequisites: ECS cluster, service and ALB"
    assert sections["pipeline.deploy"] == "Step 6: Create CodePipeline"
    assert sections["source.lint"] == "Step 5: Create CodeBuild Project"


@on_the_correct_lab
def test_markdown_and_junit_keep_the_prerequisites_apart_from_step_6(correct):
    _, report = correct

    markdown, junit = as_markdown(report), ET.fromstring(as_junit(report))

    prerequisites = markdown.split("## Prerequisites: ECS cluster, service and ALB")[1].split("\n## ")[0]
    step6 = markdown.split("## Step 6: Create CodePipeline")[1].split("\n## ")[0]
    assert "ecs.service" not in step6 and "`dev-php-app-alb-service` in cluster" in prerequisites
    classes = {case.get("name").split(":")[0]: case.get("classname") for case in junit.iter("testcase")}
    assert classes["ecs.service"] == "Prerequisites: ECS cluster, service and ALB"
    assert classes["pipeline.source"] == "Step 6: Create CodePipeline"


@on_the_correct_lab
def test_a_roster_repository_fails_only_the_source_check_of_a_student_who_wired_another(correct, target):
    # given: the class roster pins each student's repository; both rows grade the same lab
    student, _ = correct
    role = f"arn:aws:iam::{student.account}:role/lab-grader"
    wired, roster = "student-42/my-ecs-php-app", "student-42/my-php-app"
    students = [classroom.Student("Right", role_arn=role, repository=wired.upper()),
                classroom.Student("Other", role_arn=role, repository=roster)]

    # when
    right, other = classroom.grade_class(students, SETTINGS, aws_cli_lab.in_region(target, REGION))

    # then
    assert right.status == "pass"
    assert _failed(other.report) == {"pipeline.source"}
    source = next(c for c in other.report.checks if c.id == "pipeline.source")
    assert wired in source.message and roster in source.message
    assert f"repository `{roster}`" in source.title


# --- one mistake, its own checks ------------------------------------------------------------------

SOURCE = aws_cli_lab._repository_files()
COLON = ("      - echo Logging in to Amazon ECR...", "      - echo Step 1: logging in to Amazon ECR")
COLON_LINE = _line(SOURCE[BUILDSPEC], "Logging in to Amazon ECR")
DELIVERED_AS_TYPO = ("> imagedefinitions.json\n\nartifacts:\n  files:\n    - imagedefinitions",
                     "> imagedefinition.json\n\nartifacts:\n  files:\n    - imagedefinition")
NOT_IN_ROOT = {("app/" + p if p == BUILDSPEC else p): t for p, t in SOURCE.items()}

# mistake -> (the lab's changes, the checks it costs, the tutorial's words in their message or hint)
MUTATIONS = {
    # Step 1, 3 and 5 instructions
    "scan on push not enabled": (dict(scan_on_push=False), {"ecr.scan-on-push"}, "Enable \"Scan on push\""),
    "bucket versioning not enabled": (dict(versioning=False), {"artifacts.versioning"},
                                      "Enable \"Bucket Versioning\""),
    "one public access setting off": (
        dict(public_access_block="BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,"
                                 "RestrictPublicBuckets=true"),
        {"artifacts.public-access-blocked"}, "Leave \"Block all public access\" enabled"),
    "another log group": (dict(log_group="/aws/codebuild/php-build"), {"codebuild.logs"},
                          "\"CloudWatch logs\", group name"),
    # Step 4
    "codebuild role for the wrong service": (dict(codebuild_trust="codepipeline.amazonaws.com"),
                                             {"iam.codebuild_role.trust"}, "\"AWS service\" → \"CodeBuild\""),
    "codebuild role without ECR permissions": (dict(codebuild_statements_left_out=(0,)),
                                               {"iam.codebuild_role.inline-policy"}, "ecr:PutImage"),
    "codepipeline role without ECS permissions": (dict(attach_ecs_full_access=False),
                                                  {"iam.pipeline_role.ecs-full-access"},
                                                  "Verify CodePipeline role has ECS permissions"),
    # Step 5 Common Mistakes
    "privileged mode not enabled": (dict(privileged=False), {"codebuild.privileged"},
                                    "Forgetting to enable Privileged mode"),
    "wrong environment variable name": (dict(region_variable="AWS_REGION"),
                                        {"codebuild.environment-variables"},
                                        "Wrong environment variable names"),
    "wrong codebuild image": (dict(image="aws/codebuild/amazonlinux2-x86_64-standard:5.0"),
                              {"codebuild.image"}, "Using wrong CodeBuild image"),
    # Step 6 instructions, Common Mistakes, Common Issues
    "repository without its owner": (dict(github="my-ecs-php-app"), {"pipeline.source"},
                                     "repository name format is correct (owner/repo)"),
    "another branch": (dict(branch="master"), {"pipeline.source"}, "branch `main`"),
    "full clone output format": (dict(output_format="CODEBUILD_CLONE_REF"), {"pipeline.source"},
                                 "output artifact format CodePipeline default"),
    # the pipeline deploys elsewhere: the graded service's rollout and the app on it are not its own
    "deploy to the wrong cluster": (
        dict(deploy_cluster="default"), {"pipeline.deploy", "ecs.rollout", "app.http"},
        "Wrong cluster or service name"),
    "image definitions file name typo in the deploy stage": (
        dict(deploy_file="imagedefinition.json"), {"pipeline.deploy"}, "exactly `imagedefinitions.json`"),
    "image definitions file name typo in the buildspec": (
        dict(source=edited(BUILDSPEC, *DELIVERED_AS_TYPO),
             written=("imagedefinition.json", "php-app-container")),
        {"source.image-definitions"}, "Image definitions file name typo"),
    "buildspec.yml not pushed to the repository": (
        dict(source={p: t for p, t in SOURCE.items() if p != BUILDSPEC}, written=None),
        {"source.buildspec"}, "Forgetting to push buildspec.yml to repo"),
    "buildspec.yml not in the repository root": (
        dict(source=NOT_IN_ROOT, written=None), {"source.buildspec"},
        "Ensure buildspec.yml exists in repository root"),
    "wrong indentation in the buildspec": (
        dict(source=edited(BUILDSPEC, "  post_build:", "   post_build:"), written=None), {"source.lint"},
        "Ensure proper indentation"),
    "image definitions naming another container": (
        dict(source=edited(BUILDSPEC, '"$CONTAINER_NAME" "$IMAGE_URI', '"php-app" "$IMAGE_URI'),
             written=("imagedefinitions.json", "php-app")),
        {"source.lint", "source.image-definitions"}, "container name matches task definition"),
}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=list(MUTATIONS))
def test_a_mistake_typed_with_the_aws_cli_costs_exactly_its_checks_with_the_tutorials_words(
        new_account, tmp_path, mutation):
    # given
    changes, expected, said = MUTATIONS[mutation]
    student = aws_cli_lab.build(new_account(), tmp_path, dataclasses.replace(CORRECT, **changes))

    # when
    report = grade(SETTINGS, student)

    # then
    assert _failed(report) == expected
    shown = " ".join(f"{c.message} {c.hint}" for c in report.checks if c.id in expected)
    assert said in shown


def test_an_unquoted_colon_read_from_the_source_artifact_is_a_step_5_hint_naming_the_line(
        new_account, tmp_path):
    # given: the tutorial's "Commands[X] subkeys" issue in the student's own buildspec
    lab = dataclasses.replace(CORRECT, source=edited(BUILDSPEC, *COLON), written=None)
    student = aws_cli_lab.build(new_account(), tmp_path, lab)

    # when
    report = grade(SETTINGS, student)

    # then: a hint under Step 5, worth no points
    assert _failed(report) == {"source.lint"}
    lint = next(c for c in report.checks if c.id == "source.lint")
    assert (lint.step, lint.status, lint.points, lint.max_points) == (5, "fail", 0, 0)
    assert lint.hint.startswith(f"buildspec.yml:{COLON_LINE} command-is-mapping: ")
    assert "Expected Commands[0] to be of string type: found subkeys instead" in lint.hint
    assert "Commands[X] subkeys error" in lint.hint
