"""Rule sets and ruff-like selection: generic drops the lab's rules, --select keeps only some,
--ignore drops some, SC stands for every ShellCheck code, and the [lint] config table says the same."""

from pathlib import Path

import pytest

from pipeline_harness.errors import ConfigError
from pipeline_harness.lint import rules
from pipeline_harness.lint.findings import Finding
from pipeline_harness.lint.rules import Selection, from_config


def finding(rule: str, fatal: bool = False) -> Finding:
    return Finding("buildspec.yml", 1, rule, "message", "fix", fatal=fatal)


FOUND = [finding("missing-tag"), finding("ecr-get-login"), finding("SC2086"), finding("SC1010"),
         finding("yaml-invalid", fatal=True)]


def reported(selection: Selection) -> list[str]:
    return [f.rule for f in selection.apply(FOUND)]


def test_every_rule_belongs_to_a_set_and_says_what_it_checks():
    assert all(rule_set in rules.RULE_SETS and summary for rule_set, summary in rules.RULES.values())
    assert rules.rule_set("SC2154") == rules.GENERIC


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


def test_docs_list_every_rule_with_its_set():
    docs = (Path(__file__).resolve().parents[3] / "docs" / "lint.md").read_text()

    rows = [line for line in docs.splitlines() if line.startswith("| `")]
    missing = [rule for rule, (rule_set, _) in rules.RULES.items()
               if not any(f"`{rule}`" in row and f"| {rule_set} |" in row for row in rows)]
    assert missing == []
