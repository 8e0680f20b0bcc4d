"""Every lint rule by id, gathered from the modules that declare them beside their checks, and
choosing rules like ruff (--select/--ignore).

`generic` holds what the CodeBuild buildspec reference and the shell say, for any buildspec;
`lab` is generic plus what the lab's tutorial asks. ShellCheck's own codes (SC1000-SC3999) are
generic rules too; `SC` selects or ignores all of them at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from pipeline_harness import settings as settings_mod
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.lint import (
    artifacts,
    builders,
    commands,
    dockerfile,
    document,
    files,
    imagedefinitions,
    lab,
    schema,
    script,
    shellcheck,
    shellfindings,
    yamlnodes,
)
from pipeline_harness.lint.findings import LAB, RULE_SETS, Finding, Rule

DEFAULT_RULES = LAB
SHELLCHECK = shellfindings.SHELLCHECK.id
# ASCII digits only: \d would take 'SC２０８６', which no finding ever has
_SHELLCHECK_CODE = re.compile(r"SC[0-9]{4}")
# the modules that declare rules, in the order the docs list them: the file, its YAML, the
# buildspec reference, the commands, imagedefinitions.json, the Dockerfile, the lab's tutorial
MODULES: tuple[ModuleType, ...] = (files, yamlnodes, document, schema, shellfindings, commands,
                                   artifacts, builders, script, shellcheck, imagedefinitions,
                                   dockerfile, lab)


def _gather() -> dict[str, Rule]:
    """Each module's rules (a rule another module imports is the same one), by id."""
    found: dict[str, Rule] = {}
    for module in MODULES:
        for value in vars(module).values():
            if not isinstance(value, Rule) or found.get(value.id) is value:
                continue
            if value.id in found:
                raise ValueError(f"two lint rules are declared with the id {value.id!r}")
            found[value.id] = value
    return found


RULES: dict[str, Rule] = _gather()


def rule(rule_id: str) -> Rule | None:
    """The declared rule of an id, a ShellCheck code's included; None for an unknown id."""
    if rule_id in RULES:
        return RULES[rule_id]
    return shellfindings.shellcheck_rule(int(rule_id[2:])) if _SHELLCHECK_CODE.fullmatch(rule_id) else None


def matches(selector: str, rule_id: str) -> bool:
    return selector == rule_id or (selector == SHELLCHECK and bool(_SHELLCHECK_CODE.fullmatch(rule_id)))


@dataclass(frozen=True)
class Selection:
    """Which rules report: a set, then --select (only these) and --ignore (not these)."""

    rules: str = DEFAULT_RULES
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.rules not in RULE_SETS:
            raise ConfigError(f"rules must be one of {', '.join(RULE_SETS)}, not {self.rules!r}")
        for selector in (*self.select, *self.ignore):
            if rule(selector) is None:
                raise ConfigError(f"unknown lint rule {selector!r}; rules are listed in docs/lint.md "
                                  "(ShellCheck codes as SC2086, or SC for all of them)")

    @property
    def lab(self) -> bool:
        return self.rules == LAB

    def reports(self, finding: Finding) -> bool:
        if finding.fatal:
            return True
        declared = finding.declared
        if declared.rule_set == LAB and not self.lab:
            return False
        selected = any(matches(s, finding.rule) for s in self.select)
        if self.select and not selected:
            return False
        if declared.latent and not self.lab and not selected:
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
