"""Every lint rule by id, the set it belongs to, and choosing rules like ruff (--select/--ignore).

`generic` holds what the CodeBuild buildspec reference and the shell say, for any buildspec;
`lab` is generic plus what the lab's tutorial asks. ShellCheck's own codes (SC1000-SC3999) are
generic rules too; `SC` selects or ignores all of them at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline_harness import settings as settings_mod
from pipeline_harness.errors import ConfigError
from pipeline_harness.lint.findings import Finding

GENERIC, LAB = "generic", "lab"
RULE_SETS = (GENERIC, LAB)
DEFAULT_RULES = LAB
SHELLCHECK = "SC"
# ASCII digits only: \d would take 'SC２０８６', which no finding ever has
_SHELLCHECK_CODE = re.compile(r"SC[0-9]{4}")

RULES: dict[str, tuple[str, str]] = {
    # the file itself (always reported: nothing else could be checked)
    "unreadable": (GENERIC, "the file cannot be read"),
    "not-text": (GENERIC, "the file is binary"),
    "not-utf8": (GENERIC, "the file is not UTF-8"),
    "empty": (GENERIC, "the file is empty"),
    "too-large": (GENERIC, "the file is larger than 1 MiB"),
    "yaml-invalid": (GENERIC, "the buildspec is not valid YAML"),
    "not-a-buildspec": (GENERIC, "the YAML is no mapping of buildspec sections"),
    "duplicate-key": (GENERIC, "a key written twice in one mapping: only its last copy counts"),
    "json-invalid": (GENERIC, "imagedefinitions.json is not valid JSON"),
    "not-a-dockerfile": (GENERIC, "a Dockerfile without FROM, or one BuildKit cannot read"),
    # the buildspec reference, checked by the JSON schema
    "version": (GENERIC, "version is missing or not 0.1 / 0.2"),
    "phases": (GENERIC, "neither phases nor batch: the build runs nothing"),
    "unknown-key": (GENERIC, "a key the buildspec reference does not define"),
    "unknown-phase": (GENERIC, "a phase other than install, pre_build, build, post_build"),
    "unknown-phase-key": (GENERIC, "a key a phase does not have (e.g. command: for commands:)"),
    "runtime-versions": (GENERIC, "runtime-versions outside the install phase"),
    "missing-key": (GENERIC, "a key the reference requires (artifacts.files, cache.paths, ...)"),
    "wrong-type": (GENERIC, "a value of the wrong kind (a list where a mapping belongs, ...)"),
    "invalid-value": (GENERIC, "a value the reference does not allow (shell, on-failure, ...)"),
    "commands-not-list": (GENERIC, "commands or finally is not a list"),
    "command-is-mapping": (GENERIC, "an unquoted ': ' made a command a YAML mapping"),
    "command-not-string": (GENERIC, "a command that is a list or mapping, not text"),
    # the commands, beyond what ShellCheck can know
    "command-split": (GENERIC, "a folded (>) command whose deeper-indented line runs on its own"),
    "codebuild-variable": (GENERIC, "a CODEBUILD_ variable CodeBuild does not set"),
    "variable-commented-out": (GENERIC, "a variable whose only assignment is commented out"),
    "ecr-get-login": (GENERIC, "'aws ecr get-login', removed in AWS CLI v2"),
    "push-before-login": (GENERIC, "an image pushed before the docker login to its registry"),
    "push-unbuilt-tag": (GENERIC, "a push of a tag that no command built or tagged"),
    "multi-platform-builder": (GENERIC, "a build for several platforms on the default docker driver"),
    "glob-quote": (GENERIC, "a quote inside an artifact path, which no file name holds"),
    "shell-skipped": (GENERIC, "note: a Windows buildspec's commands are not shell-checked"),
    "shellcheck-failed": (GENERIC, "note: ShellCheck could not run"),
    # imagedefinitions.json and the Dockerfile, for any project
    "definitions-shape": (GENERIC, "imagedefinitions.json is not a list of {name, imageUri}"),
    "unexpanded-variable": (GENERIC, "a $VARIABLE left unexpanded in imagedefinitions.json"),
    "image-uri": (GENERIC, "imageUri is no image reference with a tag or digest"),
    # a multi-arch rule: in generic only on a Dockerfile written for several platforms
    "arch-specific": (GENERIC, "a Dockerfile step fixed to one CPU architecture"),
    # the lab's tutorial
    "lab-version": (LAB, "the lab's buildspec is version 0.2"),
    "undefined-variable": (LAB, "a variable that is not the tutorial's, CodeBuild's or set here"),
    "variable-used-before-set": (LAB, "a variable used before the command that sets it"),
    "ecr-login": (LAB, "no ECR login (get-login-password piped or passed to docker login)"),
    "not-multi-arch": (LAB, "no image for both linux/amd64 and linux/arm64"),
    "not-pushed": (LAB, "docker buildx build without --push"),
    "missing-tag": (LAB, "the commit-hash, latest or build-number tag is not pushed"),
    "artifact-missing": (LAB, "imagedefinitions.json is not among the artifacts"),
    "definitions-not-written": (LAB, "no command writes imagedefinitions.json"),
    "definitions-name": (LAB, "the container name is not $CONTAINER_NAME / the task's container"),
    "image-repository": (LAB, "imageUri is not the lab's ECR repository"),
    "base-not-argument": (LAB, "the Dockerfile's base image is not a build argument"),
    "base-default": (LAB, "the base image's default is not the official PHP Apache image"),
    "expose": (LAB, "EXPOSE is not the port the task definition and target group use"),
}


# ShellCheck codes that flag style or a latent issue, not a command that fails: off in the generic
# set unless selected by code (or SC); the lab set keeps them (docs/lint.md, "ShellCheck's codes")
LATENT_SHELLCHECK: dict[str, str] = {
    "SC1007": "`X= command` runs the command with X empty, as meant (`AWS_ACCESS_KEY_ID= tox`)",
    "SC2046": "an unquoted $(...) splits only when its output holds spaces or glob characters "
              "(`latest-$(uname -m)` is one word)",
    "SC2140": "\"A\"B\"C\" joins into one word; only a B with spaces would split",
    "SC2155": "`export X=$(...)` sets X; only a failing substitution goes unnoticed",
    "SC2154": "a variable no command sets may be the project's: CodeBuild sets a project's "
              "environment variables, of any name, in every build",
}


def rule_set(rule: str) -> str:
    return GENERIC if _SHELLCHECK_CODE.fullmatch(rule) else RULES.get(rule, (LAB, ""))[0]


def matches(selector: str, rule: str) -> bool:
    return selector == rule or (selector == SHELLCHECK and bool(_SHELLCHECK_CODE.fullmatch(rule)))


@dataclass(frozen=True)
class Selection:
    """Which rules report: a set, then --select (only these) and --ignore (not these)."""

    rules: str = DEFAULT_RULES
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def __post_init__(self):
        if self.rules not in RULE_SETS:
            raise ConfigError(f"rules must be one of {', '.join(RULE_SETS)}, not {self.rules!r}")
        for selector in (*self.select, *self.ignore):
            if selector != SHELLCHECK and selector not in RULES \
                    and not _SHELLCHECK_CODE.fullmatch(selector):
                raise ConfigError(f"unknown lint rule {selector!r}; rules are listed in docs/lint.md "
                                  "(ShellCheck codes as SC2086, or SC for all of them)")

    @property
    def lab(self) -> bool:
        return self.rules == LAB

    def reports(self, finding: Finding) -> bool:
        if finding.fatal:
            return True
        if rule_set(finding.rule) == LAB and not self.lab:
            return False
        selected = any(matches(s, finding.rule) for s in self.select)
        if self.select and not selected:
            return False
        if finding.rule in LATENT_SHELLCHECK and not self.lab and not selected:
            return False
        return not any(matches(s, finding.rule) for s in self.ignore)

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if self.reports(f)]


def split(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """RULE,RULE (or a list of them) as a tuple of rule ids."""
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(part.strip() for item in items for part in str(item).split(",") if part.strip())


def from_config(config: str | os.PathLike | None, environ: Mapping[str, str] | None = None,
                rules: str | None = None, select: Iterable[str] | str | None = None,
                ignore: Iterable[str] | str | None = None) -> Selection:
    """The [lint] table of the config file (--config or PIPELINE_HARNESS_CONFIG), under the CLI's."""
    environ = os.environ if environ is None else environ
    config = config or environ.get(settings_mod.ENV_PREFIX + "CONFIG")
    table = _lint_table(settings_mod.load_toml(config)) if config else {}
    return Selection(rules=rules or table.get("rules", DEFAULT_RULES),
                     select=split(select) or split(table.get("select")),
                     ignore=split(ignore) or split(table.get("ignore")))


def _lint_table(data: dict[str, Any]) -> dict[str, Any]:
    table = data.get("lint", {})
    if not isinstance(table, dict):
        raise ConfigError("[lint] in the config file must be a table")
    unknown = set(table) - {"rules", "select", "ignore"}
    if unknown:
        raise ConfigError(f"unknown [lint] setting {sorted(unknown)[0]!r}; known: rules, select, ignore")
    for key in ("select", "ignore"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"[lint] {key} must be a list of rule ids, e.g. {key} = [\"SC2086\"]")
    if not isinstance(table.get("rules", DEFAULT_RULES), str):
        raise ConfigError(f"[lint] rules must be one of {', '.join(RULE_SETS)}")
    return table
