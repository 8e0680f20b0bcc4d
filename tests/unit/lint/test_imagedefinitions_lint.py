"""Lint of an imagedefinitions.json given on the command line: the lab's ECR repository with the
lab rules, any registry's image with the generic ones (ECS pulls from any registry); and 12 real
files (tests/data/imagedefinitions/SOURCES.toml)."""

import json
import tomllib
from pathlib import Path

import pytest

from pipeline_harness.lint.lint import lint_paths
from pipeline_harness.lint.rules import Selection
from pipeline_harness.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "data" / "imagedefinitions"
SOURCES = tomllib.loads((CORPUS / "SOURCES.toml").read_text())["file"]

URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app:a1b2c3d"


def lint_json(tmp_path: Path, text: str) -> list:
    path = tmp_path / "imagedefinitions.json"
    path.write_text(text)
    return lint_paths([path], Settings())


def test_what_the_buildspec_writes_has_no_findings(tmp_path):
    text = json.dumps([{"name": "php-app-container", "imageUri": URI}])

    assert lint_json(tmp_path, text) == []


def test_container_name_that_differs_from_the_task_definition_is_reported(tmp_path):
    text = '[\n  {"name": "php-app", "imageUri": "' + URI + '"}\n]'

    [finding] = lint_json(tmp_path, text)

    assert (finding.rule, finding.line) == ("definitions-name", 2)
    assert "name 'php-app' is not the task definition's container 'php-app-container'" in finding.message
    assert finding.fix == 'use "name": "php-app-container" (from $CONTAINER_NAME)'


def test_thousands_of_wrong_container_names_are_reported_up_to_the_cap_then_counted(tmp_path):
    # given 3,000 entries, each on its own line, none named as the task definition's container
    text = "[\n" + ",\n".join(f'{{"name": "other{n}", "imageUri": "{URI}"}}' for n in range(3000)) + "\n]"
    # when
    findings = lint_json(tmp_path, text)
    # then the first 50 of the rule, then one on the 51st's line counting the other 2,950
    assert [(f.rule, f.line) for f in findings] == [("definitions-name", 2 + n) for n in range(51)]
    assert "name 'other49' is not the task definition's container" in findings[49].message
    assert findings[50].message == ("and 2950 more definitions-name findings like it in this file, "
                                    "from this line on (lint reports the first 50 of each rule)")


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


def lint_generic(tmp_path: Path, uri: str) -> list:
    path = tmp_path / "imagedefinitions.json"
    path.write_text(json.dumps([{"name": "web", "imageUri": uri}]))
    return lint_paths([path], Settings(), Selection("generic"))


@pytest.mark.parametrize("uri", [
    "nginx:1.27", "library/nginx", "docker.io/bitnami/nginx:latest",
    "public.ecr.aws/g1v4g5y9/expess-app:latest",
    "ghcr.io/org/app:v1.2.3", "registry.example.com:5000/team/app@sha256:" + "a" * 64,
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/other-app:a1b2c3d",
])
def test_an_image_from_any_registry_is_accepted_by_the_generic_rules(tmp_path, uri):
    assert lint_generic(tmp_path, uri) == []


@pytest.mark.parametrize("uri", ["https://123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest",
                                 " 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:9", "My-App:latest"])
def test_what_is_no_image_reference_is_reported_by_the_generic_rules(tmp_path, uri):
    [finding] = lint_generic(tmp_path, uri)

    assert finding.rule == "image-uri"
    assert "is not an image reference ECS can pull" in finding.message


def test_the_corpus_holds_every_stored_file_with_its_source():
    stored = {p.name for p in CORPUS.iterdir() if p.name != "SOURCES.toml"}

    assert stored == {source["name"] for source in SOURCES}
    assert all(len(s["commit"]) == 40 and "/" in s["repository"] and s["path"] for s in SOURCES)


@pytest.mark.parametrize("source", SOURCES, ids=[s["name"] for s in SOURCES])
def test_generic_rules_report_only_the_real_defects_of_each_real_file(source):
    expected = sorted((f["rule"], f["line"]) for f in source.get("finding", []))

    found = lint_paths([CORPUS / source["name"]], Settings(), Selection("generic"))

    assert sorted((f.rule, f.line) for f in found) == expected, found
    assert all(f["why"] for f in source.get("finding", []))
