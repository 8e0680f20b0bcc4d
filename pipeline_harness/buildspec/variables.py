"""Which variables a buildspec may use, and where a variable's value comes from."""

from __future__ import annotations

from pipeline_harness.buildspec import shell
from pipeline_harness.buildspec.document import Buildspec
from pipeline_harness.settings import TUTORIAL_ENV_VARS

# CodeBuild's environment variables (AWS CodeBuild User Guide, "Environment variables in build
# environments").
CODEBUILD_VARIABLES = frozenset({
    "AWS_DEFAULT_REGION", "AWS_REGION", "CODEBUILD_BATCH_BUILD_IDENTIFIER", "CODEBUILD_BUILD_ARN",
    "CODEBUILD_BUILD_ID", "CODEBUILD_BUILD_IMAGE", "CODEBUILD_BUILD_NUMBER",
    "CODEBUILD_BUILD_SUCCEEDING", "CODEBUILD_INITIATOR", "CODEBUILD_KMS_KEY_ID",
    "CODEBUILD_LOG_PATH", "CODEBUILD_PUBLIC_BUILD_URL", "CODEBUILD_RESOLVED_SOURCE_VERSION",
    "CODEBUILD_SOURCE_REPO_URL", "CODEBUILD_SOURCE_VERSION", "CODEBUILD_SRC_DIR",
    "CODEBUILD_START_TIME", "CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID", "CODEBUILD_WEBHOOK_BASE_REF",
    "CODEBUILD_WEBHOOK_EVENT", "CODEBUILD_WEBHOOK_HEAD_REF", "CODEBUILD_WEBHOOK_MERGE_COMMIT",
    "CODEBUILD_WEBHOOK_PREV_COMMIT", "CODEBUILD_WEBHOOK_TRIGGER", "HOME",
})
# one per secondary source: CODEBUILD_SRC_DIR_<sourceIdentifier>
CODEBUILD_PREFIXES = ("CODEBUILD_SRC_DIR_",)
# set by bash itself in every build container
SHELL_VARIABLES = frozenset({
    "PATH", "PWD", "OLDPWD", "USER", "SHELL", "HOSTNAME", "RANDOM", "LINENO", "SECONDS", "IFS",
    "UID", "EUID", "PPID", "BASH_VERSION", "BASHPID", "REPLY", "TMPDIR", "LANG",
})
GIVEN = frozenset(TUTORIAL_ENV_VARS) | CODEBUILD_VARIABLES | SHELL_VARIABLES


def declared(spec: Buildspec) -> set[str]:
    """Variables the buildspec's env section gives every command."""
    names = set()
    for section in ("variables", "parameter-store", "secrets-manager"):
        names |= set(spec.mapping("env", section))
    return names


def is_given(name: str) -> bool:
    return name in GIVEN or name.startswith(CODEBUILD_PREFIXES)


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
