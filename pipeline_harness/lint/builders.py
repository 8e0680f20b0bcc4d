"""Which builder a docker build runs on, and whether that builder can build for several platforms.

A Docker Engine has one builder at first, `default`, on buildx's docker driver, which with the
engine's classic image store builds one platform only (`MULTI_PLATFORM_BUILDER` says how that
fails); `docker build` is `docker buildx build` on that builder. A builder of another driver
(`docker buildx create --use`), chosen by `docker buildx use`, `--builder` or $BUILDX_BUILDER,
builds them all."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline_harness.lint import images, shell
from pipeline_harness.lint.document import Buildspec
from pipeline_harness.lint.findings import GENERIC, Finding, Rule
from pipeline_harness.lint.script import ordered

# what runs a build: docker build, docker image build, docker builder build, docker buildx build/b
_BUILDS = (["build"], ["image", "build"], ["builder", "build"], ["buildx", "build"], ["buildx", "b"])
_DEFAULT_BUILDER = "default"

MULTI_PLATFORM_BUILDER = Rule(
    id="multi-platform-builder", rule_set=GENERIC,
    summary="`docker build --platform a,b` or `docker buildx build` for several platforms before any "
            "builder of another driver is created and used (`docker buildx create --use`, `docker "
            "buildx use`, `--builder`, `$BUILDX_BUILDER`)",
    why="the default builder (docker driver, classic image store) builds one platform only: `docker "
        "build --platform=linux/amd64,linux/arm64 .` fails with \"ERROR: Multi-platform build is not "
        "supported for the docker driver. Switch to a different driver, or turn on the containerd "
        "image store, and try again.\" Lint cannot see the daemon's settings and takes the classic "
        "image store",
    source="Docker docs, \"containerd image store\" (the failing command and its message) and "
           "\"Build drivers\"; docker/buildx#1996",
    example="version: 0.2\nphases:\n  build:\n    commands:\n"
            "      - docker buildx build --platform linux/amd64,linux/arm64 -t app --push .\n",
    fix="create a builder of the docker-container driver first: docker buildx create --use "
        "(or name one with --builder)")


def check(spec: Buildspec) -> list[Finding]:
    if not any("--platform" in (command.text or "") for command in spec.commands):
        return []  # no build names its platforms: nothing to read (most buildspecs)
    return list(_on_the_docker_driver(spec, images.Values(spec)))


def _on_the_docker_driver(spec: Buildspec, values: images.Values) -> Iterator[Finding]:
    chosen = "BUILDX_BUILDER" in spec.mapping("env", "variables")
    for command in ordered(spec):
        text = command.text or ""
        if "BUILDX_BUILDER" in text and any(
                name == "BUILDX_BUILDER" for name, _ in shell.assignments_with_values(text)):
            chosen = True
        if "docker" not in text:
            continue
        for argv, options in shell.docker_invocations(text):
            chosen = _chooses(argv, chosen)
            build = next((argv[len(verb):] for verb in _BUILDS if argv[:len(verb)] == verb), None)
            if build is None or chosen or any(name == "--builder" for name, _ in options):
                continue
            read, _ = shell.flags(build, shell.BUILD_VALUE_FLAGS)
            if any(name == "--builder" for name, _ in read):
                continue
            platforms = _platforms(shell.parse_buildx_build(build).platforms, values)
            if len(platforms) > 1:
                written = " ".join(argv[:2] if argv[0] != "build" else argv[:1])
                yield MULTI_PLATFORM_BUILDER.at(
                    spec.path, command.line,
                    f"docker {written} for {', '.join(platforms)} runs on the default builder, whose "
                    "docker driver builds one platform only: the build fails with 'Multi-platform "
                    "build is not supported for the docker driver'")


def _chooses(argv: list[str], chosen: bool) -> bool:
    """Whether a builder other than the default is in use after this docker command."""
    if argv[:2] == ["buildx", "create"]:
        read, _ = shell.flags(argv[2:], _CREATE_VALUE_FLAGS)
        uses = [value for name, value in read if name == "--use"]
        return chosen or (bool(uses) and uses[-1] in shell.GO_TRUE)
    if argv[:2] == ["buildx", "use"]:
        _, names = shell.flags(argv[2:], set())
        return bool(names) and names[0] != _DEFAULT_BUILDER
    return chosen


def _platforms(written: list[str], values: images.Values) -> list[str]:
    """The distinct platforms of --platform values, as buildx normalises them; a variable the
    buildspec does not fix leaves the platforms unknown (none)."""
    resolved = [p for raw in written for p in values.resolve(raw).split(",")]
    if any("$" in p for p in resolved):
        return []
    return sorted({shell.normal_platform(p) or p for p in resolved if p})


# docker buildx create's flags that take a value (docker buildx create --help)
_CREATE_VALUE_FLAGS = {"--append", "--bootstrap-timeout", "--buildkitd-config", "--buildkitd-flags",
                       "--config", "--driver", "--driver-opt", "--leave", "--name", "--node",
                       "--platform", "--timeout"}
