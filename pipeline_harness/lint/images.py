"""What a buildspec's docker commands do to images: build or tag them, log in, push — in order.

References are compared as written, after substituting variables the buildspec itself sets once
to a plain value (`REPOSITORY_URI=$REGISTRY/$IMAGE_REPO_NAME`), so `$REPOSITORY_URI:latest` and
`$REGISTRY/$IMAGE_REPO_NAME:latest` are the same image.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline_harness.lint import shell, variables
from pipeline_harness.lint.document import Buildspec, Command
from pipeline_harness.lint.script import ordered

PRODUCE, PUSH, LOGIN, UNKNOWN = "produce", "push", "login", "unknown"
ANY_REGISTRY = "*"
# docker login's flags that take a value, so that value is not mistaken for the server
_LOGIN_VALUE_FLAGS = {"-u", "--username", "-p", "--password"}
_SIMPLE = re.compile(r"[^$`]*(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?[^$`]*)*")
_REFERENCE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# the longest text a substitution makes: an image reference is a name of at most 255 characters,
# a tag of at most 128 and a digest (distribution/reference), a --platform list a few platforms.
# Each variable may name the next many times (A=$B$B..., B=$C$C...), so a text expanded without
# a bound grows as the names' count to the power of the depth; a longer one stays unresolved
MAX_RESOLVED = 1024


@dataclass(frozen=True)
class Event:
    kind: str
    ref: str  # the image (PRODUCE, PUSH) or registry (LOGIN) as written, ${X} as $X
    command: Command
    order: int


def events(spec: Buildspec) -> list[Event]:
    found: list[Event] = []
    for order, command in enumerate(ordered(spec)):
        text = command.text or ""
        if shell.V1_ECR_LOGIN.search(text):
            found.append(Event(LOGIN, ANY_REGISTRY, command, order))
        if re.search(r"\bdocker(?:-compose|\s+compose)\b.*\b(?:build|push)\b|\bdocker\s+(?:image\s+)?load\b",
                     text):
            found.append(Event(UNKNOWN, "", command, order))
        for argv in shell.docker_commands(text):
            found += [Event(kind, normal(ref), command, order) for kind, ref in _docker(argv)]
    return found


def _docker(argv: list[str]) -> list[tuple[str, str]]:
    if argv[:1] == ["image"] and argv[1:2] in (["build"], ["tag"], ["push"], ["pull"]):
        argv = argv[1:]
    verb = argv[:1]
    read, args = shell.flags(argv[1:], _LOGIN_VALUE_FLAGS if verb == ["login"] else set())
    if verb == ["build"] or argv[:2] in (["buildx", "build"], ["builder", "build"]):
        build = shell.parse_buildx_build(argv[1:] if verb == ["build"] else argv[2:])
        return [(PRODUCE, t) for t in build.tags] + [(PUSH, t) for t in build.tags if build.push]
    if argv[:3] == ["buildx", "imagetools", "create"]:
        tags = shell.parse_buildx_build(argv[3:]).tags
        return [(PRODUCE, t) for t in tags] + [(PUSH, t) for t in tags]
    if argv[:2] in (["manifest", "create"], ["manifest", "push"]):
        names = args[1:]  # after the subcommand, create or push: the image list first
        return [(PRODUCE if argv[1] == "create" else PUSH, names[0])] if names else []
    if verb == ["tag"] and len(args) >= 2:
        return [(PRODUCE, args[1])]
    if verb in (["pull"], ["commit"], ["import"]) and args:
        return [(PRODUCE, args[-1])]
    if verb == ["push"] and args and not {"--all-tags", "-a"} & {name for name, _ in read}:
        return [(PUSH, args[0])]
    if verb == ["login"]:
        return [(LOGIN, args[-1] if args else "docker.io")]
    return []


def normal(ref: str) -> str:
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", r"$\1", ref.strip("'\""))


def with_tag(ref: str) -> str:
    """The reference with Docker's implied :latest."""
    name = ref.rsplit("/", 1)[-1]
    return ref if ":" in name or "@" in name else ref + ":latest"


def split_tag(ref: str) -> tuple[str, str]:
    full = with_tag(ref)
    head, _, tag = full.rpartition(":")
    return (head, tag) if "/" not in tag else (full, "")


class Values:
    """The buildspec's own variables, for substituting those it sets once to a plain value."""

    def __init__(self, spec: Buildspec):
        counts: Counter[str] = Counter()
        plain: dict[str, str] = {}
        for name, value in spec.mapping("env", "variables").items():
            counts[name] += 1
            plain[name] = value
        for command in ordered(spec):
            for name, value in shell.assignments_with_values(command.text or ""):
                counts[name] += 1
                plain[name] = value
        self.counts = counts
        self.plain = {n: normal(v) for n, v in plain.items() if counts[n] == 1 and _SIMPLE.fullmatch(v)}
        self._lengths: dict[tuple[str, int], int] = {}

    def resolve(self, text: str, depth: int = 4) -> str:
        """The text with each variable set once to a plain value replaced by that value, `depth`
        levels deep. A text, or a variable, that would be longer than MAX_RESOLVED resolved stays
        as written: unresolved, the project decides it."""
        if depth == 0 or self._length(text, depth) > MAX_RESOLVED:
            return text

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.plain or self._resolved_length(name, depth - 1) > MAX_RESOLVED:
                return match.group(0)
            return self.resolve(self.plain[name], depth - 1)
        return _REFERENCE.sub(value, text)

    def _length(self, text: str, depth: int) -> int:
        """How long resolve(text, depth) is, without making it."""
        length = len(text)
        for match in _REFERENCE.finditer(text) if depth else ():
            name = match.group(1)
            if name in self.plain and (resolved := self._resolved_length(name, depth - 1)) <= MAX_RESOLVED:
                length += resolved - len(match.group(0))
        return length

    def _resolved_length(self, name: str, depth: int) -> int:
        """How long the variable's value is resolved `depth` levels deep, worked out once."""
        if (name, depth) not in self._lengths:
            self._lengths[name, depth] = self._length(self.plain[name], depth)
        return self._lengths[name, depth]

    def definite(self, text: str) -> bool:
        """Whether the text's value is fixed by the buildspec or CodeBuild, not by the project."""
        names = _REFERENCE.findall(self.resolve(text))
        return all(self.counts[n] == 1 or variables.is_codebuild(n) for n in names)
