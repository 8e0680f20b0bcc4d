"""Which variables a buildspec may use, and where a variable's value comes from."""

from __future__ import annotations

import re

from yaml.nodes import Node

from pipeline_harness.lint import shell, yamlnodes
from pipeline_harness.lint.document import Buildspec
from pipeline_harness.settings import TUTORIAL_ENV_VARS

# CodeBuild's environment variables (AWS CodeBuild User Guide, "Environment variables in build
# environments")
CODEBUILD_VARIABLES = frozenset({
    "AWS_DEFAULT_REGION", "AWS_REGION", "CODEBUILD_BATCH_BUILD_IDENTIFIER", "CODEBUILD_BUILD_ARN",
    "CODEBUILD_BUILD_ID", "CODEBUILD_BUILD_IMAGE", "CODEBUILD_BUILD_NUMBER",
    "CODEBUILD_BUILD_SUCCEEDING", "CODEBUILD_INITIATOR", "CODEBUILD_KMS_KEY_ID",
    "CODEBUILD_LOG_PATH", "CODEBUILD_PROJECT_ARN", "CODEBUILD_PUBLIC_BUILD_URL",
    "CODEBUILD_RESOLVED_SOURCE_VERSION", "CODEBUILD_SOURCE_REPO_URL", "CODEBUILD_SOURCE_VERSION",
    "CODEBUILD_SRC_DIR", "CODEBUILD_START_TIME", "CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID",
    "CODEBUILD_WEBHOOK_BASE_REF", "CODEBUILD_WEBHOOK_EVENT", "CODEBUILD_WEBHOOK_HEAD_REF",
    "CODEBUILD_WEBHOOK_MERGE_COMMIT", "CODEBUILD_WEBHOOK_PREV_COMMIT", "CODEBUILD_WEBHOOK_TRIGGER",
    "HOME",
    # set in every build though the guide does not list it (AWS's own aws-toolkit-jetbrains
    # buildspecs read it)
    "CODEBUILD_BUILD_URL",
})
# one per secondary source: CODEBUILD_SRC_DIR_<sourceIdentifier>, CODEBUILD_SOURCE_VERSION_<id>
CODEBUILD_PREFIXES = ("CODEBUILD_SRC_DIR_", "CODEBUILD_SOURCE_VERSION_")
# set by the shell itself in every build container
SHELL_VARIABLES = frozenset({
    "PATH", "PWD", "OLDPWD", "USER", "SHELL", "HOSTNAME", "RANDOM", "LINENO", "SECONDS", "IFS",
    "UID", "EUID", "PPID", "BASH_VERSION", "BASHPID", "REPLY", "TMPDIR", "LANG",
})
GIVEN = frozenset(TUTORIAL_ENV_VARS) | CODEBUILD_VARIABLES | SHELL_VARIABLES
_ENV_SECTIONS = ("variables", "parameter-store", "secrets-manager")


def is_codebuild(name: str) -> bool:
    return name in CODEBUILD_VARIABLES or name.startswith(CODEBUILD_PREFIXES)


def declared(spec: Buildspec) -> set[str]:
    """Variables the buildspec's env section, or a batch build's env, give every command."""
    names = set()
    for section in _ENV_SECTIONS:
        names |= set(spec.mapping("env", section))
    return names | _batch_variables(spec)


def _batch_variables(spec: Buildspec) -> set[str]:
    batch = spec.get("batch")
    names: set[str] = set()
    for name, _, value in yamlnodes.items(batch[1]) if batch else []:
        tasks = value.value if name in ("build-graph", "build-list") and isinstance(value.value, list) else []
        for task in tasks:
            names |= _env_names(task)
        if name == "build-matrix":
            for part in ("static", "dynamic"):
                found = yamlnodes.get(value, part)
                names |= _env_names(found[1]) if found else set()
    return names


def _env_names(node: Node) -> set[str]:
    env = yamlnodes.get(node, "env")
    found = yamlnodes.get(env[1], "variables") if env else None
    return {name for name, _, _ in yamlnodes.items(found[1])} if found else set()


def sources(spec: Buildspec) -> dict[str, str]:
    """Each variable the buildspec sets, with the text it is set from (env section, commands)."""
    found = dict(spec.mapping("env", "variables"))
    for command in spec.commands:
        if command.text:
            found.update(shell.assignments(command.text))
    return found


def derives_from(text: str, variable: str, spec_sources: dict[str, str]) -> bool:
    """Whether text refers to variable, directly or through variables set from it."""
    seen: set[str] = set()
    pending = list(shell.references(text))
    while pending:
        name = pending.pop()
        if name == variable:
            return True
        if name in seen or name not in spec_sources:
            continue
        seen.add(name)
        pending.extend(shell.references(spec_sources[name]))
    return False


def commented_assignment(spec: Buildspec, name: str) -> tuple[int, str] | None:
    """The line of a commented-out `NAME=...`, the only trace of a variable's value, with the
    value as written after the `=`."""
    assignment = re.compile(rf"(?:^|[\s;&|(-])(?:export\s+)?{re.escape(name)}\+?=(.*)")
    for number, line in enumerate(spec.text.split("\n"), 1):
        stripped = line.strip()
        found = assignment.search(stripped.lstrip("#")) if stripped.startswith("#") else None
        if found:
            return number, found.group(1)
    return None


def computed_by_the_build(value: str, spec: Buildspec) -> bool:
    """Whether a value can only come from the build itself: a command's output, a variable
    CodeBuild sets for each build (the commit, the build number), or one this buildspec's commands
    set. A project's environment variable is one fixed text for every build (CodeBuild API,
    EnvironmentVariable), so such a value cannot have moved there; a literal, or one made of the
    project's own variables, can."""
    if "$(" in value or "`" in value:
        return True
    set_by_commands = {name for command in spec.commands if command.text
                       for name in shell.assignments(command.text)}
    return any(name.startswith("CODEBUILD_") or name in set_by_commands
               for name in shell.references(value))
