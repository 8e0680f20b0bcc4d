"""A file's kind comes from its content: a buildspec named like a Dockerfile is a buildspec."""

import pytest

from pipeline_harness.lint import kind
from pipeline_harness.lint.lint import lint_text
from pipeline_harness.settings import Settings


@pytest.mark.parametrize(("text", "path", "expected"), [
    ("version: 0.2\nphases:\n  build:\n    commands:\n      - make\n", "buildspec-dockerfile.yml",
     kind.BUILDSPEC),
    ("# syntax=docker/dockerfile:1\nARG BASE=php:8.3-apache\nFROM ${BASE}\n", "build.txt", kind.DOCKERFILE),
    ("FROM php:8.3-apache\n", "Dockerfile.prod", kind.DOCKERFILE),
    ('[{"name": "web", "imageUri": "x"}]', "definitions.out", kind.DEFINITIONS),
    ('{"version": 0.2, "phases": {"build": {"commands": ["make"]}}}', "buildspec.json", kind.BUILDSPEC),
    ("[{not json", "imagedefinitions.json", kind.DEFINITIONS),
    ("phases:\n  build: {}\n", "Dockerfile", kind.BUILDSPEC),
])
def test_kind_is_decided_by_content(text, path, expected):
    assert kind.of(text, path) == expected


def test_a_buildspec_whose_name_holds_dockerfile_is_linted_as_a_buildspec():
    text = "version: 0.2\nphases:\n  build:\n    commands:\n      - docker build -t app .\n"

    assert lint_text(text, "dockerfile-buildspec.yml", Settings(), rules="generic") == []
