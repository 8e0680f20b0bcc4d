"""ShellCheck's comments on an assembled buildspec script, as findings on buildspec lines.

ShellCheck says a variable "is referenced but not assigned" (SC2154); what that means depends on
what ShellCheck cannot see: a CODEBUILD_ name CodeBuild does not set, an assignment that was
commented out, or (for the lab) a name that is not one of the tutorial's project variables.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Iterable, Iterator

from pipeline_harness.lint import shell, variables
from pipeline_harness.lint.document import Buildspec, Command
from pipeline_harness.lint.findings import GENERIC, LAB, Finding, Rule
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
_COMMANDS = "version: 0.2\nphases:\n  build:\n    commands:\n"
_VARIABLES = "CodeBuild User Guide, \"Environment variables in build environments\""


def _wiki(code: int) -> str:
    return _WIKI.format(code=code)


SHELLCHECK = Rule(
    id="SC", rule_set=GENERIC,
    summary="ShellCheck's errors and warnings, by code (`SC1000`–`SC3999`), on the commands "
            "assembled as CodeBuild runs them; `SC` selects or ignores them all",
    why="a command ShellCheck reports fails or does other than it says: `$(...)` runs its output as "
        "a command (SC2091), dash has no `[[ ]]` (SC3010)",
    source="ShellCheck's wiki, a page per code (https://www.shellcheck.net/wiki/SC2091)",
    example=_COMMANDS + "      - $(echo make test)\n",
    fix="see the code's page: https://www.shellcheck.net/wiki/SC<code>")
# ShellCheck codes that flag style or a latent issue, not a command that fails: off in the generic
# set unless selected by code (or SC); the lab set keeps them (docs/lint.md, "ShellCheck's codes")
SC1007 = Rule(
    id="SC1007", rule_set=GENERIC, latent=True,
    summary="`X= command`: an empty assignment before a command",
    why="latent: it runs the command with X empty, as meant (`AWS_ACCESS_KEY_ID= tox`); ShellCheck "
        "flags the style, in case a space slipped in after `=`",
    source=f"ShellCheck's wiki, {_wiki(1007)}",
    example=_COMMANDS + "      - AWS_ACCESS_KEY_ID= tox -e integ\n",
    fix=f"see {_wiki(1007)}")
SC2046 = Rule(
    id="SC2046", rule_set=GENERIC, latent=True,
    summary="an unquoted `$(...)`: its output is split on spaces and globbed",
    why="latent: only output with spaces or glob characters splits; `latest-$(uname -m)`, "
        "`$(date +%s)`, a commit hash are one word",
    source=f"ShellCheck's wiki, {_wiki(2046)}",
    example=_COMMANDS + "      - docker build -t repo/app:latest-$(uname -m) .\n",
    fix=f"see {_wiki(2046)}")
SC2140 = Rule(
    id="SC2140", rule_set=GENERIC, latent=True,
    summary="`\"A\"B\"C\"`: a word with an unquoted middle",
    why="latent: the parts join into one word; only a middle with spaces would split "
        "(`/\"$CODEBUILD_BUILD_SUCCEEDING/\"` is 0 or 1, an idiom two public buildspecs share)",
    source=f"ShellCheck's wiki, {_wiki(2140)}",
    example=_COMMANDS
            + "      - bash -c \"if [ /\"$CODEBUILD_BUILD_SUCCEEDING/\" == /\"0/\" ]; then exit 1; fi\"\n",
    fix=f"see {_wiki(2140)}")
SC2154 = Rule(
    id="SC2154", rule_set=GENERIC, latent=True,
    summary="a variable used but never set, which is no CodeBuild variable, has no commented-out "
            "assignment and (with `lab`) is no upper-case name",
    why="latent: a project's environment variables reach every build's commands under any name, of "
        "any case, so the project may set it (aws-samples' fargate-dev-workshop sets `commituri` in "
        "its CDK project); `codebuild-variable`, `variable-commented-out` and `undefined-variable` "
        "report the names lint can judge",
    source=f"CodeBuild API, EnvironmentVariable (name, value, type) and the {_VARIABLES}; "
           "`tests/data/buildspecs/ecs-fargate-workshop_buildspec_secrets.yml` reads `$commituri`, "
           f"which its CDK project sets; ShellCheck's wiki, {_wiki(2154)}",
    example=_COMMANDS + "      - trufflehog --regex --max_depth 1 \"$commituri\"\n",
    fix=f"set it under env: variables:, or in an earlier command; see {_wiki(2154)}")
SC2155 = Rule(
    id="SC2155", rule_set=GENERIC, latent=True,
    summary="`export X=$(...)`: the export hides the substitution's exit status",
    why="latent: X is set; only a failing substitution goes unnoticed (`export X=$(pwd)/...` cannot "
        "fail)",
    source=f"ShellCheck's wiki, {_wiki(2155)}",
    example=_COMMANDS + "      - export KUBECONFIG=$(pwd)/kubeconfig\n",
    fix=f"see {_wiki(2155)}")
_DECLARED_CODES = {int(rule.id[2:]): rule for rule in (SC1007, SC2046, SC2140, SC2154, SC2155)}
VARIABLE_COMMENTED_OUT = Rule(
    id="variable-commented-out", rule_set=GENERIC,
    summary="a variable whose only assignment is commented out, where its value only the build can "
            "compute (a command's output, a `CODEBUILD_` variable, a variable the commands set); "
            "with `lab`, any such variable (the lab's project has only the tutorial's variables)",
    why="it expands to nothing where it is used. A project's environment variable is one fixed "
        "value for every build, so a variable may have moved there from a commented-out "
        "`NAME=literal` or `NAME=$PROJECT_VARS`, but not from a value only the build computes: "
        "lint takes a commented value holding `$(...)` or backticks, a `CODEBUILD_` variable or a "
        "variable the commands set for a defect",
    source="CodeBuild API, EnvironmentVariable (name, value, type). `ecs-prod-demo`'s commented "
           "`REPOSITORY_URI=$AWS_ACCOUNT_ID...$IMAGE_REPO_NAME` was commented out on purpose (its "
           "commit 07ca6b6) and is no generic defect; the lab rules still report it",
    example="version: 0.2\nphases:\n  pre_build:\n    commands:\n"
            "      # - COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)\n"
            "      - echo building\n  build:\n    commands:\n      - docker build -t app:$COMMIT_HASH .\n",
    fix="uncomment the assignment, or set the variable before the command that uses it")
CODEBUILD_VARIABLE = Rule(
    id="codebuild-variable", rule_set=GENERIC,
    summary="a `CODEBUILD_` variable CodeBuild does not set (with the one it resembles)",
    why="it expands to nothing: `CODEBUILD_` names CodeBuild's own variables, so a misspelt one "
        "(`$CODEBUILD_BUILD_NUMBR`) gives an empty build number or commit",
    source=_VARIABLES,
    example=_COMMANDS + "      - docker build -t app:$CODEBUILD_BUILD_NUMBR .\n",
    fix="use one of the variables in the CodeBuild User Guide, 'Environment variables in build "
        "environments'")
UNDEFINED_VARIABLE = Rule(
    id="undefined-variable", rule_set=LAB,
    summary="a variable that is not the tutorial's, CodeBuild's, or set by the buildspec",
    why="it expands to nothing: the lab's project has only the tutorial's four variables, so a "
        "misspelt or other upper-case name (`$IMAGE_REPO`) makes a wrong image name",
    source="the tutorial's Step 5 (the project's environment variables; \"Wrong environment "
           f"variable names - buildspec.yml expects specific names\"); the {_VARIABLES}",
    example=_COMMANDS + "      - docker build -t $IMAGE_REPO:latest .\n",
    fix="use the tutorial's names (Step 5), or set it under env: variables:")


@functools.cache
def shellcheck_rule(code: int) -> Rule:
    """A ShellCheck code's rule: its own declaration (the latent codes), else ShellCheck's under
    the code's id."""
    return _DECLARED_CODES.get(code) or dataclasses.replace(SHELLCHECK, id=f"SC{code}")


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
    fix = f"see {_wiki(comment.code)}"
    if dialect == DASH and 3000 <= comment.code < 4000:
        fix = ("add 'shell: bash' under env: (the image's /bin/sh is dash), or write it in POSIX "
               f"sh; {fix}")
    return shellcheck_rule(comment.code).at(spec.path, line, f"{comment.message} (ShellCheck, {where})",
                                            fix)


def _unassigned(spec: Buildspec, name: str, line: int, lab: bool) -> Iterator[Finding]:
    if variables.is_codebuild(name):
        return  # a secondary source's CODEBUILD_SRC_DIR_<id>, which ShellCheck cannot know
    commented = variables.commented_assignment(spec, name)
    # the lab's project has only the tutorial's variables; another project may have moved a plain
    # value to its environment, but not one only the build computes
    if commented and (lab or variables.computed_by_the_build(commented[1], spec)):
        yield VARIABLE_COMMENTED_OUT.at(spec.path, line,
                                        f"${name} is used here, but its only assignment (line "
                                        f"{commented[0]}) is commented out, so it expands to nothing",
                                        f"uncomment line {commented[0]}, or set {name} before this command")
    elif name.startswith("CODEBUILD_"):
        yield CODEBUILD_VARIABLE.at(spec.path, line,
                                    f"${name} is not a variable CodeBuild sets (CODEBUILD_ is reserved "
                                    "for its own), so it expands to nothing",
                                    _did_you_mean(name, variables.CODEBUILD_VARIABLES)
                                    + CODEBUILD_VARIABLE.fix)
    elif lab and re.fullmatch(r"[A-Z0-9_]+", name):
        yield _undefined(spec, name, line)
    else:
        # for another project, the project's environment may set it, under any name: SC2154 is latent
        yield SC2154.at(spec.path, line, f"{name} is referenced but not assigned (ShellCheck)",
                        f"set {name} under env: variables:, or in an earlier command; see "
                        f"{_wiki(UNASSIGNED)}")


def _undefined(spec: Buildspec, name: str, line: int) -> Finding:
    suggestion = _did_you_mean(name, sorted(variables.GIVEN | variables.declared(spec)))
    return UNDEFINED_VARIABLE.at(spec.path, line,
                                 f"${name} is not one of the project's variables "
                                 f"({', '.join(TUTORIAL_ENV_VARS)}), not a CodeBuild variable, and not "
                                 "set by this buildspec: it expands to nothing",
                                 f"{suggestion}use the tutorial's names (Step 5), or set {name} under "
                                 "env: variables:")


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""
