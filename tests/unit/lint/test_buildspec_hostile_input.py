"""Hostile input gets one fatal finding, never a traceback, a crash, a hang or unbounded memory:
pipes and devices are not opened, big files are not read past 1 MiB, deep nesting and alias
bombs are refused before anything expands them, huge JSON numbers are invalid JSON."""

import contextlib
import os
import subprocess
import sys
import threading

import pytest

from pipeline_harness.lint import yamlnodes
from pipeline_harness.lint.files import MAX_BYTES
from pipeline_harness.lint.findings import Unparsable
from pipeline_harness.lint.lint import MAX_FINDINGS_PER_RULE, lint_paths
from pipeline_harness.lint.lint import lint_text as lint_in_memory
from pipeline_harness.lint.script import Script
from pipeline_harness.settings import Settings

SPEC = "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n"


def only_fatal(findings: list, rule: str):
    assert len(findings) == 1, findings
    assert findings[0].fatal and findings[0].rule == rule, findings
    return findings[0]


def laughs(levels: int) -> str:
    """A buildspec whose env variable X<levels> expands to 9**levels strings."""
    rows = ['    X0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    rows += [f"    X{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "version: 0.2\nenv:\n  variables:\n" + "\n".join(rows) + "\n" + SPEC.split("\n", 1)[1]


def test_a_fifo_is_refused_without_being_opened(tmp_path):
    # given a FIFO no one writes to (opening it for reading would block forever)
    fifo = tmp_path / "buildspec.yml"
    os.mkfifo(fifo)
    done = threading.Event()

    def unblock_a_reader():
        # should lint open the FIFO after all, a writer that closes at once ends its read
        if not done.wait(5):
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    watchdog = threading.Thread(target=unblock_a_reader, daemon=True)
    watchdog.start()
    # when
    try:
        findings = lint_paths([fifo], Settings())
    finally:
        done.set()
        watchdog.join()
    # then
    finding = only_fatal(findings, "unreadable")
    assert finding.message == "cannot read the file: it is a FIFO (named pipe), not a regular file"


def test_a_symlink_to_dev_zero_is_refused_as_a_device(tmp_path):
    # given a buildspec name that leads to an endless device
    link = tmp_path / "buildspec.yml"
    link.symlink_to("/dev/zero")
    # when
    finding = only_fatal(lint_paths([link], Settings()), "unreadable")
    # then
    assert finding.message == "cannot read the file: it is a device, not a regular file"


def test_a_file_over_1_mib_is_too_large_and_one_of_1_mib_is_linted(tmp_path):
    # given a valid buildspec padded with a comment to exactly 1 MiB, and one a byte more
    padded = SPEC + "#" * (MAX_BYTES - len(SPEC) - 1) + "\n"
    fits, over = tmp_path / "fits.yml", tmp_path / "over.yml"
    fits.write_text(padded)
    over.write_text(padded + "\n")
    # when
    fitting, too_large = lint_paths([fits], Settings(), None), lint_paths([over], Settings())
    # then
    assert MAX_BYTES == 1024 * 1024
    assert not any(f.fatal for f in fitting)
    assert "larger than 1 MiB" in only_fatal(too_large, "too-large").message


def test_text_over_1_mib_held_in_memory_is_too_large():
    text = SPEC + "#" * MAX_BYTES + "\n"

    only_fatal(lint_in_memory(text, "buildspec.yml", Settings()), "too-large")


def test_text_of_fewer_characters_than_1_mib_but_more_bytes_is_too_large():
    # given 1,048,000 three-byte characters (3 MiB as UTF-8), fewer characters than MAX_BYTES
    text = SPEC + "#" + "\u20ac" * (MAX_BYTES - 576) + "\n"
    assert len(text) < MAX_BYTES < len(text.encode())
    # when
    findings = lint_in_memory(text, "buildspec.yml", Settings())
    # then
    assert "larger than 1 MiB" in only_fatal(findings, "too-large").message


def test_text_of_1_mib_of_bytes_in_multibyte_characters_is_linted():
    # given text of exactly MAX_BYTES bytes, most of them in three-byte characters
    room = MAX_BYTES - len(SPEC) - 2  # the ASCII spec, then `#` and a newline around the comment
    text = SPEC + "#" + "\u20ac" * (room // 3) + "#" * (room % 3) + "\n"
    assert len(text.encode()) == MAX_BYTES
    # when
    findings = lint_in_memory(text, "buildspec.yml", Settings(), rules="generic")
    # then it is linted, not refused
    assert not any(f.fatal for f in findings), findings


def test_deep_flow_nesting_is_invalid_yaml_not_a_segfault(tmp_path):
    # given 50 000 nested flow lists, which crash libyaml's recursive composer
    path = tmp_path / "buildspec.yml"
    path.write_text("version: 0.2\nphases: " + "[" * 50_000 + "]" * 50_000 + "\n")
    code = ("import sys; from pipeline_harness.lint.lint import lint_paths; "
            "from pipeline_harness.settings import Settings; "
            "print([(f.rule, f.line, f.message) for f in lint_paths([sys.argv[1]], Settings())])")
    # when linted in a process of its own (a segfault would end the test run)
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         timeout=120, check=False)
    # then
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == \
        "[('yaml-invalid', 2, 'invalid YAML: nested more than 1000 levels deep')]"


def test_nesting_deeper_than_1000_levels_is_refused_on_its_line(tmp_path):
    # given lists nested 1000 deep (composed) and 1001 deep (refused), starting on line 7
    def nested(depth: int) -> str:
        # the top level and env are two levels
        return SPEC + "env:\n  variables: " + "[" * (depth - 2) + "]" * (depth - 2) + "\n"
    # when
    allowed = yamlnodes.compose(nested(1000), "buildspec.yml")
    refused = lint_in_memory(nested(1001), "buildspec.yml", Settings(), rules="generic")
    # then
    assert yamlnodes.get(allowed, "env") is not None
    finding = only_fatal(refused, "yaml-invalid")
    assert (finding.line, finding.message) == (7, "invalid YAML: nested more than 1000 levels deep")


@pytest.mark.parametrize("levels", [6, 9])
def test_an_alias_bomb_is_refused_before_anything_expands_it(levels):
    # given a few hundred bytes whose aliases expand to 9**levels strings (benchmarks/lint_hostile.py
    # times it)
    # when
    finding = only_fatal(lint_in_memory(laughs(levels), "buildspec.yml", Settings()), "yaml-invalid")
    # then
    assert "aliases expand to" in finding.message
    assert finding.fix.startswith("don't nest aliases; YAML anchors expand each time they are used")


def test_aliases_that_repeat_a_little_are_linted_as_usual():
    # given an anchor used twice, nested two levels (81 strings)
    text = laughs(1) + "    build2: {}\n"

    findings = lint_in_memory(text, "buildspec.yml", Settings(), rules="generic")

    assert not any(f.fatal for f in findings), findings


def test_an_alias_inside_its_own_anchor_is_refused():
    text = "version: 0.2\nenv:\n  variables:\n    A: &a [*a]\n" + SPEC.split("\n", 1)[1]

    finding = only_fatal(lint_in_memory(text, "buildspec.yml", Settings()), "yaml-invalid")

    assert finding.line == 4
    assert "alias refers to the anchor it is inside of" in finding.message


def test_alias_expansion_is_counted_once_per_node():
    # given 40 levels of 2-way aliases: 2**41 - 1 nodes expanded, 80-odd distinct ones
    rows = ["a0: &a0 x"] + [f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}]" for n in range(1, 41)]
    # when / then: counted, not expanded (expanding 2**41 nodes would never end)
    with pytest.raises(Unparsable, match="aliases expand to 4,398,046,511,103 nodes"):
        yamlnodes.compose("\n".join(rows) + "\n", "deep.yml")


@pytest.mark.parametrize("name", ["imagedefinitions.json", "buildspec.json"])
def test_a_json_integer_over_4300_digits_is_invalid_json_not_a_traceback(tmp_path, name):
    # given JSON (definitions, or a buildspec) with a number Python refuses to convert
    path = tmp_path / name
    path.write_text('{"version": 0.2, "env": {"variables": {"N": ' + "1" * 4301 + "}}}"
                    if name == "buildspec.json" else "[" + "1" * 4301 + "]")
    # when
    finding = only_fatal(lint_paths([path], Settings()), "json-invalid")
    # then
    assert finding.message == "invalid JSON: a number has more than 4300 digits"


@pytest.mark.parametrize(("value", "line", "message", "fix"), [
    ("!Ref MyBucket", 4, "could not determine a constructor for the tag '!Ref'", "remove the tag"),
    ("!!python/object/apply:os.system [true]", 4,
     "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'",
     "remove the tag"),
    ("{[1, 2]: x}", 4, "found unhashable key (while constructing a mapping)", "make the key plain text"),
], ids=["cloudformation-tag", "python-tag", "list-as-key"])
def test_a_value_yaml_cannot_build_is_one_line_on_its_line(value, line, message, fix):
    # given an env variable whose value PyYAML's safe constructor refuses
    text = f"version: 0.2\nenv:\n  variables:\n    BUCKET: {value}\n" + SPEC.split("\n", 1)[1]
    # when
    finding = only_fatal(lint_in_memory(text, "buildspec.yml", Settings()), "yaml-invalid")
    # then
    assert (finding.line, finding.message) == (line, f"invalid YAML value: {message}")
    assert "\n" not in finding.message and "<unicode string>" not in finding.message
    assert finding.fix.startswith(fix)


def test_a_script_of_many_lines_keeps_every_line_in_order():
    # given 50 000 lines (benchmarks/lint_hostile.py times their assembly)
    script = Script()
    # when
    for number in range(50_000):
        script.add(f"echo line number {number:08d} of the script", None, number)
    text = script.text
    # then
    assert text.count("\n") == 50_000 and text.endswith("echo line number 00049999 of the script\n")
    assert script.line_text(2) == "echo line number 00000001 of the script"
    assert script.line_text(50_001) == ""


def test_a_script_text_follows_lines_added_after_it_was_read():
    script = Script()
    script.add("a", None, 1)
    assert (script.text, script.line_text(1)) == ("a\n", "a")

    script.add("b", None, 2)

    assert (script.text, script.line_text(2)) == ("a\nb\n", "b")



def test_thousands_of_invalid_variable_names_are_reported_each_on_its_line_up_to_the_cap_then_counted():
    # given 3000 env variables named with '-', each on its own line from line 4 on
    names = "".join(f"    bad-{n}: x\n" for n in range(3000))
    text = "version: 0.2\nenv:\n  variables:\n" + names + SPEC.split("\n", 1)[1]
    # when
    findings = lint_in_memory(text, "buildspec.yml", Settings(), rules="generic")
    # then the first 50, each on its line, then one on the 51st's line that counts the other 2950
    assert MAX_FINDINGS_PER_RULE == 50
    assert [(f.rule, f.line) for f in findings] == [("invalid-value", 4 + n) for n in range(51)]
    assert "'bad-49' in env.variables is no environment variable name" in findings[49].message
    assert findings[50].message == ("and 2950 more invalid-value findings like it in this file, from "
                                    "this line on (lint reports the first 50 of each rule)")
