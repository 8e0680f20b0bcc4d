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


def stand_in(tmp_path, script: str):
    """A ShellCheck stand-in: a shell script."""
    program = tmp_path / "shellcheck"
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(0o755)
    return str(program)


def started_processes(monkeypatch, tmp_path, script: str) -> list[list[str]]:
    """check's ShellCheck is the stand-in, on a machine of 2 CPUs; what it starts is recorded."""
    started: list[list[str]] = []

    class Recorded(subprocess.Popen):
        def __init__(self, argv, *args, **kwargs):
            started.append(argv)
            super().__init__(argv, *args, **kwargs)
    program = stand_in(tmp_path, script)
    monkeypatch.setattr(shellcheck, "binary", lambda: program)
    monkeypatch.setattr(shellcheck.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(shellcheck.subprocess, "Popen", Recorded)
    return started


def test_shares_that_time_out_are_not_checked_again_script_by_script(monkeypatch, tmp_path):
    # given a ShellCheck that never finishes, and 25 scripts: two shares (12 and 13 scripts)
    started = started_processes(monkeypatch, tmp_path, "exec sleep 60\n")
    # when
    found = shellcheck.check([f"echo {n}\n" for n in range(25)], timeout=1)
    # then only the two shares' processes ran, under one deadline: no script again on its own
    # (each of which used to wait its own full timeout: 27 s for these)
    assert len(started) == 2
    files = sorted(a for argv in started for a in argv if a.endswith(".sh"))
    assert files == sorted(f"{n}.sh" for n in range(25))
    assert all(isinstance(f, shellcheck.ShellCheckFailed) and f.out_of_time for f in found)
    assert str(found[0]) == "shellcheck did not finish within 1s"


def test_a_share_that_ran_out_of_memory_is_checked_again_script_by_script_within_one_more_timeout(
        monkeypatch, tmp_path):
    # given a ShellCheck that runs out of memory on more than one file, and alone never finishes
    started = started_processes(monkeypatch, tmp_path,
                                'if [ $# -gt 5 ]; then echo "out of memory" >&2; exit 251; fi\n'
                                "exec sleep 60\n")
    # when
    found = shellcheck.check([f"echo {n}\n" for n in range(25)], timeout=1)
    # then the two shares, then the first script alone, whose timeout is all the scripts' on their
    # own: the other 24 are not started
    assert len(started) == 3 and started[2][-1] == "0.sh"
    assert str(found[0]) == "shellcheck did not finish within 1s"
    assert {str(f) for f in found[1:]} == {"shellcheck did not finish within 1s: the time to check it "
                                           "on its own had run out before it started"}


def test_a_share_that_ran_out_of_memory_has_its_other_scripts_checked_on_their_own(monkeypatch, tmp_path):
    # given a ShellCheck that runs out of memory on more than one file, and checks one alone
    started = started_processes(monkeypatch, tmp_path,
                                'if [ $# -gt 5 ]; then echo "out of memory" >&2; exit 251; fi\n'
                                """echo '{"comments": []}'\n""")
    # when
    found = shellcheck.check([f"echo {n}\n" for n in range(25)], timeout=5)
    # then
    assert len(started) == 2 + 25
    assert found == [[]] * 25
