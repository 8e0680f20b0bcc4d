"""Failure signals map to the tutorial's Common Issues, in the tutorial's words."""

import pytest

from pipeline_harness.core import diagnosis


@pytest.mark.parametrize("text, stage, title", [
    ("Connection arn:aws:codestar-connections:us-east-1:1:connection/x is not available",
     "Source", "Source stage fails with connection error"),
    ("Unable to use Connection: arn:aws:codeconnections:...", None,
     "Source stage fails with connection error"),
    ("Got permission denied while trying to connect to the Docker daemon socket", "Build",
     "Build stage fails with Docker permission denied"),
    ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock", None,
     "Build stage fails with Docker permission denied"),
    ("YAML_FILE_ERROR: stat /codebuild/output/src1/src/buildspec.yml: no such file or directory",
     "Build", "Build stage fails with Docker permission denied"),
    ("denied: User: arn:aws:sts::1:assumed-role/dev-codebuild-service-role/x is not authorized to "
     "perform: ecr:InitiateLayerUpload", "Build", "Build stage fails with Docker permission denied"),
    ("YAML_FILE_ERROR: Expected Commands[3] to be of string type: found subkeys instead at line 14",
     "Build", "Build fails with 'Commands[X] subkeys error'"),
    ("is not authorized to perform: ecs:UpdateService on resource", "Deploy",
     "Deploy stage fails with permission error"),
    ("ServiceNotFoundException: Service not found.", None, "Deploy stage fails with permission error"),
    ("The AWS ECS container php-app does not exist", "Deploy",
     "Deployment succeeds but old image still running"),
])
def test_signal_maps_to_its_common_issue(text, stage, title):
    assert diagnosis.match([text], stage=stage).title == title


def test_unknown_failure_matches_no_issue():
    assert diagnosis.match(["Build terminated with state: FAILED", ""]) is None


def test_stage_limits_the_issues_considered():
    # a Docker error can't explain a failed Source stage
    assert diagnosis.match(["permission denied ... docker daemon"], stage="Source") is None


def test_describe_quotes_the_tutorial_title_and_hints():
    assert diagnosis.COMMANDS_SUBKEYS.describe() == (
        "tutorial Common Issues \"Build fails with 'Commands[X] subkeys error'\": Check buildspec.yml "
        "for YAML syntax errors; Avoid colons (`:`) in echo statements - use hyphens (`-`) instead; "
        "Ensure proper indentation in buildspec.yml")

