"""ShellCheck on a student's commands runs within bounds: a heap limit its process cannot pass, a CPU
limit, an input cap — and what crosses a bound is a `shellcheck-failed` note on that buildspec only,
never a crash and never silence (a ShellCheck that printed nothing has not checked anything).

ShellCheck's memory grows with the nesting of `if`s: unlimited, 500 levels (9 KiB) took it to
320 MiB here, 1,000 levels to 1.1 GiB, and a 28 KiB buildspec of them to 2.7 GiB."""

import json
import signal
import subprocess
import sys
import textwrap

import pytest

from pipeline_harness.lint import shellcheck
from pipeline_harness.lint.lint import lint_texts
from pipeline_harness.lint.rules import Selection
from pipeline_harness.settings import Settings

LIMIT = 128 * 2**20


def nested_ifs(levels: int) -> str:
    return "if true; then " * levels + "echo x; " + "fi; " * levels + "\n"


def buildspec(*commands: str) -> str:
    return "version: 0.2\nphases:\n  build:\n    commands:\n" + "".join(
        f"      - {json.dumps(c)}\n" for c in commands)


def test_deeply_nested_ifs_stop_shellcheck_at_its_heap_limit_and_its_peak_stays_there():
    # given: a process of its own, so its children are only the ShellCheck this check starts
    probe = textwrap.dedent(f"""
        import json, resource
        from pipeline_harness.lint import shellcheck
        [found] = shellcheck.check([{nested_ifs(500)!r}], memory={LIMIT})
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        print(json.dumps({{"found": str(found), "peak": peak}}))
    """)

    # when
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)

    # then: refused memory at the limit (its binary's own pages on top), and said so
    measured = json.loads(run.stdout)
    assert measured["found"] == "shellcheck ran out of its 128 MiB of memory"
    assert LIMIT * 0.9 < measured["peak"] < LIMIT + 32 * 2**20


def test_a_buildspec_shellcheck_cannot_check_within_its_limits_is_a_note_and_the_others_are_checked(
        monkeypatch):
    # given: one share of two buildspecs, one of them the nested ifs
    monkeypatch.setattr(shellcheck, "MEMORY_LIMIT", LIMIT)
    items = [(buildspec(nested_ifs(500)), "nested.yml"), (buildspec("echo $((1+"), "plain.yml")]

    # when
    nested, plain = lint_texts(items, Settings(), Selection("generic"))

    # then
    [note] = [f for f in nested if f.rule == "shellcheck-failed"]
    assert note.severity == "note" and not note.fatal
    assert note.message == ("the commands were not shell-checked: shellcheck ran out of its 128 MiB "
                            "of memory")
    assert note.fix == shellcheck.SHORTER
    assert "SC1073" in [f.rule for f in plain]  # ShellCheck: "Couldn't parse this $((..)) expression"


def test_commands_over_the_input_cap_are_a_note_without_starting_shellcheck(monkeypatch):
    # given: 6,000 commands, about 90 KiB of shell
    def no_process(*args, **kwargs):
        raise AssertionError("ShellCheck was started")
    monkeypatch.setattr(shellcheck.subprocess, "Popen", no_process)
    text = buildspec(*(f"echo step {n}" for n in range(6000)))

    # when
    [found] = lint_texts([(text, "buildspec.yml")], Settings(), Selection("generic"))

    # then
    [note] = [f for f in found if f.rule == "shellcheck-failed"]
    assert note.message.startswith("the commands were not shell-checked: the commands are ")
    assert note.message.endswith(f"bytes of shell; ShellCheck is given at most {shellcheck.MAX_SCRIPT_BYTES}")


def test_a_shellcheck_that_prints_nothing_has_checked_nothing(tmp_path, monkeypatch):
    # given: a ShellCheck that exits 1 ("comments found") without a word, as its runtime does when
    # the heap limit refuses it memory before it prints
    silent = tmp_path / "shellcheck"
    silent.write_text("#!/bin/sh\nexit 1\n")
    silent.chmod(0o755)
    monkeypatch.setattr(shellcheck, "binary", lambda: str(silent))

    [found] = shellcheck.check(["echo $x\n"])

    assert isinstance(found, shellcheck.ShellCheckFailed)
    assert str(found) == "shellcheck exited 1 and printed nothing"


def test_the_cpu_limit_ends_a_process_that_outlives_the_wall_clock_that_would_kill_it():
    # given: a busy loop under the limits of a 1 s check, its wall clock left to nobody (as when
    # the grader itself was killed)
    argv = [*shellcheck._Limits(1, LIMIT).argv("/bin/sh"), "-c", "while :; do :; done"]

    # when
    run = subprocess.run(argv, capture_output=True, timeout=60)

    # then
    assert run.returncode == -signal.SIGXCPU


@pytest.mark.parametrize("memory", [LIMIT, 16 * 2**30])
def test_an_ordinary_buildspec_is_checked_as_before_under_any_limit(memory):
    [found] = shellcheck.check(["#!/bin/bash\ncd $DIR\n"], memory=memory)

    assert [c.code for c in found] == [2164, 2154, 2086]
