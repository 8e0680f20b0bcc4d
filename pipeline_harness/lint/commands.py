"""Mistakes in a buildspec's commands that ShellCheck cannot know: YAML folding, the AWS CLI,
and the order and names of docker builds, logins and pushes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline_harness.lint import images, shell
from pipeline_harness.lint.document import Buildspec
from pipeline_harness.lint.findings import Finding

LOGIN = ("aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS "
         "--password-stdin $AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com")
# a line that can only continue the previous one: an option, a pipe, && or a redirection
_CONTINUATION = re.compile(r"\s*(?:-|\||&&|>)")


def check(spec: Buildspec, shell_checked: bool) -> list[Finding]:
    found = [*_split(spec), *_v1_login(spec)]
    if shell_checked:
        events, values = images.events(spec), images.Values(spec)
        found += [*_push_before_login(spec, events, values), *_unbuilt_tags(spec, events, values)]
    return found


def _split(spec: Buildspec) -> Iterator[Finding]:
    for command in spec.commands:
        lines = (command.text or "").rstrip("\n").split("\n")
        folded = getattr(command.node, "style", None) == ">"
        if folded and any(_CONTINUATION.match(line) for line in lines[1:]):
            yield Finding(spec.path, command.line, "command-split",
                          "a line of this folded (>) command is indented more than the first, so "
                          "YAML keeps the line break and the shell runs that line as a command of "
                          "its own", "indent every line of the folded command the same")


def _v1_login(spec: Buildspec) -> Iterator[Finding]:
    for command in spec.commands:
        if shell.V1_ECR_LOGIN.search(command.text or ""):
            yield Finding(spec.path, command.line, "ecr-get-login",
                          "'aws ecr get-login' was removed in AWS CLI v2, which every current "
                          "CodeBuild image ships (standard:5.0 and later, Amazon Linux 4.0 and "
                          "later): the command fails and nothing logs in", f"use: {LOGIN}")


def _push_before_login(spec: Buildspec, found: list[images.Event],
                       values: images.Values) -> Iterator[Finding]:
    logins = [e for e in found if e.kind == images.LOGIN]
    reported: set[int] = set()
    for push in (e for e in found if e.kind == images.PUSH):
        ref = values.resolve(push.ref)
        matching = [e for e in logins if _logs_in_to(values.resolve(e.ref), ref)]
        if matching and all(e.order > push.order for e in matching) and push.order not in reported:
            reported.add(push.order)
            yield Finding(spec.path, push.command.line, "push-before-login",
                          f"{push.ref} is pushed before the docker login to its registry (line "
                          f"{matching[0].command.line}), so the push is refused with 'no basic auth "
                          "credentials'", "move the docker login before the first push "
                          "(pre_build is the place for it)")


def _logs_in_to(server: str, ref: str) -> bool:
    if server == images.ANY_REGISTRY:
        return True
    server = re.sub(r"^https?://", "", server).rstrip("/")
    if server in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        first = ref.split("/", 1)[0]
        return "/" not in ref or not re.search(r"[.:$]|^localhost$", first)
    return ref == server or ref.startswith((server + "/", server + ":"))


def _unbuilt_tags(spec: Buildspec, found: list[images.Event],
                  values: images.Values) -> Iterator[Finding]:
    if any(e.kind == images.UNKNOWN for e in found):
        return  # docker load / compose make images this reading cannot name
    produced: list[tuple[int, str]] = []
    for event in found:
        ref = images.with_tag(values.resolve(event.ref))
        if event.kind == images.PRODUCE:
            produced.append((event.order, ref))
        elif event.kind == images.PUSH and not any(ref == made for _, made in produced):
            yield from _unbuilt(spec, event, ref, [made for order, made in produced], values)


def _unbuilt(spec: Buildspec, push: images.Event, ref: str, made: list[str],
             values: images.Values) -> Iterator[Finding]:
    repository, tag = images.split_tag(ref)
    same = [m for m in made if images.split_tag(m)[0] == repository]
    if not same or not values.definite(tag) or not all(values.definite(images.split_tag(m)[1]) for m in same):
        return  # built elsewhere (a script), or a tag the project's variables decide
    yield Finding(spec.path, push.command.line, "push-unbuilt-tag",
                  f"{push.ref} is pushed, but no command before it builds or tags that tag (this "
                  f"repository has {', '.join(sorted({images.split_tag(m)[1] for m in same}))}), so the "
                  "push fails with 'tag does not exist'",
                  f"tag the image first: docker tag {same[0]} {images.with_tag(push.ref)}")
