"""Lint of an imagedefinitions.json given on the command line."""

import json
from pathlib import Path

import pytest

from pipeline_harness.buildspec.lint import lint_path
from pipeline_harness.settings import Settings

URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app:a1b2c3d"


def lint_json(tmp_path: Path, text: str) -> list:
    path = tmp_path / "imagedefinitions.json"
    path.write_text(text)
    return lint_path(path, Settings())


def test_what_the_buildspec_writes_has_no_findings(tmp_path):
    text = json.dumps([{"name": "php-app-container", "imageUri": URI}])

    assert lint_json(tmp_path, text) == []


def test_container_name_that_differs_from_the_task_definition_is_reported(tmp_path):
    text = '[\n  {"name": "php-app", "imageUri": "' + URI + '"}\n]'

    [finding] = lint_json(tmp_path, text)

    assert (finding.rule, finding.line) == ("definitions-name", 2)
    assert "name 'php-app' is not the task definition's container 'php-app-container'" in finding.message
    assert finding.fix == 'use "name": "php-app-container" (from $CONTAINER_NAME)'


def test_unexpanded_shell_variable_is_reported(tmp_path):
    text = json.dumps([{"name": "$CONTAINER_NAME", "imageUri": URI}])

    [finding] = lint_json(tmp_path, text)

    assert finding.rule == "unexpanded-variable"
    assert "not inside single quotes" in finding.fix


@pytest.mark.parametrize(("uri", "rule", "message"), [
    ("my-ecs-php-app:a1b2c3d", "image-uri", "is not an ECR image URI"),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/other-app:a1b2c3d", "image-repository",
     "points at repository 'other-app', not 'my-ecs-php-app'"),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app", "image-uri", "has no tag"),
])
def test_image_uri_mistakes_are_reported(tmp_path, uri, rule, message):
    [finding] = lint_json(tmp_path, json.dumps([{"name": "php-app-container", "imageUri": uri}]))

    assert finding.rule == rule
    assert message in finding.message


@pytest.mark.parametrize("registry", [
    # the registry hosts the AWS General Reference lists for ECR (FIPS; dual-stack, and its FIPS),
    # in the forms kubernetes/cloud-provider-aws tests (cmd/ecr-credential-provider/main_test.go)
    # and awslabs/amazon-ecr-credential-helper (ecr-login/api/client_test.go) reads
    "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
    "123456789123.dkr-ecr.us-west-2.on.aws",
    "123456789123.dkr-ecr-fips.us-west-2.on.aws",
])
def test_fips_and_dual_stack_registries_are_ecr_image_uris(tmp_path, registry):
    uri = f"{registry}/my-ecs-php-app:a1b2c3d"

    assert lint_json(tmp_path, json.dumps([{"name": "php-app-container", "imageUri": uri}])) == []


@pytest.mark.parametrize("registry", ["123456789012.dkr-ecr.us-east-1.amazonaws.com",
                                      "123456789012.dkr.ecr.us-east-1.on.aws"])
def test_a_registry_mixing_the_ipv4_and_dual_stack_names_is_no_ecr_image_uri(tmp_path, registry):
    uri = f"{registry}/my-ecs-php-app:a1b2c3d"

    [finding] = lint_json(tmp_path, json.dumps([{"name": "php-app-container", "imageUri": uri}]))

    assert (finding.rule, finding.message) == ("image-uri", f"imageUri {uri!r} is not an ECR image URI")


@pytest.mark.parametrize("text", ['{"name": "php-app-container"}', "[]", '[{"name": "x"}]'])
def test_wrong_shape_is_reported(tmp_path, text):
    [finding] = lint_json(tmp_path, text)

    assert finding.rule == "definitions-shape"
    assert not finding.fatal


def test_invalid_json_is_fatal_with_its_line(tmp_path):
    [finding] = lint_json(tmp_path, '[\n  {"name": "php-app-container",}\n]')

    assert finding.fatal
    assert (finding.rule, finding.line) == ("json-invalid", 2)
