"""Mistakes in a buildspec's commands that ShellCheck cannot know: YAML folding, the AWS CLI,
and the order and names of docker builds, logins and pushes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline_harness.lint import images, shell
from pipeline_harness.lint.document import Buildspec
from pipeline_harness.lint.findings import GENERIC, Finding, Rule

LOGIN = ("aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS "
         "--password-stdin $AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com")
# a line that can only continue the previous one: an option, a pipe, && or a redirection
_CONTINUATION = re.compile(r"\s*(?:-|\||&&|>)")
_COMMANDS = "version: 0.2\nphases:\n  build:\n    commands:\n"

COMMAND_SPLIT = Rule(
    id="command-split", rule_set=GENERIC,
    summary="a folded (`>`) command whose deeper-indented line runs as a command of its own",
    why="YAML keeps the line break before a more-indented line of a folded block, so the shell runs "
        "that line (an option, a pipe, `&&`) as a command of its own: the first part runs without "
        "it, and the rest fails",
    source="YAML 1.2, 8.1.3 \"Folded Style\" (more-indented lines are not folded)",
    example=_COMMANDS + "      - >\n        docker build\n          --tag app .\n",
    fix="indent every line of the folded command the same")
ECR_GET_LOGIN = Rule(
    id="ecr-get-login", rule_set=GENERIC,
    summary="`aws ecr get-login`, removed in AWS CLI v2, which every current CodeBuild image ships",
    why="the command fails, so nothing logs in to ECR and the push that follows is refused",
    source="AWS CLI User Guide, \"New features and changes in AWS CLI version 2\" (`aws ecr "
           "get-login` is removed; `aws ecr get-login-password` replaces it)",
    example="version: 0.2\nphases:\n  pre_build:\n    commands:\n"
            "      - $(aws ecr get-login --no-include-email --region $AWS_DEFAULT_REGION)\n",
    fix=f"use: {LOGIN}")
PUSH_BEFORE_LOGIN = Rule(
    id="push-before-login", rule_set=GENERIC,
    summary="an image pushed before the `docker login` to its registry",
    why="the registry refuses the push with \"no basic auth credentials\", and the build fails",
    source="Amazon ECR User Guide, \"Private registry authentication\" (docker needs a login to "
           "push); the order is CodeBuild's: phase by phase, each phase's commands in order",
    example=_COMMANDS + "      - docker build -t $REPO:latest .\n      - docker push $REPO:latest\n"
            "  post_build:\n    commands:\n"
            "      - aws ecr get-login-password | docker login --username AWS --password-stdin $REPO\n",
    fix="move the docker login before the first push (pre_build is the place for it)")
PUSH_UNBUILT_TAG = Rule(
    id="push-unbuilt-tag", rule_set=GENERIC,
    summary="a push of a tag no command before it built or tagged (only when the tags are fixed by "
            "the buildspec, not by project variables)",
    why="`docker push` fails with \"tag does not exist\": the image was built under another tag",
    source="Docker docs, `docker push` (pushes an image by a name and tag the engine has) and "
           "`docker tag`",
    example=_COMMANDS + "      - docker build -t my-app:latest .\n      - docker push my-app:v1\n",
    fix="tag the built image with the pushed tag first (docker tag)")


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
            yield COMMAND_SPLIT.at(spec.path, command.line,
                                   "a line of this folded (>) command is indented more than the first, "
                                   "so YAML keeps the line break and the shell runs that line as a "
                                   "command of its own")


def _v1_login(spec: Buildspec) -> Iterator[Finding]:
    for command in spec.commands:
        if shell.V1_ECR_LOGIN.search(command.text or ""):
            yield ECR_GET_LOGIN.at(spec.path, command.line,
                                   "'aws ecr get-login' was removed in AWS CLI v2, which every current "
                                   "CodeBuild image ships (standard:5.0 and later, Amazon Linux 4.0 "
                                   "and later): the command fails and nothing logs in")


def _push_before_login(spec: Buildspec, found: list[images.Event],
                       values: images.Values) -> Iterator[Finding]:
    logins = [e for e in found if e.kind == images.LOGIN]
    reported: set[int] = set()
    for push in (e for e in found if e.kind == images.PUSH):
        ref = values.resolve(push.ref)
        matching = [e for e in logins if _logs_in_to(values.resolve(e.ref), ref)]
        if matching and all(e.order > push.order for e in matching) and push.order not in reported:
            reported.add(push.order)
            yield PUSH_BEFORE_LOGIN.at(spec.path, push.command.line,
                                       f"{push.ref} is pushed before the docker login to its registry "
                                       f"(line {matching[0].command.line}), so the push is refused "
                                       "with 'no basic auth credentials'")


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
    tags = ", ".join(sorted({images.split_tag(m)[1] for m in same}))
    yield PUSH_UNBUILT_TAG.at(spec.path, push.command.line,
                              f"{push.ref} is pushed, but no command before it builds or tags that tag "
                              f"(this repository has {tags}), so the push fails with 'tag does not exist'",
                              f"tag the image first: docker tag {same[0]} {images.with_tag(push.ref)}")
