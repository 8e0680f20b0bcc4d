"""Just enough of the shell to read a buildspec command: variables, and docker invocations.

Static reading on purpose: lint never runs a command (the dry-run does, with stand-ins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ASSIGNMENT = re.compile(
    rf"(?:^|[;&|(\n])\s*(?:(?:then|do|else|\{{)\s+)?"
    rf"(?:(?:export|readonly|local|declare(?:\s+-\w+)*)\s+)?({_NAME})\+?="
)
_LOOP_OR_READ = re.compile(rf"\b(?:for\s+({_NAME})\s+in\b|read(?:\s+-\w+)*\s+({_NAME}))")
_SEPARATORS = ("&&", "||", ";", "|", "&", "\n")
# AWS CLI v1's login, which v2 no longer has (v2: get-login-password)
V1_ECR_LOGIN = re.compile(r"\baws\s+ecr\s+get-login(?!-password)\b")


def references(command: str) -> list[str]:
    """Variables the shell would expand: $NAME and ${NAME...}, not inside '…' nor escaped."""
    return [name for name, _ in references_at(command)]


def references_at(command: str) -> list[tuple[str, int]]:
    """references(), each with the offset where it appears."""
    found: list[tuple[str, int]] = []
    quote = None
    i = 0
    while i < len(command):
        char = command[i]
        if char == "\\" and quote != "'":
            i += 2
            continue
        if char == "'" and quote != '"':
            quote = None if quote == "'" else "'"
        elif char == '"' and quote != "'":
            quote = None if quote == '"' else '"'
        elif char == "$" and quote != "'":
            match = re.match(rf"\$(?:\{{({_NAME})|({_NAME}))", command[i:])
            if match:
                found.append((match.group(1) or match.group(2), i))
        i += 1
    return found


def assignments_at(command: str) -> list[tuple[str, int]]:
    """Variables a command sets (as assignments() finds them), each with its offset."""
    found = [(m.group(1), m.start(1)) for m in _ASSIGNMENT.finditer(command)]
    found += [(m.group(1) or m.group(2), m.start()) for m in _LOOP_OR_READ.finditer(command)]
    return sorted(found, key=lambda item: item[1])


def assignments(command: str) -> dict[str, str]:
    """Variables a command sets, each with the text it is set from (over-approximated)."""
    assigned = {}
    for match in _ASSIGNMENT.finditer(command):
        assigned[match.group(1)] = command[match.end():]
    for match in _LOOP_OR_READ.finditer(command):
        assigned[match.group(1) or match.group(2)] = command[match.end():]
    return assigned


_DECLARES = {"export", "readonly", "local", "declare", "typeset"}


def assignments_with_values(command: str) -> list[tuple[str, str]]:
    """Each NAME=value a command line performs, with the value as written (quotes removed);
    a loop or read variable gets the value `$(...)`, which no other text can equal."""
    found = []
    for argv in words(command):
        while argv and argv[0] in _LEADING - {"sudo", "exec", "nohup", "command", "time"}:
            argv = argv[1:]
        if argv[:1] == ["for"] and len(argv) > 1:
            found.append((argv[1], "$(for)"))
            continue
        if argv[:1] == ["read"]:
            found += [(a, "$(read)") for a in argv[1:] if re.fullmatch(_NAME, a)]
            continue
        candidates = [a for a in argv[1:] if "=" in a] if argv[:1] and argv[0] in _DECLARES else argv
        for word in candidates:
            match = re.fullmatch(rf"({_NAME})\+?=(.*)", word, re.DOTALL)
            if not match:
                break
            found.append((match.group(1), match.group(2)))
    return found


def words(command: str) -> list[list[str]]:
    """The simple commands of a command line, each as its words with outer quotes removed.

    `$(...)` stays one word; separators (&& || ; | & newline) split simple commands.
    """
    simple: list[list[str]] = [[]]
    word: list[str] = []
    quote = None
    depth = 0
    i = 0

    def end_word():
        if word:
            simple[-1].append("".join(word))
            word.clear()

    while i < len(command):
        char = command[i]
        if quote is None and depth == 0:
            separator = next((s for s in _SEPARATORS if command.startswith(s, i)), None)
            if separator:
                end_word()
                simple.append([])
                i += len(separator)
                continue
            if char.isspace():
                end_word()
                i += 1
                continue
        if char == "\\" and quote != "'" and i + 1 < len(command):
            word.append(command[i + 1])
            i += 2
            continue
        if char in "'\"" and (quote is None or quote == char) and depth == 0:
            quote = None if quote == char else char
        else:
            if quote != "'" and command.startswith("$(", i):
                depth += 1
                word.append("$(")
                i += 2
                continue
            if depth and char == ")" and quote is None:
                depth -= 1
            word.append(char)
        i += 1
    end_word()
    return [argv for argv in simple if argv]


def without_assignments(argv: list[str]) -> list[str]:
    """argv without leading NAME=value words (per-command environment)."""
    index = 0
    while index < len(argv) and re.fullmatch(rf"{_NAME}=.*", argv[index]):
        index += 1
    return argv[index:]


@dataclass
class BuildxBuild:
    """What a `docker buildx build` asks for."""

    platforms: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    build_args: dict[str, str] = field(default_factory=dict)
    push: bool = False
    dockerfile: str | None = None
    context: str | None = None


# buildx build flags that take a value, so that value is not mistaken for the context
_VALUE_FLAGS = {
    "--add-host", "--allow", "--annotation", "--attest", "--build-arg", "--build-context",
    "--builder", "--cache-from", "--cache-to", "--call", "--cgroup-parent", "--file", "-f",
    "--iidfile", "--label", "--metadata-file", "--network", "--output", "-o", "--platform",
    "--progress", "--secret", "--shm-size", "--ssh", "--tag", "-t", "--target", "--ulimit",
}


def parse_buildx_build(args: list[str]) -> BuildxBuild:
    """Read the arguments after `docker buildx build`."""
    build = BuildxBuild()
    i = 0
    while i < len(args):
        arg = args[i]
        name, has_value, value = arg.partition("=") if arg.startswith("--") else (arg, False, "")
        if name in _VALUE_FLAGS and not has_value:
            value = args[i + 1] if i + 1 < len(args) else ""
            i += 1
        _apply(build, name, value, arg)
        i += 1
    return build


def _apply(build: BuildxBuild, name: str, value: str, arg: str) -> None:
    if name == "--platform":
        build.platforms += [p.strip() for p in value.split(",") if p.strip()]
    elif name in ("--tag", "-t"):
        build.tags.append(value)
    elif name == "--build-arg":
        key, _, val = value.partition("=")
        build.build_args[key] = val
    elif name == "--push" or (name in ("--output", "-o") and _pushes(value)):
        build.push = True
    elif name in ("--file", "-f"):
        build.dockerfile = value
    elif not arg.startswith("-"):
        build.context = arg


def _pushes(output: str) -> bool:
    options = dict(part.partition("=")[::2] for part in output.split(","))
    return options.get("type") == "registry" or options.get("push") == "true"


# words before a command that only say how or when it runs
_LEADING = {"then", "do", "else", "elif", "if", "while", "until", "!", "{", "time", "sudo", "exec",
            "nohup", "command"}


def docker_commands(command: str) -> list[list[str]]:
    """Each `docker ...` simple command in a command line, as argv without `docker`."""
    found = []
    for argv in words(command):
        argv = without_assignments(argv)
        while argv and argv[0] in _LEADING:
            argv = argv[1:]
        if argv and argv[0] == "docker":
            found.append(argv[1:])
    return found
