"""What the lab's tutorial asks of buildspec.yml (Steps 5-7), accepting every valid way to do it:
an ECR login, one image for linux/amd64 and linux/arm64 pushed with the commit-hash, latest and
build-number tags, and imagedefinitions.json written from $CONTAINER_NAME and delivered."""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from pipeline_harness.lint import images, shell, variables, yamlnodes
from pipeline_harness.lint.commands import LOGIN
from pipeline_harness.lint.document import Buildspec, Command
from pipeline_harness.lint.findings import LAB, Finding, Rule
from pipeline_harness.lint.imagedefinitions import DEFINITIONS_NAME
from pipeline_harness.lint.script import ordered
from pipeline_harness.settings import Settings

PLATFORMS = ("linux/amd64", "linux/arm64")
WRITE_DEFINITIONS = ("""printf '[{"name":"%s","imageUri":"%s"}]' "$CONTAINER_NAME" """
                     """"$REPOSITORY_URI:$COMMIT_HASH" > imagedefinitions.json""")
TAG_SOURCES = {
    "short commit hash": ("CODEBUILD_RESOLVED_SOURCE_VERSION", "$REPOSITORY_URI:$COMMIT_HASH"),
    "build number": ("CODEBUILD_BUILD_NUMBER", "$REPOSITORY_URI:$CODEBUILD_BUILD_NUMBER"),
}
_BUILDX = "docker buildx build --platform linux/amd64,linux/arm64 --tag ... --push sample_app"
_PRE_BUILD = "version: 0.2\nphases:\n  pre_build:\n    commands:\n"
_LOGIN_TO_ECR = f"      - {LOGIN}\n"
_BUILD = "  build:\n    commands:\n"

LAB_VERSION = Rule(
    id="lab-version", rule_set=LAB,
    summary="version 0.1, where the lab's buildspec is version 0.2",
    why="version 0.1 runs each command in a shell of its own, so what pre_build sets (the commit "
        "hash, the repository URI) is gone in build",
    source="CodeBuild User Guide, \"Shells and commands in build environments\" (in version 0.1 "
           "each command runs in a separate instance of the shell; version 0.2 solves this)",
    example="version: 0.1\nphases:\n  build:\n    commands:\n      - make\n",
    fix="write 'version: 0.2'")
VARIABLE_USED_BEFORE_SET = Rule(
    id="variable-used-before-set", rule_set=LAB,
    summary="a variable used before the command that sets it",
    why="it expands to nothing where it is used: CodeBuild runs the phases in order, and each "
        "phase's commands in order, in one shell (version 0.2)",
    source="CodeBuild User Guide, \"Build specification reference\" (phases: install, pre_build, "
           "build, post_build, in that order)",
    example=_PRE_BUILD + "      - echo $COMMIT_HASH\n" + _BUILD
            + "      - COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)\n",
    fix="set it in an earlier phase or command")
ECR_LOGIN = Rule(
    id="ecr-login", rule_set=LAB,
    summary="a buildspec with no ECR login (`aws ecr get-login-password` piped or passed to `docker "
            "login`)",
    why="the push to ECR is refused with \"no basic auth credentials\", so no image reaches the "
        "repository",
    source="the tutorial's Step 7 (the images in ECR); Amazon ECR User Guide, \"Private registry "
           "authentication\" (`aws ecr get-login-password` piped to `docker login`)",
    example=_PRE_BUILD + "      - echo building\n" + _BUILD
            + f"      - {_BUILDX.replace('--tag ...', '--tag $REPOSITORY_URI:latest')}\n",
    fix=f"add to pre_build: {LOGIN}")
NOT_MULTI_ARCH = Rule(
    id="not-multi-arch", rule_set=LAB,
    summary="a build with no image for both linux/amd64 and linux/arm64, with platforms normalised "
            "as buildx does (`linux/arm64/v8`, `linux/aarch64` and `arm64` are linux/arm64; "
            "`linux/arm` is 32-bit arm); a platform buildx rejects, such as ` linux/arm64` after a "
            "comma and space, fails the build and is named",
    why="the lab's image is multi-architecture, one image for linux/amd64 and linux/arm64: without "
        "one of them, tasks on that architecture cannot run it",
    source="the tutorial's Step 5 (\"builds multi-architecture Docker images\"; the CodeBuild image "
           "\"must support Docker and buildx\"); docker buildx build reference, `--platform`",
    example=_PRE_BUILD + _LOGIN_TO_ECR + _BUILD + "      - docker build -t $REPOSITORY_URI:latest .\n",
    fix=f"build with: {_BUILDX}")
NOT_PUSHED = Rule(
    id="not-pushed", rule_set=LAB,
    summary="`docker buildx build` without `--push` (a bool flag: `--push=false` does not push) or "
            "an output that pushes (`type=registry`, `type=image,push=true`)",
    why="a multi-platform image buildx builds stays in the builder: without a push nothing reaches "
        "ECR, and the deploy finds no new image",
    source="docker buildx build reference (`--push` is short for `--output=type=registry`)",
    example=_PRE_BUILD + _LOGIN_TO_ECR + _BUILD
            + "      - docker buildx build --platform linux/amd64,linux/arm64 -t $REPOSITORY_URI:latest .\n",
    fix="add --push")
MISSING_TAG = Rule(
    id="missing-tag", rule_set=LAB,
    summary="a commit-hash, latest or build-number tag that is not pushed",
    why="the tutorial's Step 7 checks ECR for the images tagged with the commit hash, latest and "
        "the build number; a build that pushes fewer fails it, and imagedefinitions.json names the "
        "commit's tag",
    source="the tutorial's Step 7 (\"Verify images with tags: commit hash, latest, and build "
           "number\")",
    example=_PRE_BUILD + _LOGIN_TO_ECR + _BUILD
            + f"      - {_BUILDX.replace('--tag ...', '--tag $REPOSITORY_URI:latest')}\n",
    fix="add a --tag for each: the short commit hash, latest and $CODEBUILD_BUILD_NUMBER")
ARTIFACT_MISSING = Rule(
    id="artifact-missing", rule_set=LAB,
    summary="an imagedefinitions.json that is not among the artifacts",
    why="the ECS deploy action reads exactly `imagedefinitions.json` from the build's output "
        "artifact: not there, the Deploy stage fails",
    source="the tutorial's Step 6 (image definitions file `imagedefinitions.json`: \"must be "
           "exactly `imagedefinitions.json`\")",
    example="version: 0.2\nphases:\n  post_build:\n    commands:\n"
            f"      - {WRITE_DEFINITIONS}\nartifacts:\n  files:\n    - imagedefinition.json\n",
    fix="list imagedefinitions.json under artifacts: files:")
DEFINITIONS_NOT_WRITTEN = Rule(
    id="definitions-not-written", rule_set=LAB,
    summary="a buildspec in which no command writes imagedefinitions.json",
    why="the artifact upload finds no file to upload and fails, so the deploy gets no image",
    source="the tutorial's Step 6 (imagedefinitions.json \"is generated by buildspec.yml\")",
    example="version: 0.2\nphases:\n  post_build:\n    commands:\n      - echo done\n"
            "artifacts:\n  files:\n    - imagedefinitions.json\n",
    fix=f"add to post_build: {WRITE_DEFINITIONS}")


def check(spec: Buildspec, settings: Settings, shell_checked: bool) -> list[Finding]:
    found = [*_version(spec), *_ecr_login(spec), *_multi_arch(spec), *_pushed_tags(spec),
             *_artifacts(spec, settings.image_definitions_file)]
    if shell_checked:
        found += _used_before_set(spec)
    return found


def _first_line(spec: Buildspec, phase: str = "pre_build") -> int:
    commands = spec.phase_commands(phase)
    return commands[0].line if commands else 1


def _version(spec: Buildspec) -> Iterator[Finding]:
    found = spec.get("version")
    if found and spec.scalar("version") == "0.1":
        yield LAB_VERSION.at(spec.path, found[1].start_mark.line + 1,
                             "version 0.1 runs each command in its own shell, so variables set in "
                             "pre_build are gone in build; this lab's buildspec is version 0.2")


def _used_before_set(spec: Buildspec) -> Iterator[Finding]:
    given = variables.GIVEN | variables.declared(spec)
    commands = [c for c in ordered(spec) if c.text]
    first_set: dict[str, tuple[int, int]] = {}
    for number, command in enumerate(commands):
        for name, offset in shell.assignments_at(command.text or ""):
            first_set.setdefault(name, (number, offset))
    reported: set[str] = set()
    for number, command in enumerate(commands):
        for name, offset in shell.references_at(command.text or ""):
            if name in given or name in reported or first_set.get(name, (-1, 0)) < (number, offset):
                continue
            reported.add(name)
            yield VARIABLE_USED_BEFORE_SET.at(spec.path, command.line,
                                              f"${name} is used before any command sets it, so it "
                                              "expands to nothing",
                                              f"set {name} in an earlier phase or command")


def _ecr_login(spec: Buildspec) -> Iterator[Finding]:
    texts = [c.text or "" for c in spec.commands]
    if any(shell.V1_ECR_LOGIN.search(t) for t in texts):
        return  # the removed AWS CLI v1 login: ecr-get-login says so
    password_vars = {name for t in texts if "get-login-password" in t
                     for name, _ in shell.assignments_with_values(t)}
    for text in texts:
        logins = [argv for argv in shell.docker_commands(text) if argv[:1] == ["login"]]
        if logins and ("get-login-password" in text or password_vars & set(shell.references(text))):
            return
    yield ECR_LOGIN.at(spec.path, _first_line(spec),
                       "no ECR login (aws ecr get-login-password | docker login): the push is refused "
                       "with 'no basic auth credentials'")


def _buildx_builds(spec: Buildspec) -> list[tuple[Command, shell.BuildxBuild]]:
    return [(command, shell.parse_buildx_build(argv[2:]))
            for command in spec.commands if command.text
            for argv in shell.docker_commands(command.text) if argv[:2] == ["buildx", "build"]]


def _manifest_list(spec: Buildspec) -> bool:
    """Whether an image index is assembled from per-architecture images (docker manifest or
    buildx imagetools), as builds on an amd64 and an arm64 host do."""
    argvs = [argv for c in spec.commands for argv in shell.docker_commands(c.text or "")]
    made = any(argv[:2] == ["manifest", "create"] for argv in argvs) and \
        any(argv[:2] == ["manifest", "push"] for argv in argvs)
    return made or any(argv[:3] == ["buildx", "imagetools", "create"] for argv in argvs)


def _multi_arch(spec: Buildspec) -> Iterator[Finding]:
    builds = _buildx_builds(spec)
    if _manifest_list(spec):
        return
    if not builds:
        plain = next((c for c in spec.commands if c.text and any(
            argv[:1] == ["build"] for argv in shell.docker_commands(c.text))), None)
        yield NOT_MULTI_ARCH.at(spec.path, plain.line if plain else 1,
                                "no 'docker buildx build': the image is built only for the build "
                                "host's architecture, so arm64 tasks cannot run it")
        return
    sources = variables.sources(spec)
    for command, build in builds:
        written = [p for raw in build.platforms for p in _expand(raw, sources).split(",")]
        built = {_platform(p) for p in written}
        missing = [p for p in PLATFORMS if p not in built]
        if missing:
            platforms = ", ".join(sorted(p for p in built if p)) or "none given"
            yield NOT_MULTI_ARCH.at(spec.path, command.line,
                                    f"docker buildx build does not build {' and '.join(missing)} "
                                    f"(platforms: {platforms})"
                                    + _rejected([p for p in written if _platform(p) is None]),
                                    "add --platform linux/amd64,linux/arm64")


def _platform(written: str) -> str | None:
    """The platform buildx builds for a --platform entry; one still holding a variable is the
    project's to decide, so it is kept as written."""
    return written if "$" in written else shell.normal_platform(written)


def _rejected(platforms: list[str]) -> str:
    if not platforms:
        return ""
    return (f"; buildx rejects {', '.join(map(repr, platforms))} and fails the build "
            "(a platform is os/arch[/variant], with no spaces)")


def _expand(text: str, sources: dict[str, str]) -> str:
    """A value with variables the buildspec sets to plain text substituted (one level)."""
    for name in shell.references(text):
        value = sources.get(name, "")
        if not shell.references(value):
            text = text.replace("${" + name + "}", value).replace("$" + name, value)
    return text.strip("'\"")


def _pushed_tags(spec: Buildspec) -> Iterator[Finding]:
    builds = _buildx_builds(spec)
    pushed_events = [e for e in images.events(spec) if e.kind == images.PUSH]
    pushed_refs = {images.with_tag(e.ref) for e in pushed_events}
    for command, build in builds:
        if not build.push and not any(images.with_tag(images.normal(t)) in pushed_refs for t in build.tags):
            yield NOT_PUSHED.at(spec.path, command.line,
                                "docker buildx build does not push: a multi-arch image exists only in "
                                "the builder, so nothing reaches ECR")
    pushing = builds[-1][0] if builds else (pushed_events[-1].command if pushed_events else None)
    line = pushing.line if pushing else 1
    sources = variables.sources(spec)
    tags = [_tag(e.ref) for e in pushed_events]
    if "latest" not in tags:
        yield _missing_tag(spec, line, "latest", "$REPOSITORY_URI:latest")
    for kind, (variable, example) in TAG_SOURCES.items():
        if not any(variables.derives_from(tag, variable, sources) for tag in tags):
            yield _missing_tag(spec, line, kind, example, _source_version_hint(tags, sources))


def _tag(ref: str) -> str:
    name, _, tag = images.with_tag(ref).rpartition(":")
    return tag if name and "/" not in tag else ""


def _missing_tag(spec: Buildspec, line: int, kind: str, example: str, hint: str = "") -> Finding:
    return MISSING_TAG.at(spec.path, line,
                          f"no image is pushed with the {kind} tag; tutorial Step 7 expects the commit "
                          f"hash, latest and the build number in ECR{hint if 'commit' in kind else ''}",
                          f"add --tag {example} to the docker buildx build --push")


def _source_version_hint(tags: list[str], sources: dict[str, str]) -> str:
    if any(variables.derives_from(tag, "CODEBUILD_SOURCE_VERSION", sources) for tag in tags):
        return ("; CODEBUILD_SOURCE_VERSION is the S3 source artifact under CodePipeline, not the "
                "commit: take it from CODEBUILD_RESOLVED_SOURCE_VERSION")
    return ""


def _artifacts(spec: Buildspec, wanted: str) -> Iterator[Finding]:
    writers = _writers(spec, wanted)
    if not any(_delivers(spec, keys, [path for _, path in writers] or [wanted], wanted)
               for keys in _artifact_sections(spec)):
        files = spec.strings("artifacts", "files")
        found = spec.get("artifacts", "files") or spec.get("artifacts")
        typo = difflib.get_close_matches(wanted, [PurePosixPath(n).name for n, _ in files], n=1)
        yield ARTIFACT_MISSING.at(spec.path, found[0].start_mark.line + 1 if found else 1,
                                  (f"artifacts.files names '{typo[0]}', not '{wanted}'" if typo else
                                   f"'{wanted}' is not in artifacts.files") +
                                  ": the ECS deploy stage reads exactly imagedefinitions.json",
                                  f"list it under artifacts: files: as '- {wanted}'")
    yield from _definitions_writer(spec, wanted, [command for command, _ in writers])


def _artifact_sections(spec: Buildspec) -> list[tuple[str, ...]]:
    secondary = spec.get("artifacts", "secondary-artifacts")
    names = [name for name, _, _ in yamlnodes.items(secondary[1])] if secondary else []
    return [("artifacts",), *[("artifacts", "secondary-artifacts", name) for name in names]]


def _delivers(spec: Buildspec, keys: tuple[str, ...], written: list[str], wanted: str) -> bool:
    """Whether an artifact section's files (under its base-directory) take in a written file."""
    base = (spec.scalar(*keys, "base-directory") or "").strip("/").removeprefix("./")
    for path in written:
        path = re.sub(r"^(?:\$\{?CODEBUILD_SRC_DIR\}?/|\./)", "", path)
        relative = _under(path, base)
        if relative is None:
            continue
        for pattern, _ in spec.strings(*keys, "files"):
            pattern = pattern.removeprefix("./")
            if PurePosixPath(relative).name == wanted and (
                    pattern in ("**/*", "*", "**") or fnmatch.fnmatch(relative, pattern)
                    or PurePosixPath(pattern).name == wanted):
                return True
    return False


def _under(path: str, base: str) -> str | None:
    if base in ("", "."):
        return path
    head, _, rest = path.partition("/")
    return rest if rest and fnmatch.fnmatch(head, base) else None


def _writers(spec: Buildspec, wanted: str) -> list[tuple[Command, str]]:
    target = re.compile(r"(?:>>?|\btee\s+(?:-a\s+)?)\s*[\"']?((?:[^\s\"'>|;&]*/)?"
                        + re.escape(wanted) + r")\b")
    return [(c, match.group(1)) for c in spec.commands if c.text for match in [target.search(c.text)]
            if match]


def _definitions_writer(spec: Buildspec, wanted: str, writers: list[Command]) -> Iterator[Finding]:
    if not writers:
        yield DEFINITIONS_NOT_WRITTEN.at(spec.path, spec.commands[-1].line if spec.commands else 1,
                                         f"no command writes {wanted}, so the artifact upload fails")
        return
    sources = variables.sources(spec)
    if not any(variables.derives_from(c.text or "", "CONTAINER_NAME", sources) for c in writers):
        yield DEFINITIONS_NAME.at(spec.path, writers[0].line,
                                  f"the name in {wanted} does not come from $CONTAINER_NAME, so it can "
                                  "differ from the task definition's container and ECS keeps the old "
                                  "image (tutorial Common Issues)", f"write it with: {WRITE_DEFINITIONS}")
