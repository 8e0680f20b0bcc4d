"""A quote inside an artifacts.files entry (a secondary artifact's too) is reported: YAML keeps it
as part of the path, no file name holds it, so the files never reach the artifact."""

import pytest

from pipeline_harness.lint.lint import lint_text
from pipeline_harness.settings import Settings

PHASES = "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n"


def lint(text: str) -> list:
    return [f for f in lint_text(text, "buildspec.yml", Settings(), rules="generic") if f.is_error]


@pytest.mark.parametrize(("entry", "quote"), [
    ('imagedefinitions.json"', '"'),
    ("target/*.jar'", "'"),
    ("dist/\u201c**/*\u201d", "\u201c"),
])
def test_a_quote_inside_a_files_entry_is_reported_on_its_line(entry, quote):
    text = PHASES + f"artifacts:\n  files:\n    - appspec.yml\n    - {entry}\n"

    [finding] = lint(text)

    assert (finding.rule, finding.line) == ("glob-quote", 9)
    assert f"holds a quote ({quote})" in finding.message
    assert "never reach the artifact" in finding.message


def test_a_quote_inside_a_secondary_artifacts_files_entry_is_reported():
    text = PHASES + ("artifacts:\n  secondary-artifacts:\n    deploy:\n      files:\n"
                     "        - 'imagedefinitions.json\"'\n")

    [finding] = lint(text)

    assert (finding.rule, finding.line) == ("glob-quote", 10)
    assert finding.message.startswith("artifacts.secondary-artifacts.deploy.files entry")
    assert finding.fix.startswith("write 'imagedefinitions.json'")


@pytest.mark.parametrize("files", ['\n    - "**/*"', "\n    - '**/*'", "\n    - imagedefinitions.json",
                                   ' "**/*"'])
def test_entries_quoted_as_yaml_quotes_them_are_not_reported(files):
    assert lint(PHASES + f"artifacts:\n  files:{files}\n") == []


def test_a_quote_in_the_last_of_thousands_of_secondary_artifacts_is_reported_on_its_line():
    # given 4,000 secondary artifacts (each section was looked up from the root, reading the
    # 4,000 names each time), the last one's entry holding a quote
    sections = "".join(f"    a{n}:\n      files:\n        - out/{n}\n" for n in range(3999))
    text = (PHASES + "artifacts:\n  secondary-artifacts:\n" + sections
            + "    a3999:\n      files:\n        - out\"\n")
    # when
    [finding] = lint(text)
    # then
    assert (finding.rule, finding.line) == ("glob-quote", 7 + 3 * 4000)
    assert finding.message.startswith("artifacts.secondary-artifacts.a3999.files entry 'out\"'")
