"""A build for several platforms on the default builder (buildx's docker driver) fails ("Multi-
platform build is not supported for the docker driver", Docker docs, "containerd image store"):
reported unless a builder of another driver is created and used, or named, first."""

import pytest

from pipeline_harness.lint.lint import lint_text
from pipeline_harness.settings import Settings

BUILDX = "docker buildx build --platform linux/amd64,linux/arm64 -t repo/app:v1 --push ."


def lint(*commands: str, env: str = "") -> list:
    text = (f"version: 0.2\n{env}phases:\n  build:\n    commands:\n"
            + "".join(f"      - {c}\n" for c in commands))
    found = lint_text(text, "buildspec.yml", Settings(), rules="generic")
    return [f for f in found if f.rule == "multi-platform-builder"]


@pytest.mark.parametrize("build", [
    BUILDX,
    'docker build --platform "linux/amd64,linux/arm64" -t repo/app:v1 .',
    "docker buildx build --platform=linux/amd64 --platform=linux/arm64 -t repo/app:v1 .",
    "docker image build --platform linux/arm64/v8,linux/x86_64 .",
])
def test_a_multi_platform_build_without_a_builder_is_reported(build):
    [finding] = lint("docker buildx install", build)

    assert finding.line == 6
    assert "for linux/amd64, linux/arm64 runs on the default builder" in finding.message
    assert "Multi-platform build is not supported for the docker driver" in finding.message
    assert finding.fix.startswith("create a builder of the docker-container driver first")


@pytest.mark.parametrize("before", [
    ["docker buildx create --name multiarch --driver docker-container --use"],
    ["docker buildx create --use --name=multiarch", "docker buildx inspect --bootstrap"],
    ["docker buildx create --name multiarch", "docker buildx use multiarch"],
    ["export BUILDX_BUILDER=multiarch"],
])
def test_a_builder_created_and_used_first_is_not_reported(before):
    assert lint(*before, BUILDX) == []


@pytest.mark.parametrize("build", [
    "docker buildx --builder multiarch build --platform linux/amd64,linux/arm64 .",
    "docker buildx build --builder=multiarch --platform linux/amd64,linux/arm64 .",
    "docker buildx build --platform linux/arm64 -t repo/app:arm64 .",
    "docker buildx build --platform $PLATFORMS .",
])
def test_a_named_builder_one_platform_or_platforms_the_project_decides_are_not_reported(build):
    assert lint(build) == []


def test_platforms_the_buildspec_sets_are_read():
    env = "env:\n  variables:\n    PLATFORMS: linux/amd64,linux/arm64\n"

    [finding] = lint("docker buildx build --platform $PLATFORMS .", env=env)

    assert finding.line == 8


def test_a_builder_created_after_the_build_or_switched_back_to_default_is_reported():
    assert len(lint(BUILDX, "docker buildx create --use")) == 1
    assert len(lint("docker buildx create --use", "docker buildx use default", BUILDX)) == 1
    assert len(lint("docker buildx create --name multiarch", BUILDX)) == 1
