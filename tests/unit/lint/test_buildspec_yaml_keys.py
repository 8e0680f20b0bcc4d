"""Keys written twice and YAML merge keys (`<<: *anchor`): every check reads the copy PyYAML
builds, the last one, and sees what a merge brings in, as the schema check does."""

from pipeline_harness.lint.document import parse
from pipeline_harness.lint.lint import lint_text
from pipeline_harness.settings import Settings


def lint(text: str) -> list:
    return lint_text(text, "buildspec.yml", Settings(), rules="generic")


def rules_and_lines(text: str, select: tuple[str, ...] = ()) -> list[tuple[str, int | None]]:
    return [(f.rule, f.line) for f in lint_text(text, "buildspec.yml", Settings(), rules="generic",
                                                select=select)]


# SC2154 (a variable nothing sets) is off in the generic set, as a project may set it: selected
# here, it shows which commands were shell-checked
WITH_UNASSIGNED = ("SC2154", "duplicate-key", "command-is-mapping")


TWO_BUILD_PHASES = """\
version: 0.2
phases:
  build:
    commands:
      - echo "$first_copy_only"
  build:
    commands:
      - echo done: ok
"""


def test_a_phase_written_twice_is_reported_on_the_second_copy_naming_the_first():
    # when
    [duplicate] = [f for f in lint(TWO_BUILD_PHASES) if f.rule == "duplicate-key"]
    # then
    assert duplicate.line == 6
    assert duplicate.message.startswith("'build' is written twice in phases (first on line 3)")
    assert "only the last copy" in duplicate.message
    assert duplicate.fix == "merge the two 'build:' entries into one"
    assert duplicate.severity == "error"


def test_the_commands_of_a_duplicate_phase_are_read_from_its_last_copy_as_the_schema_is():
    # given the first copy's command, unset variable, ShellCheck would report (SC2154), and the
    # last copy's unquoted ': ' the schema reports (command-is-mapping)
    # when
    found = rules_and_lines(TWO_BUILD_PHASES, WITH_UNASSIGNED)
    # then
    assert found == [("duplicate-key", 6), ("command-is-mapping", 8)]


def test_a_commands_key_written_twice_checks_the_last_list():
    text = ("version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"$first_copy_only\"\n"
            "    commands:\n      - echo \"$last_copy\"\n")

    found = rules_and_lines(text, WITH_UNASSIGNED)

    assert found == [("duplicate-key", 6), ("SC2154", 7)]


def test_an_env_variable_written_twice_is_a_duplicate_key():
    text = ("version: 0.2\nenv:\n  variables:\n    TAG: v1\n    STAGE: ci\n    TAG: v2\n"
            "phases:\n  build:\n    commands:\n      - echo \"$TAG\"\n")
    # when
    [duplicate] = lint(text)
    spec = parse(text)
    # then
    assert (duplicate.rule, duplicate.line) == ("duplicate-key", 6)
    assert "in env.variables (first on line 4)" in duplicate.message
    assert spec.mapping("env", "variables") == {"TAG": "v2", "STAGE": "ci"}


def test_a_key_in_three_copies_is_reported_on_each_later_copy():
    text = ("version: 0.2\nversion: 0.2\nversion: 0.2\n"
            "phases:\n  build:\n    commands:\n      - make\n")

    found = [(f.rule, f.line) for f in lint(text)]

    assert found == [("duplicate-key", 2), ("duplicate-key", 3)]


def test_two_merge_keys_in_one_mapping_are_a_duplicate_with_the_list_form_as_fix():
    text = ("version: 0.2\nenv:\n  variables:\n    <<: {A: '1'}\n    <<: {B: '2'}\n"
            "phases:\n  build:\n    commands:\n      - echo \"$A $B\"\n")

    [duplicate] = lint(text)

    assert (duplicate.rule, duplicate.line) == ("duplicate-key", 5)
    assert duplicate.fix == "merge both in one key: '<<: [*first, *second]'"


def test_a_key_that_overrides_a_merged_one_is_no_duplicate():
    # given a phase that merges a shared mapping and sets one of its keys again
    text = ("version: 0.2\nx-common: &common\n  on-failure: ABORT\n  commands:\n      - make\n"
            "phases:\n  build:\n    <<: *common\n    on-failure: CONTINUE\n")

    found = lint(text)

    assert [f.rule for f in found] == ["unknown-key"]  # x-common: the reference has no such key
    assert parse(text).scalar("phases", "build", "on-failure") == "CONTINUE"


MERGED_PHASES = """\
version: 0.2
env:
  variables:
    STAGE: ci
phases:
  install: &steps
    commands:
      - echo "$STAGE $missing"
  build:
    <<: *steps
  post_build:
    <<: *steps
    finally:
      - echo done
"""


def test_commands_a_merge_key_brings_into_a_phase_are_shell_checked_there():
    # when
    spec = parse(MERGED_PHASES)
    found = rules_and_lines(MERGED_PHASES, WITH_UNASSIGNED)
    # then each phase runs the anchored command, checked on the anchor's line
    assert [(c.phase, c.section, c.line) for c in spec.commands] == [
        ("install", "commands", 8), ("build", "commands", 8), ("post_build", "commands", 8),
        ("post_build", "finally", 14)]
    assert found == [("SC2154", 8)]  # $missing; $STAGE comes from the env section


def test_a_merge_key_is_not_reported_as_an_unknown_key_and_its_keys_are_checked():
    text = ("version: 0.2\nphases:\n  install: &steps\n    commands:\n      - make\n    comands:\n"
            "      - make test\n  build:\n    <<: *steps\n")

    found = [(f.rule, f.line, f.message.split(":")[0]) for f in lint(text)]

    assert found == [("unknown-phase-key", 6, "unknown key 'comands' in phase build"),
                     ("unknown-phase-key", 6, "unknown key 'comands' in phase install")]


def test_env_variables_merged_from_an_anchor_are_declared_to_shellcheck():
    text = ("version: 0.2\nbatch:\n  build-list:\n    - identifier: a\n      env:\n"
            "        variables: &vars\n          TAG: v1\nenv:\n  variables:\n    <<: *vars\n"
            "phases:\n  build:\n    commands:\n      - echo \"$TAG\"\n")

    assert lint(text) == []
    assert parse(text).mapping("env", "variables") == {"TAG": "v1"}


def test_a_merge_of_a_plain_value_is_invalid_yaml_on_its_line():
    text = "version: 0.2\nphases:\n  build:\n    <<: make\n"

    [finding] = lint(text)

    assert (finding.rule, finding.line, finding.fatal) == ("yaml-invalid", 4, True)
    assert finding.message == ("invalid YAML value: expected a mapping or list of mappings for "
                               "merging, but found scalar (while constructing a mapping)")


def test_a_quoted_merge_key_is_an_ordinary_key_the_phase_does_not_have():
    text = "version: 0.2\nphases:\n  build:\n    '<<': {commands: [make]}\n"

    found = [(f.rule, f.line) for f in lint(text)]

    assert found == [("unknown-phase-key", 4)]
