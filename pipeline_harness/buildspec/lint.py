"""Lint the lab's buildspec.yml for the tutorial's build-side mistakes, each with line and fix."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from yaml.nodes import MappingNode, SequenceNode

from pipeline_harness.buildspec import dockerfile, imagedefinitions, shell, variables, yamlnodes
from pipeline_harness.buildspec.document import COMMAND_SECTIONS, PHASES, Buildspec, Command, load
from pipeline_harness.buildspec.findings import Finding, Unparsable
from pipeline_harness.settings import TUTORIAL_ENV_VARS, Settings

VERSIONS = ("0.2",)
TOP_LEVEL_KEYS = ("version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts",
                  "cache")
PHASE_KEYS = ("run-as", "on-failure", "runtime-versions", "commands", "finally")
PLATFORMS = ("linux/amd64", "linux/arm64")
LOGIN = ("aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS "
         "--password-stdin $AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com")
WRITE_DEFINITIONS = ("""printf '[{"name":"%s","imageUri":"%s"}]' "$CONTAINER_NAME" """
                     """"$REPOSITORY_URI:$COMMIT_HASH" > imagedefinitions.json""")
TAG_SOURCES = {
    "short commit hash": ("CODEBUILD_RESOLVED_SOURCE_VERSION", "$REPOSITORY_URI:$COMMIT_HASH"),
    "build number": ("CODEBUILD_BUILD_NUMBER", "$REPOSITORY_URI:$CODEBUILD_BUILD_NUMBER"),
}


def lint_path(path: str | Path, settings: Settings) -> list[Finding]:
    """Findings for one file, chosen by name: *.json, a Dockerfile, else a buildspec."""
    try:
        if str(path).endswith(".json"):
            return imagedefinitions.lint(path, settings)
        if "dockerfile" in Path(path).name.lower():
            return dockerfile.lint(path, settings)
        return lint_buildspec(load(path), settings)
    except Unparsable as err:
        return [err.finding]


def lint_buildspec(spec: Buildspec, settings: Settings) -> list[Finding]:
    rules = (_structure, _commands, _variables, _ecr_login, _multi_arch, _pushed_tags, _artifacts)
    findings = [finding for rule in rules for finding in rule(spec, settings)]
    return sorted(findings, key=lambda f: (f.line or 0, f.rule))


def _finding(spec: Buildspec, line: int | None, rule: str, message: str, fix: str) -> Finding:
    return Finding(spec.path, line, rule, message, fix)


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def _structure(spec: Buildspec, settings: Settings) -> Iterator[Finding]:
    version = spec.get("version")
    if version is None:
        yield _finding(spec, 1, "version", "no version: CodeBuild rejects the buildspec",
                       "add 'version: 0.2' as the first line")
    elif spec.scalar("version") not in VERSIONS:
        yield _finding(spec, yamlnodes.line(version[1]), "version",
                       f"unknown version {spec.scalar('version') or yamlnodes.kind(version[1])!r}: "
                       "this lab's buildspec is version 0.2 (0.1 runs each command in its own "
                       "shell, so variables set in pre_build are gone in build)",
                       "write 'version: 0.2'")
    for name, key, _ in yamlnodes.items(spec.root):
        if name not in TOP_LEVEL_KEYS:
            yield _finding(spec, yamlnodes.line(key), "unknown-key",
                           f"unknown top-level key '{name}': CodeBuild ignores or rejects it",
                           f"{_did_you_mean(name, TOP_LEVEL_KEYS)}"
                           f"known keys: {', '.join(TOP_LEVEL_KEYS)}")
    yield from _phases(spec)


def _phases(spec: Buildspec) -> Iterator[Finding]:
    phases = spec.get("phases")
    if phases is None or not isinstance(phases[1], MappingNode):
        line = yamlnodes.line(phases[0]) if phases else 1
        yield _finding(spec, line, "phases", "no phases mapping: the build would run nothing",
                       "add 'phases:' with install, pre_build, build and post_build")
        return
    for name, key, value in yamlnodes.items(phases[1]):
        if name not in PHASES:
            yield _finding(spec, yamlnodes.line(key), "unknown-phase",
                           f"unknown phase '{name}': CodeBuild runs only {', '.join(PHASES)}",
                           f"{_did_you_mean(name, PHASES)}rename it to one of {', '.join(PHASES)}")
            continue
        for key_name, phase_key, _ in yamlnodes.items(value):
            if key_name not in PHASE_KEYS:
                yield _finding(spec, yamlnodes.line(phase_key), "unknown-phase-key",
                               f"unknown key '{key_name}' in phase {name}: its commands never run",
                               f"{_did_you_mean(key_name, PHASE_KEYS)}"
                               f"known keys: {', '.join(PHASE_KEYS)}")


def _commands(spec: Buildspec, settings: Settings) -> Iterator[Finding]:
    for phase in PHASES:
        for section in COMMAND_SECTIONS:
            found = spec.get("phases", phase, section)
            if found and not isinstance(found[1], SequenceNode):
                yield _finding(spec, yamlnodes.line(found[0]), "commands-not-list",
                               f"phases.{phase}.{section} is a {yamlnodes.kind(found[1])}, "
                               "not a list of commands",
                               f"write each command as a list item: '- <command>' under {section}:")
    for command in spec.commands:
        if command.text is None:
            yield _not_a_string(spec, command)
        elif command.node.style == ">" and "\n" in command.text.rstrip("\n"):
            yield _finding(spec, command.line, "command-split",
                           "a line of this folded (>) command is indented more than the first, so "
                           "YAML keeps the line break and bash runs the lines as separate commands",
                           "indent every line of the folded command the same")


def _not_a_string(spec: Buildspec, command: Command) -> Finding:
    where = f"phases.{command.phase}.{command.section}[{command.index}]"
    if isinstance(command.node, MappingNode):
        source = spec.text[command.node.start_mark.index:command.node.end_mark.index].strip()
        quoted = "'" + source.replace("'", "''") + "'"
        return _finding(spec, command.line, "command-is-mapping",
                        f"{where} has an unquoted ': ', so YAML reads a mapping, not a command; "
                        f"CodeBuild fails with 'Expected Commands[{command.index}] to be of "
                        "string type: found subkeys instead'",
                        f"quote the whole command: - {quoted} (or use ' - ' instead of ': ')")
    return _finding(spec, command.line, "command-not-string",
                    f"{where} is a {yamlnodes.kind(command.node) if command.node.value else 'empty'}"
                    " entry, not a command",
                    "write one shell command per list item, as text")


def _variables(spec: Buildspec, settings: Settings) -> Iterator[Finding]:
    known = set(variables.GIVEN) | variables.declared(spec)
    set_later = variables.sources(spec)
    reported: set[str] = set()
    for command in spec.commands:
        if not command.text:
            continue
        for name in shell.references(command.text):
            if name in known or variables.is_given(name) or name in reported:
                continue
            reported.add(name)
            yield _undefined(spec, command, name, set_later)
        known |= set(shell.assignments(command.text))


def _undefined(spec: Buildspec, command: Command, name: str, set_later: dict) -> Finding:
    if name in set_later:
        return _finding(spec, command.line, "variable-used-before-set",
                        f"${name} is used before any command sets it, so it expands to nothing",
                        f"set {name} in an earlier phase or command")
    suggestion = _did_you_mean(name, sorted(variables.GIVEN | set(set_later)))
    return _finding(spec, command.line, "undefined-variable",
                    f"${name} is not one of the project's variables "
                    f"({', '.join(TUTORIAL_ENV_VARS)}), not a CodeBuild variable, and not set "
                    "by this buildspec: it expands to nothing",
                    f"{suggestion}use the tutorial's names (Step 5), or set {name} under "
                    "env: variables:")


def _ecr_login(spec: Buildspec, settings: Settings) -> Iterator[Finding]:
    for command in spec.commands:
        text = command.text or ""
        if re.search(r"\baws\s+ecr\s+get-login(\s|$)", text):
            yield _finding(spec, command.line, "ecr-login",
                           "'aws ecr get-login' was removed in AWS CLI v2, which "
                           "aws/codebuild/standard:7.0 ships", f"use: {LOGIN}")
            return
        if "get-login-password" in text and "--password-stdin" in text:
            return
    line = spec.phase_commands("pre_build")[0].line if spec.phase_commands("pre_build") else 1
    yield _finding(spec, line, "ecr-login",
                   "no ECR login (aws ecr get-login-password | docker login): the push is refused "
                   "with 'no basic auth credentials'", f"add to pre_build: {LOGIN}")


def _buildx_builds(spec: Buildspec) -> list[tuple[Command, shell.BuildxBuild]]:
    return [(command, shell.parse_buildx_build(argv[2:]))
            for command in spec.commands if command.text
            for argv in shell.docker_commands(command.text) if argv[:2] == ["buildx", "build"]]


def _multi_arch(spec: Buildspec, settings: Settings) -> Iterator[Finding]:
    builds = _buildx_builds(spec)
    fix = ("docker buildx build --platform linux/amd64,linux/arm64 --tag ... --push sample_app")
    if not builds:
        plain = next((c for c in spec.commands if c.text and any(
            argv[:1] == ["build"] for argv in shell.docker_commands(c.text))), None)
        yield _finding(spec, plain.line if plain else 1, "not-multi-arch",
                       "no 'docker buildx build': the image is built only for the build host's "
                       "architecture, so arm64 tasks cannot run it", f"build with: {fix}")
        return
    sources = variables.sources(spec)
    for command, build in builds:
        platforms = {p for raw in build.platforms for p in _expand(raw, sources).split(",")}
        missing = [p for p in PLATFORMS if p not in platforms]
        if missing:
            yield _finding(spec, command.line, "not-multi-arch",
                           f"docker buildx build does not build {' and '.join(missing)} "
                           f"(platforms: {', '.join(sorted(platforms)) or 'none given'})",
                           "add --platform linux/amd64,linux/arm64")


def _expand(text: str, sources: dict[str, str]) -> str:
    """A value with variables the buildspec sets to plain text substituted (one level)."""
    for name in shell.references(text):
        value = sources.get(name, "")
        if not shell.references(value):
            text = text.replace("${" + name + "}", value).replace("$" + name, value)
    return text.strip("'\"")


def _pushed_tags(spec: Buildspec, settings: Settings) -> Iterator[Finding]:
    builds = _buildx_builds(spec)
    for command, build in builds:
        if not build.push:
            yield _finding(spec, command.line, "not-pushed",
                           "docker buildx build does not push: a multi-arch image exists only in "
                           "the builder, so nothing reaches ECR", "add --push")
    pushed = [(command, tag) for command, build in builds if build.push for tag in build.tags]
    pushed += [(command, argv[1]) for command in spec.commands if command.text
               for argv in shell.docker_commands(command.text)
               if argv[:1] == ["push"] and len(argv) > 1]
    pushing = builds[-1][0] if builds else (pushed[-1][0] if pushed else None)
    line = pushing.line if pushing else 1
    sources = variables.sources(spec)
    if not any(_tag(ref) == "latest" for _, ref in pushed):
        yield _missing_tag(spec, line, "latest", "$REPOSITORY_URI:latest")
    for kind, (variable, example) in TAG_SOURCES.items():
        if not any(variables.derives_from(_tag(ref), variable, sources) for _, ref in pushed):
            yield _missing_tag(spec, line, kind, example, _source_version_hint(pushed, sources))


def _tag(ref: str) -> str:
    name, _, tag = ref.rpartition(":")
    return tag if name and "/" not in tag else ""


def _missing_tag(spec: Buildspec, line: int, kind: str, example: str, hint: str = "") -> Finding:
    return _finding(spec, line, "missing-tag",
                    f"no image is pushed with the {kind} tag; tutorial Step 7 expects the commit "
                    f"hash, latest and the build number in ECR{hint if 'commit' in kind else ''}",
                    f"add --tag {example} to the docker buildx build --push")


def _source_version_hint(pushed: list, sources: dict[str, str]) -> str:
    if any(variables.derives_from(_tag(ref), "CODEBUILD_SOURCE_VERSION", sources) for _, ref in pushed):
        return ("; CODEBUILD_SOURCE_VERSION is the S3 source artifact under CodePipeline, not the "
                "commit: take it from CODEBUILD_RESOLVED_SOURCE_VERSION")
    return ""


def _artifacts(spec: Buildspec, settings: Settings) -> Iterator[Finding]:
    wanted = settings.image_definitions_file
    files = spec.strings("artifacts", "files")
    if not any(Path(name).name == wanted for name, _ in files):
        found = spec.get("artifacts", "files") or spec.get("artifacts")
        others = [name for name, _ in files]
        typo = difflib.get_close_matches(wanted, [Path(n).name for n in others], n=1)
        yield _finding(spec, yamlnodes.line(found[0]) if found else 1, "artifact-missing",
                       (f"artifacts.files names '{typo[0]}', not '{wanted}'" if typo else
                        f"'{wanted}' is not in artifacts.files") +
                       ": the ECS deploy stage reads exactly imagedefinitions.json",
                       f"list it under artifacts: files: as '- {wanted}'")
    yield from _definitions_writer(spec, wanted)


def _definitions_writer(spec: Buildspec, wanted: str) -> Iterator[Finding]:
    target = re.compile(r"(?:>>?|\btee\s+(?:-a\s+)?)\s*[\"']?(?:\S*/)?" + re.escape(wanted) + r"\b")
    writers = [c for c in spec.commands if c.text and target.search(c.text)]
    if not writers:
        yield _finding(spec, spec.commands[-1].line if spec.commands else 1, "definitions-not-written",
                       f"no command writes {wanted}, so the artifact upload fails",
                       f"add to post_build: {WRITE_DEFINITIONS}")
        return
    sources = variables.sources(spec)
    if not any(variables.derives_from(c.text, "CONTAINER_NAME", sources) for c in writers):
        yield _finding(spec, writers[0].line, "definitions-name",
                       f"the name in {wanted} does not come from $CONTAINER_NAME, so it can "
                       "differ from the task definition's container and ECS keeps the old image "
                       "(tutorial Common Issues)", f"write it with: {WRITE_DEFINITIONS}")
