"""The README is the front door: at most 150 lines, its first code block the two commands `.ci/run`
reads, an example of every verb the command line has (each one the parser accepts), and no measured
figure, which no test would keep true there (figures live in docs/, beside their benchmark)."""

import re
import shlex
import subprocess
from pathlib import Path

from pipeline_harness import cli
from pipeline_harness.core import errors

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAIN_JOB = "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && pipeline-harness verify"
TEST_COMMAND = ("python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' "
                "&& python -m pytest")
# a figure with its unit: seconds, minutes, bytes, a share, a count of calls
FIGURE = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:ms|s|sec|seconds?|min|minutes?|h|hours?|[KMG]i?B|%|"
                    r"calls?|API calls|tests?|runs?|cases?|points?|files?|buildspecs?|repositories)\b")


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def _examples() -> list[list[str]]:
    """Every `pipeline-harness ...` command line of the README's code blocks, as argv (the shell's
    redirection cut off)."""
    lines = [line.strip() for block in _code_blocks(README) for line in block.splitlines()]
    commands = []
    for line in lines:
        words = shlex.split(line, comments=True)
        if words[:1] == ["pipeline-harness"]:
            commands.append(words[1:words.index(">")] if ">" in words else words[1:])
    return commands


def test_the_readme_is_at_most_150_lines():
    assert len(README.splitlines()) <= 150


def test_the_first_code_block_is_the_main_job_then_the_test_command():
    assert _code_blocks(README)[0].splitlines() == [MAIN_JOB, TEST_COMMAND]


def test_ci_reads_the_test_command_from_the_readme():
    # given: the line of .ci/run that takes the test command from the README
    line = next(line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line.startswith("test_command=$("))
    reader = line[len("test_command=$("):-1]
    # when it runs in the repository
    read = subprocess.run(["bash", "-c", reader], cwd=ROOT, capture_output=True, text=True, timeout=30,
                          check=True).stdout
    # then
    assert read.strip() == TEST_COMMAND


def test_every_verb_of_the_command_line_has_an_example():
    shown = {argv[0] for argv in _examples()}

    assert sorted(set(cli.VERBS) - shown) == []


def test_every_example_is_a_command_line_the_parser_accepts():
    parser = cli.build_parser()
    examples = _examples()

    assert len(examples) >= len(cli.VERBS)
    for argv in examples:
        args = parser.parse_args(argv)  # a rejected example exits the test with status 2
        assert args.verb == argv[0]


def test_the_readmes_prose_quotes_no_measured_figure():
    # the code blocks' numbers are arguments (`--older-than 6h`), not measurements
    prose = re.sub(r"^```.*?^```", "", README, flags=re.MULTILINE | re.DOTALL)

    assert [m.group(0) for m in FIGURE.finditer(prose)] == []


def test_the_figure_pattern_finds_the_figures_the_readme_once_held():
    once = ("a median 38.1 s", "29 API calls per account", "30/30 points (100 %)", "1 MiB",
            "about 15–20 minutes", "52 cases")

    assert [text for text in once if not FIGURE.search(text)] == []


def test_the_exit_codes_the_readme_lists_are_the_harness_codes():
    listed = dict(re.findall(r"\*\*(\d)\*\* ([a-z]+)", README))

    assert listed == {str(errors.EXIT_OK): "all", str(errors.EXIT_FAILED): "a",
                      str(errors.EXIT_USAGE): "usage", str(errors.EXIT_UNREACHABLE): "target",
                      str(errors.EXIT_CRASH): "the"}
