"""The registry of rules, gathered from their declarations beside their checks: every rule a lint
module declares is in it, and each rule's example breaks it. Rule sets and ruff-like selection:
generic drops the lab's rules, --select keeps only some, --ignore drops some, SC stands for every
ShellCheck code, and the [lint] config table says the same."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

from pipeline_harness import lint as lint_package
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.lint import rules
from pipeline_harness.lint.findings import GENERIC, RULE_SETS, Finding, Rule
from pipeline_harness.lint.lint import lint_texts
from pipeline_harness.lint.rules import Selection, from_config
from pipeline_harness.settings import Settings

LINT_DIR = Path(lint_package.__file__).parent


def finding(rule_id: str, fatal: bool = False) -> Finding:
    declared = rules.rule(rule_id)
    assert declared is not None
    if fatal:
        return declared.unparsable("buildspec.yml", 1, "message", "fix").finding
    return declared.at("buildspec.yml", 1, "message", "fix")


FOUND = [finding("missing-tag"), finding("ecr-get-login"), finding("SC2086"), finding("SC1010"),
         finding("yaml-invalid", fatal=True)]


def reported(selection: Selection) -> list[str]:
    return [f.rule for f in selection.apply(FOUND)]


def _lint_modules() -> list:
    return [importlib.import_module(f"{lint_package.__name__}.{info.name}")
            for info in pkgutil.iter_modules([str(LINT_DIR)])]


def test_every_rule_a_lint_module_declares_is_in_the_registry_under_its_id():
    # given every module of the package, each imported
    declared = [value for module in _lint_modules() for value in vars(module).values()
                if isinstance(value, Rule)]

    # then each rule it holds is the registry's rule of that id (no module was left out of MODULES)
    assert declared
    assert [r.id for r in declared if rules.RULES.get(r.id) is not r] == []


def test_a_rule_is_declared_only_at_the_top_level_of_its_module():
    # a Rule(...) inside a function would escape the registry; every one is a module's constant
    misplaced = []
    for path in sorted(LINT_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(node.value) for node in tree.body if isinstance(node, ast.Assign)}
        misplaced += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                      if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Rule"
                      and id(node) not in top_level]
    assert misplaced == []


def test_every_rule_has_a_set_a_level_and_its_documentation():
    for rule in rules.RULES.values():
        assert rule.rule_set in RULE_SETS and rule.level in ("error", "note"), rule.id
        assert all((rule.summary, rule.why, rule.source, rule.fix)), rule.id
    assert rules.rule("SC2154") is rules.RULES["SC2154"] and rules.RULES["SC2154"].latent
    shellcheck = rules.rule("SC2086")
    assert shellcheck is not None and shellcheck.rule_set == GENERIC and not shellcheck.latent
    assert rules.rule("SC20860") is None and rules.rule("ecr_login") is None


# what no file's text can show: each has tests of its own (test_buildspec_hostile_input.py,
# test_buildspec_lint.py, test_buildspec_shellcheck_limits.py)
WITHOUT_EXAMPLE = {"unreadable": "a directory, a FIFO, a device", "not-text": "a NUL byte",
                   "not-utf8": "bytes that are not UTF-8", "too-large": "over 1 MiB",
                   "shellcheck-failed": "over ShellCheck's limits"}
EXAMPLES = [r for r in rules.RULES.values() if r.example is not None]


@pytest.fixture(scope="module")
def examples_linted() -> dict[str, list[Finding]]:
    """Each rule's example linted with the rule's own set, every rule of the set selected."""
    found: dict[str, list[Finding]] = {}
    for rule_set in RULE_SETS:
        chosen = [r for r in EXAMPLES if r.rule_set == rule_set]
        every = tuple(r.id for r in rules.RULES.values() if r.rule_set in (GENERIC, rule_set))
        items = [(r.example or "", f"{r.id}/{r.example_file}") for r in chosen]
        linted = lint_texts(items, Settings(), Selection(rule_set, select=every))
        found |= dict(zip([r.id for r in chosen], linted, strict=True))
    return found


def test_only_a_rule_no_text_can_show_goes_without_an_example():
    assert sorted(r.id for r in rules.RULES.values() if r.example is None) == sorted(WITHOUT_EXAMPLE)


@pytest.mark.parametrize("rule", EXAMPLES, ids=[r.id for r in EXAMPLES])
def test_each_rules_example_breaks_that_rule(examples_linted, rule):
    found = examples_linted[rule.id]

    assert [f for f in found if rules.matches(rule.id, f.rule)], found


def test_every_finding_of_the_examples_is_of_its_registered_rule(examples_linted):
    found = [f for findings in examples_linted.values() for f in findings]

    assert found
    assert [f.rule for f in found if rules.rule(f.rule) is not f.declared] == []


@pytest.mark.parametrize(("selection", "expected"), [
    (Selection(), ["missing-tag", "ecr-get-login", "SC2086", "SC1010", "yaml-invalid"]),
    (Selection("generic"), ["ecr-get-login", "SC2086", "SC1010", "yaml-invalid"]),
    (Selection(select=("SC",)), ["SC2086", "SC1010", "yaml-invalid"]),
    (Selection(ignore=("SC2086", "missing-tag")), ["ecr-get-login", "SC1010", "yaml-invalid"]),
    (Selection("generic", select=("missing-tag",)), ["yaml-invalid"]),
])
def test_selection_keeps_the_chosen_rules_and_always_the_fatal_ones(selection, expected):
    assert reported(selection) == expected


def test_unknown_rule_or_set_is_a_configuration_error():
    with pytest.raises(ConfigError, match="unknown lint rule 'ecr_login'"):
        Selection(select=("ecr_login",))
    with pytest.raises(ConfigError, match="rules must be one of generic, lab"):
        Selection("strict")


@pytest.mark.parametrize("selector", ["SC\uff12\uff10\uff18\uff16", "SC\u0662\u0660\u0668\u0666"],
                         ids=["fullwidth-digits", "arabic-indic-digits"])
def test_a_shellcheck_code_with_non_ascii_digits_is_an_unknown_rule(selector):
    # given 'SC2086' written with Unicode digits, which no finding's rule ever matches
    with pytest.raises(ConfigError, match="unknown lint rule"):
        Selection(select=(selector,))
    with pytest.raises(ConfigError, match="unknown lint rule"):
        Selection(ignore=(selector,))


def test_the_lint_table_of_the_config_file_chooses_rules_under_the_command_line(tmp_path):
    # given a config file naming a set and rules to ignore
    config = tmp_path / "harness.toml"
    config.write_text('region = "eu-west-1"\n[lint]\nrules = "generic"\nignore = ["SC2086"]\n')
    # when read alone, through the environment, and under command-line options
    alone = from_config(str(config), environ={})
    via_env = from_config(None, environ={"PIPELINE_HARNESS_CONFIG": str(config)})
    overridden = from_config(str(config), environ={}, rules="lab", ignore=["missing-tag,SC1010"])
    # then
    assert alone == via_env == Selection("generic", ignore=("SC2086",))
    assert overridden == Selection("lab", ignore=("missing-tag", "SC1010"))


@pytest.mark.parametrize(("table", "message"), [
    ('[lint]\nselect = "SC2086"\n', "select must be a list of rule ids"),
    ('[lint]\nstrict = true\n', "unknown [lint] setting 'strict'"),
    ('lint = 3\n', "[lint] in the config file must be a table"),
    ('[lint]\nselect = 5\n', "select must be a list of rule ids"),
    ('[lint]\nignore = [1, 2]\n', "ignore must be a list of rule ids"),
    ('[lint]\nselect = {SC2086 = true}\n', "select must be a list of rule ids"),
], ids=["select-text", "unknown-setting", "lint-not-table", "select-number", "ignore-numbers",
        "select-table"])
def test_a_bad_lint_table_is_one_configuration_error(tmp_path, table, message):
    config = tmp_path / "harness.toml"
    config.write_text(table)

    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        from_config(str(config), environ={})

