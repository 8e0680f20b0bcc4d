"""A buildspec's commands assembled into the one shell script CodeBuild effectively runs.

Version 0.2 runs the whole build in one shell, so a variable or `cd` of pre_build is still there
in build; CodeBuild stops a phase at its first failing command, which `{ ...; } || exit` says to
ShellCheck. Version 0.1 runs each command in a shell of its own: `( ... ) || exit`. Each script
line remembers the buildspec line it came from, so findings land where the student wrote them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline_harness.lint.document import COMMAND_SECTIONS, PHASES, Buildspec, Command
from pipeline_harness.lint.findings import GENERIC, Rule

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# syntax only Windows shells understand (CodeBuild's Windows images run PowerShell by default).
# An `if (` is PowerShell's only when a `{` block follows the condition: bash's `if (( ))` and
# `if ( )` need `;`, a newline or `then` before their body, and `{` never follows them directly.
_WINDOWS = re.compile(
    r"^\s*(?:\$env:\w|\$\w+\s*=|if\s*\([^;\n]*\)\s*\{|(?:Write-Host|Write-Output|Get-ChildItem|Set-Location|"
    r"New-Item|Copy-Item|Invoke-\w+|ForEach-Object|Where-Object)\b|\.\\|(?:powershell|cmd)(?:\.exe)?\s|"
    r"\S+\.(?:exe|bat|cmd)(?:\s|$))|(?:^|[\s\"'])[A-Za-z]:\\", re.IGNORECASE | re.MULTILINE)
BASH, DASH, SH = "bash", "dash", "sh"
# the lines of one command not found in its source before the search stops: each costs a read of
# the rest of the command; a command of the 93 public buildspecs (tests/data) misses at most once
_MISSES = 8

SHELL_SKIPPED = Rule(
    id="shell-skipped", rule_set=GENERIC, level="note",
    summary="a Windows buildspec (`env: shell: powershell.exe` or `cmd.exe`, or commands in "
            "PowerShell or cmd syntax): its commands are not shell-checked, its structure is",
    why="ShellCheck reads sh and bash only, and CodeBuild runs a Windows image's commands in "
        "PowerShell: checked as shell, what works there would be reported",
    source="CodeBuild User Guide, \"Shells and commands in build environments\" (commands run in a "
           "Windows Server Core image use the PowerShell shell)",
    example="version: 0.2\nenv:\n  shell: powershell.exe\nphases:\n  build:\n    commands:\n"
            "      - Write-Host \"building\"\n",
    fix="nothing to fix here; check the scripts it runs with PSScriptAnalyzer")


@dataclass
class Script:
    """The script text, and for each of its lines the command and buildspec line it came from."""

    owners: list[Command | None] = field(default_factory=list)
    source_lines: list[int] = field(default_factory=list)
    # the lines (each without its newline), joined once when the text is asked for: += on a
    # str is quadratic
    _lines: list[str] = field(default_factory=list, repr=False)
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(line + "\n" for line in self._lines)
        return self._text

    def add(self, line: str, owner: Command | None, source_line: int) -> None:
        self._lines.append(line)
        self._text = None
        self.owners.append(owner)
        self.source_lines.append(source_line)

    def line_text(self, script_line: int) -> str:
        return self._lines[script_line - 1] if 0 < script_line <= len(self._lines) else ""

    def origin(self, script_line: int) -> tuple[Command | None, int]:
        """(command, buildspec line) of a 1-based script line."""
        index = min(max(script_line - 1, 0), len(self.owners) - 1)
        return self.owners[index], self.source_lines[index]


def ordered(spec: Buildspec) -> list[Command]:
    """Commands in the order CodeBuild runs them: phase by phase, commands then finally."""
    return [c for phase in PHASES for section in COMMAND_SECTIONS
            for c in spec.phase_commands(phase, section)]


def is_windows(spec: Buildspec) -> bool:
    shell = spec.scalar("env", "shell") or ""
    if shell.lower() in ("powershell.exe", "cmd.exe"):
        return True
    return any(c.text and _WINDOWS.search(c.text) for c in spec.commands)


def dialect(spec: Buildspec, image: str | None) -> str:
    """The shell ShellCheck should check for: CodeBuild runs commands with /bin/sh unless
    env: shell: bash; on the Ubuntu standard images /bin/sh is dash, on Amazon Linux it is bash.
    Without a known image, bash (the more permissive) avoids blaming what works on Amazon Linux."""
    shell = spec.scalar("env", "shell")
    if shell == "bash":
        return BASH
    if image is None:
        return SH if shell == "/bin/sh" else BASH
    return BASH if "amazonlinux" in image else DASH


def assemble(spec: Buildspec, declared: Iterable[str], shell: str) -> Script:
    script = Script()
    script.add(f"# shellcheck shell={shell}", None, 1)
    names = sorted({n for n in declared if _NAME.fullmatch(n)})
    # the variables the project, CodeBuild and the env section give every command
    script.add("export " + " ".join(names) if names else ":", None, 1)
    opener, closer = ("{ ", "} || exit") if spec.scalar("version") != "0.1" else ("( ", ") || exit")
    lines = spec.text.split("\n")
    for command in ordered(spec):
        if not command.text or not _runs_something(command.text):
            continue
        body = command.text.split("\n")
        for number, (text, line) in enumerate(zip(body, _source_lines(lines, command, body), strict=True)):
            script.add((opener if number == 0 else "") + text, command, line)
        # a blank line first: a command may end in a backslash or a here-document
        script.add("", command, command.line)
        script.add(closer, command, command.line)
    return script


def _runs_something(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in text.split("\n"))


def _source_lines(lines: list[str], command: Command, body: list[str]) -> list[int]:
    """The buildspec line of each line of a command's text (block scalars keep their lines).

    A line not found as written (a double-quoted scalar's escapes: `\\x41` is `A`) reads the rest
    of the command's source for nothing; after _MISSES of them the other lines keep the last line
    found, so a command of thousands of escaped lines is not read again for each."""
    first, last = command.node.start_mark.line, min(command.node.end_mark.line, len(lines) - 1)
    cursor, found, misses = command.line - 1, [], 0
    for text in body:
        probe = text.strip()[:40]
        if probe and misses < _MISSES:
            match = next((j for j in range(max(cursor, first), last + 1) if probe in lines[j]), None)
            misses += match is None
            cursor = match if match is not None else cursor
        found.append(cursor + 1)
    return found
