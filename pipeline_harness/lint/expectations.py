"""What a real build of the lab must have done, checked on a dry-run's record."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_harness.lint import shell
from pipeline_harness.lint.dryrun import ECR_PASSWORD, DryRun

PLATFORMS = ("linux/amd64", "linux/arm64")


@dataclass(frozen=True)
class Expected:
    registry: str
    repository_uri: str
    short_commit: str
    build_number: str
    container: str

    @property
    def tags(self) -> list[str]:
        return [f"{self.repository_uri}:{tag}" for tag in (self.short_commit, "latest", self.build_number)]

    @classmethod
    def from_environment(cls, env: dict[str, str], short_length: int = 7) -> Expected:
        """The outcome the tutorial's variables and CodeBuild's call for."""
        registry = f"{env['AWS_ACCOUNT_ID']}.dkr.ecr.{env['AWS_DEFAULT_REGION']}.amazonaws.com"
        return cls(registry=registry, repository_uri=f"{registry}/{env['IMAGE_REPO_NAME']}",
                   short_commit=env["CODEBUILD_RESOLVED_SOURCE_VERSION"][:short_length],
                   build_number=env["CODEBUILD_BUILD_NUMBER"], container=env["CONTAINER_NAME"])


def problems(run: DryRun, expected: Expected) -> list[str]:
    """Every way the dry-run differs from what the lab needs; empty when it built right."""
    return [*_phases(run), *_login(run, expected), *_build(run, expected),
            *_definitions(run, expected)]


def _phases(run: DryRun) -> list[str]:
    failed = run.failure()
    found = [f"phase {failed.phase} failed: line {failed.line} exited {failed.exit_code}: "
             f"{failed.text}"] if failed else []
    found += [f"phase {phase} {state.lower().replace('_', ' ')}"
              for phase, state in run.phases.items() if state != "SUCCEEDED" and not failed]
    return found + [f"artifact {pattern} was not written" for pattern in run.missing_artifacts]


def _login(run: DryRun, expected: Expected) -> list[str]:
    logins = [c for c in run.docker("login") if expected.registry in c.argv]
    if not logins:
        seen = [" ".join(c.argv) for c in run.docker("login")]
        return [f"no docker login to {expected.registry} (logins: {seen or 'none'})"]
    if logins[0].stdin.strip() != ECR_PASSWORD:
        return ["docker login did not get the password from aws ecr get-login-password"]
    builds = run.docker("buildx", "build")
    if builds and run.calls.index(builds[0]) < run.calls.index(logins[0]):
        return ["the image is pushed before the ECR login"]
    return []


def _build(run: DryRun, expected: Expected) -> list[str]:
    builds = [b for b in run.buildx_builds() if b.push]
    if len(builds) != 1:
        return [f"expected one docker buildx build --push, found {len(builds)}"]
    build = builds[0]
    # as buildx reads them: linux/arm64/v8 and arm64 are linux/arm64
    built = {shell.normal_platform(p) for p in build.platforms}
    found = [f"platform {p} is not built (platforms: {', '.join(build.platforms) or 'none'})"
             for p in PLATFORMS if p not in built]
    found += [f"tag {tag} is not pushed (tags: {', '.join(build.tags) or 'none'})"
              for tag in expected.tags if tag not in build.tags]
    return found


def _definitions(run: DryRun, expected: Expected) -> list[str]:
    want = [{"name": expected.container, "imageUri": expected.tags[0]}]
    got = run.image_definitions()
    if got != want:
        text = run.artifacts.get("imagedefinitions.json", "missing")
        return [f"imagedefinitions.json is {text.strip()!r}, expected {want}"]
    return []
