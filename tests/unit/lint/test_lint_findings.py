"""A finding is made only from a declared rule, and says it as lint always has: the rule's id, and
its level as the severity (a note is no error)."""

import pytest

from pipeline_harness.lint.files import EMPTY
from pipeline_harness.lint.findings import Finding, Unparsable
from pipeline_harness.lint.lab import MISSING_TAG
from pipeline_harness.lint.script import SHELL_SKIPPED


def test_a_finding_is_made_only_from_a_declared_rule():
    with pytest.raises(TypeError, match="a finding is of a declared Rule, not of 'missing-tag'"):
        Finding("buildspec.yml", 1, "missing-tag", "message", "fix")


def test_a_finding_says_its_rules_id_and_level_in_the_order_lint_reports_them():
    # when
    found = MISSING_TAG.at("buildspec.yml", 7, "no latest tag", "add --tag")
    # then
    assert found.rule == "missing-tag" and found.declared is MISSING_TAG and found.is_error
    assert list(found.as_dict().items()) == [
        ("path", "buildspec.yml"), ("line", 7), ("rule", "missing-tag"), ("message", "no latest tag"),
        ("fix", "add --tag"), ("fatal", False), ("severity", "error")]


def test_a_note_rule_makes_findings_that_are_no_errors_with_the_rules_fix():
    found = SHELL_SKIPPED.at("buildspec.yml", None, "a Windows buildspec")

    assert found.severity == "note" and not found.is_error
    assert found.fix == SHELL_SKIPPED.fix


def test_an_unparsable_file_raises_a_fatal_finding_of_its_rule_that_names_where_and_why():
    err = EMPTY.unparsable("buildspec.yml", None, "the file is empty")

    assert isinstance(err, Unparsable)
    assert err.finding.fatal and err.finding.rule == "empty"
    assert str(err) == "buildspec.yml: the file is empty — write the file's content"
