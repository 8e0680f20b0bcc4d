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

    def resolve(self, text: str, depth: int = 4) -> str:
        for _ in range(depth):
            replaced = re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)",
                              lambda m: self.plain.get(m.group(1), m.group(0)), text)
            if replaced == text:
                break
            text = replaced
        return text

    def definite(self, text: str) -> bool:
        """Whether the text's value is fixed by the buildspec or CodeBuild, not by the project."""
        names = re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", self.resolve(text))
        return all(self.counts[n] == 1 or variables.is_codebuild(n) for n in names)
