"""ShellCheck's comments on an assembled buildspec script, as findings on buildspec lines.

ShellCheck says a variable "is referenced but not assigned" (SC2154); what that means depends on
what ShellCheck cannot see: a CODEBUILD_ name CodeBuild does not set, an assignment that was
commented out, or (for the lab) a name that is not one of the tutorial's project variables.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from pipeline_harness.lint import shell, variables
from pipeline_harness.lint.document import Buildspec, Command
from pipeline_harness.lint.findings import Finding
from pipeline_harness.lint.script import DASH, Script
from pipeline_harness.lint.shellcheck import Comment
from pipeline_harness.settings import TUTORIAL_ENV_VARS

UNASSIGNED = 2154
_REPORTED_LEVELS = ("error", "warning")
# version 0.1 runs each command in a shell of its own; ShellCheck calls that a note
_SUBSHELL_LOST = 2031
_PER_VARIABLE = (UNASSIGNED, _SUBSHELL_LOST)
_WIKI = "https://www.shellcheck.net/wiki/SC{code}"
# unquoted $(...) / $VAR, and a keyword as a word (`echo done`): harmless as echo's arguments
_HARMLESS_IN_ECHO = (2046, 2086, 1010)
_EXECUTES_OUTPUT = 2091


def findings(spec: Buildspec, script: Script, comments: list[Comment], dialect: str,
             lab: bool) -> list[Finding]:
    found: list[Finding] = []
    seen: set[tuple[int, str]] = set()
    for comment in comments:
        command, line = script.origin(comment.line)
        # a variable's first use says it; ShellCheck repeats these two for every use
        name = comment.message.split(" ", 1)[0] if comment.code in _PER_VARIABLE else ""
        if (comment.code, name) in seen:
            continue
        if comment.code == UNASSIGNED:
            seen.add((comment.code, name))
            found += _unassigned(spec, name, line, lab)
        elif _reported(comment, script, spec.scalar("version")):
            if name:
                seen.add((comment.code, name))
            found.append(_shellcheck(spec, comment, command, line, dialect))
    return found


def _reported(comment: Comment, script: Script, version: str | None) -> bool:
    if comment.code == _SUBSHELL_LOST:
        return version == "0.1"
    if comment.level not in _REPORTED_LEVELS:
        return False
    text = script.line_text(comment.line)
    if comment.code in _HARMLESS_IN_ECHO and _echoed(text[: comment.column - 1]):
        return False  # echo prints its words joined by spaces: `echo Build started on `date``
    # `$(aws ecr get-login ...)` runs the login the removed v1 command prints; ecr-get-login says so
    return not (comment.code == _EXECUTES_OUTPUT and shell.V1_ECR_LOGIN.search(text))


def _echoed(before: str) -> bool:
    command = re.split(r"[;&|({]|\b(?:then|do|else)\b", before)[-1].split()
    return command[:1] == ["echo"]


def _shellcheck(spec: Buildspec, comment: Comment, command: Command | None, line: int,
                dialect: str) -> Finding:
    where = f"phases.{command.phase}.{command.section}[{command.index}]" if command else "the commands"
    fix = f"see {_WIKI.format(code=comment.code)}"
    if dialect == DASH and 3000 <= comment.code < 4000:
        fix = ("add 'shell: bash' under env: (the image's /bin/sh is dash), or write it in POSIX "
               f"sh; {fix}")
    return Finding(spec.path, line, f"SC{comment.code}", f"{comment.message} (ShellCheck, {where})",
                   fix)


def _unassigned(spec: Buildspec, name: str, line: int, lab: bool) -> Iterator[Finding]:
    if variables.is_codebuild(name):
        return  # a secondary source's CODEBUILD_SRC_DIR_<id>, which ShellCheck cannot know
    commented = variables.commented_assignment(spec, name)
    # the lab's project has only the tutorial's variables; another project may have moved a plain
    # value to its environment, but not one only the build computes
    if commented and (lab or variables.computed_by_the_build(commented[1], spec)):
        yield Finding(spec.path, line, "variable-commented-out",
                      f"${name} is used here, but its only assignment (line {commented[0]}) is "
                      "commented out, so it expands to nothing",
                      f"uncomment line {commented[0]}, or set {name} before this command")
    elif name.startswith("CODEBUILD_"):
        yield Finding(spec.path, line, "codebuild-variable",
                      f"${name} is not a variable CodeBuild sets (CODEBUILD_ is reserved for its "
                      "own), so it expands to nothing",
                      f"{_did_you_mean(name, variables.CODEBUILD_VARIABLES)}use one of the "
                      "variables in the CodeBuild User Guide, 'Environment variables in build "
                      "environments'")
    elif lab and re.fullmatch(r"[A-Z0-9_]+", name):
        yield _undefined(spec, name, line)
    else:
        # for another project, the project's environment may set it, under any name: off in the
        # generic set unless selected (rules.LATENT_SHELLCHECK)
        yield Finding(spec.path, line, f"SC{UNASSIGNED}",
                      f"{name} is referenced but not assigned (ShellCheck)",
                      f"set {name} under env: variables:, or in an earlier command; see "
                      f"{_WIKI.format(code=UNASSIGNED)}")


def _undefined(spec: Buildspec, name: str, line: int) -> Finding:
    suggestion = _did_you_mean(name, sorted(variables.GIVEN | variables.declared(spec)))
    return Finding(spec.path, line, "undefined-variable",
                   f"${name} is not one of the project's variables "
                   f"({', '.join(TUTORIAL_ENV_VARS)}), not a CodeBuild variable, and not set by this "
                   "buildspec: it expands to nothing",
                   f"{suggestion}use the tutorial's names (Step 5), or set {name} under env: variables:")


def _did_you_mean(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""
