"""Lint the sample app's Dockerfile: a base that is a build argument, and the served port.

The file is read by e2b-dockerfile-utils, a port of BuildKit's own Dockerfile parser and shell
lexer: parser directives (`# escape=` makes the backtick continue lines), continuation lines with
their comment and empty lines, here-documents (`RUN <<EOF` ... `EOF`: the body is no
instruction), quotes and `${VAR:-default}`. Build arguments are then resolved as BuildKit does
(Dockerfile reference, "Understand how ARG and FROM interact" and "Scope"), with their defaults,
because a plain `docker build` such as CodeBuild's uses the defaults.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from e2b_dockerfile_utils import DockerfileSyntaxError, ShellLex, parse_dockerfile_ast

from pipeline_harness.lint.files import MAX_BYTES
from pipeline_harness.lint.findings import GENERIC, LAB, Finding, Rule, Unparsable
from pipeline_harness.settings import Settings

OFFICIAL_BASE = "php:8.3-apache"
# the build argument the harness sets to its locally made base (docker_images.build_app_image)
BASE_ARGUMENT = "BASE_IMAGE"
# the official image on Docker Hub, or its mirror on ECR Public (no Docker Hub rate limits)
_OFFICIAL = re.compile(r"(?:(?:docker\.io/)?(?:library/)?|public\.ecr\.aws/docker/library/)"
                       r"php:[\w.-]*apache[\w.-]*(?:@sha256:[0-9a-f]{64})?")
_ARCHES = re.compile(r"\b(amd64|x86_64|aarch64|arm64)\b")
_AMD64, _ARM64 = {"amd64", "x86_64"}, {"arm64", "aarch64"}
# BuildKit's automatic platform arguments (Dockerfile reference, "Automatic platform ARGs in the
# global scope"): a Dockerfile that reads them is written to be built for several platforms
_PLATFORM_ARGUMENTS = re.compile(r"\b(?:TARGET|BUILD)(?:PLATFORM|OS|ARCH|VARIANT)\b")
# a step that reads the architecture it builds for names every architecture to pick one
_PICKS_ARCH = re.compile(r"(?:TARGET|BUILD)(?:ARCH|PLATFORM)|uname\s+-m|dpkg\s+--print-architecture"
                         r"|apk\s+--print-arch")
_VARIABLE = re.compile(r"\$\{?([A-Za-z_]\w*)")
# ${NAME/pattern/replacement}, ${NAME//pattern/replacement}: the replacement once per match
_REPLACEMENT = re.compile(r"\$\{[A-Za-z_]\w*/")
# the characters all of a Dockerfile's expanded ARG, ENV, FROM and EXPOSE values may add up to:
# each value may name the ones before it several times (`ARG B=$A$A`), so a file of a few lines
# could expand to gigabytes; no Dockerfile's values come near the size of the largest file lint reads
MAX_EXPANDED = MAX_BYTES
_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)")
_DOCKERFILE_FRONTEND = re.compile(r"(?:docker\.io/)?docker/dockerfile(?:-upstream)?(?:[:@]\S*)?")
_PORT_SPEC = re.compile(r"(?P<low>[0-9]{1,5})(?:-(?P<high>[0-9]{1,5}))?(?:/(?P<protocol>\w+))?")
_FIX_BASE = f"ARG {BASE_ARGUMENT}={OFFICIAL_BASE} before FROM, then FROM ${{{BASE_ARGUMENT}}}"
# the whole image one reference to the harness's argument: $BASE_IMAGE, ${BASE_IMAGE}, ${BASE_IMAGE:-x}
_BASE_REFERENCE = re.compile(rf"\$(?:{BASE_ARGUMENT}|\{{{BASE_ARGUMENT}(?:[:]?[-+][^}}]*)?\}})")
_FILE = "Dockerfile"

NOT_A_DOCKERFILE = Rule(
    id="not-a-dockerfile", rule_set=GENERIC, example_file=_FILE,
    summary="a Dockerfile without FROM, or one BuildKit cannot read: an unknown instruction (often "
            "a line a missing `\\` left out of a RUN), an unterminated here-document, a bad `# "
            "escape=` or `${...}`, or build arguments and ENV values that expand to more than 1 MiB "
            "in all (fatal)",
    why="docker build stops at the same line, so no image is built",
    source="Dockerfile reference, \"Format\" (a Dockerfile begins with FROM, after parser "
           "directives, comments and global ARGs) and BuildKit's parser, read through "
           "e2b-dockerfile-utils (its port)",
    example="FROM php:8.3-apache\nRUN apt-get update &&\n    apt-get install -y git\n",
    fix="fix that line: docker build stops there too")
BASE_NOT_ARGUMENT = Rule(
    id="base-not-argument", rule_set=LAB, example_file=_FILE,
    summary="a final stage whose base image is not the `BASE_IMAGE` build argument itself "
            "(`FROM ${BASE_IMAGE}`, declared by an ARG before the first FROM)",
    why="the harness builds the image with `--build-arg BASE_IMAGE=<its local base>`, where nothing "
        "can be pulled: a fixed base, or one made of other arguments (`php:${PHP_VERSION}-apache`), "
        "would be pulled",
    source="the harness's own build (`docker_images.build_app_image`), not the tutorial, so the "
           "grader does not grade it",
    example="FROM php:8.3-apache\nEXPOSE 80\n",
    fix=_FIX_BASE)
BASE_DEFAULT = Rule(
    id="base-default", rule_set=LAB, example_file=_FILE,
    summary="a base image whose default, with every ARG resolved, is not the official PHP Apache "
            "image",
    why="a plain `docker build`, as CodeBuild's, builds on the arguments' defaults: the lab's app "
        "runs on the official `php:8.3-apache` (Docker Hub, or its ECR Public mirror), and an ARG "
        "without a default fails the build",
    source="the sample app's Dockerfile (`sample_app/Dockerfile`); Dockerfile reference, "
           "\"Understand how ARG and FROM interact\"; the harness's own build, so the grader does "
           "not grade it",
    example="ARG BASE_IMAGE=nginx:1.27\nFROM ${BASE_IMAGE}\nEXPOSE 80\n",
    fix=f"use {_FIX_BASE}")
ARCH_SPECIFIC = Rule(
    id="arch-specific", rule_set=GENERIC, example_file=_FILE,
    summary="(with `generic` only in a Dockerfile that reads `TARGETARCH` or the like) a Dockerfile "
            "step fixed to one CPU architecture: `FROM --platform=` a fixed platform (also through an "
            "ARG's default), a base image naming one (`amd64/php`), a RUN, ADD or COPY naming one, in "
            "its line or its here-document (reported on that body line)",
    why="an image built for several platforms gets the named architecture's binaries in every "
        "platform's image, which the others cannot run (a pinned FROM makes the same image twice). "
        "An image built for one platform alone runs that platform's binaries, so `generic` asks "
        "this only of a Dockerfile written for several platforms",
    source="Dockerfile reference, \"Automatic platform ARGs in the global scope\" (TARGETARCH and "
           "the like are set per target platform)",
    example="FROM php:8.3-apache\nARG TARGETARCH\n"
            "RUN curl -fsSLo /usr/local/bin/tool https://example.com/tool-linux-amd64\nEXPOSE 80\n",
    fix="use ARG TARGETARCH (set by buildx) instead of a fixed architecture")
EXPOSE = Rule(
    id="expose", rule_set=LAB, example_file=_FILE,
    summary="no EXPOSE of the port the task definition and target group use",
    why="EXPOSE says which port the image serves on (it publishes nothing); the lab's task "
        "definition (containerPort) and target group send requests to the port Apache serves the app "
        "on, so an image that says another port is not the lab's",
    source="Dockerfile reference, \"EXPOSE\"; the lab's task definition and target group "
           "(`Settings.container_port`)",
    example="ARG BASE_IMAGE=php:8.3-apache\nFROM ${BASE_IMAGE}\nEXPOSE 8080\n",
    fix="EXPOSE the port the task definition and the target group use")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    # the text after the keyword, continuation lines joined as BuildKit joins them
    arguments: str
    # the parser's arguments with quotes kept: ARG's name=value words, ENV's (key, value, =)
    # triples, FROM's image [AS name], EXPOSE's ports
    words: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    # the here-documents' lines, each with its line number
    body: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Dockerfile:
    steps: list[Instruction]
    # `\`, or the backtick of an `# escape=` directive
    escape: str


def read(text: str) -> Dockerfile:
    """The instructions as BuildKit reads them; DockerfileSyntaxError where BuildKit stops."""
    ast = parse_dockerfile_ast(text)
    steps = [Instruction(i.start_line, i.name, [*i.original.split(None, 1), ""][1], tuple(i.args),
                         tuple(i.flags), _body(i.end_line, [h.content for h in i.heredocs]))
             for i in ast.instructions]
    return Dockerfile(steps, ast.escape_token)


def _body(end_line: int, contents: list[str]) -> tuple[tuple[int, str], ...]:
    # each here-document is its lines then its delimiter's line, and the last one ends the instruction
    lines = [part.split("\n")[:-1] for part in contents]
    number = end_line - sum(len(doc) + 1 for doc in lines) + 1
    numbered = []
    for doc in lines:
        numbered += [(number + i, text.rstrip("\r")) for i, text in enumerate(doc)]
        number += len(doc) + 1
    return tuple(numbered)


@dataclass(frozen=True)
class Arg:
    value: str | None  # None: declared without a default
    line: int


@dataclass
class Stage:
    start: Instruction
    image: str  # the FROM image with the ARGs before FROM at their defaults
    parent: Stage | None  # the earlier stage it is built FROM
    steps: list[Instruction] = field(default_factory=list)


def lint_text(text: str, path: str, settings: Settings, lab: bool = True) -> list[Finding]:
    """The Dockerfile's findings. The lab builds for linux/amd64 and linux/arm64, so a step
    fixed to one architecture is a mistake there; for any other project only where the file
    itself is written for several platforms (it reads $TARGETARCH or the like)."""
    try:
        dockerfile = read(text)
    except DockerfileSyntaxError as err:
        raise _unreadable(path, text, err) from None
    steps, lex = dockerfile.steps, _Expander(dockerfile.escape, path)
    froms = [i for i in steps if i.keyword == "FROM"]
    if not froms:
        raise NOT_A_DOCKERFILE.unparsable(path, None, "no FROM instruction: this is not a Dockerfile",
                                          f"start it with {_FIX_BASE}")
    meta = _meta_args(steps[: steps.index(froms[0])], lex)
    defaults = {name: arg.value for name, arg in meta.items() if arg.value is not None}
    stages = _stages(steps, defaults, lex)
    chain = _chain(stages)
    findings = list(_base(path, chain[0], meta))
    if lab or _PLATFORM_ARGUMENTS.search(text):
        findings += _platform_pins(path, stages, defaults, lex)
        findings += _arch_steps(path, steps)
    findings += _exposed(path, chain, meta, lex, settings.container_port)
    return findings


def _unreadable(path: str, text: str, err: DockerfileSyntaxError) -> Unparsable:
    reason = re.sub(r"^Dockerfile parse error(?: on line \d+)?: ", "", str(err))
    if frontend := _foreign_frontend(text):
        return NOT_A_DOCKERFILE.unparsable(path, err.line,
                                           f"{reason}: the `# syntax={frontend}` frontend has "
                                           "instructions of its own, so this Dockerfile cannot be checked",
                                           "lint the Dockerfile that frontend makes, or write this one in "
                                           "the Dockerfile reference's syntax")
    return NOT_A_DOCKERFILE.unparsable(path, err.line, f"BuildKit cannot read this Dockerfile: {reason}")


def _foreign_frontend(text: str) -> str | None:
    """The frontend a `# syntax=` parser directive names, when it is not BuildKit's Dockerfile."""
    for line in text.lstrip("\ufeff").split("\n"):
        directive = _DIRECTIVE.fullmatch(line.strip())
        if not directive:  # directives are only the lines at the very top
            return None
        if directive.group(1).lower() == "syntax" and not _DOCKERFILE_FRONTEND.fullmatch(directive.group(2)):
            return directive.group(2)
    return None


class _Expander:
    """BuildKit's variable expansion (quotes removed, ${VAR:-word} and the like), of at most
    MAX_EXPANDED characters in all: a word that could take the total beyond is not expanded but
    refused. Refused, not left unexpanded: the base image and the ports are checked on their
    expanded values, and `$A$A` in their place would be reported as a wrong base or port."""

    def __init__(self, escape: str, path: str):
        self.escape, self.path = escape, path
        self.expanded = 0

    def __call__(self, word: str, env: Mapping[str, str], step: Instruction, keep_unset: bool = False) -> str:
        if self.expanded + _most(word, env) > MAX_EXPANDED:
            raise NOT_A_DOCKERFILE.unparsable(
                self.path, step.line,
                f"{step.keyword} {_short(word)!r} would expand the build arguments and ENV values to "
                f"more than {MAX_EXPANDED // 2**20} MiB in all: no Dockerfile's values come near that",
                "write the value out instead of repeating variables in it")
        try:
            value = ShellLex(self.escape, env=env, skip_unset_env=keep_unset).process_word(word)
        except ValueError as err:  # ${:x}, a missing }: BuildKit fails the build on it too
            reason = str(err).removeprefix(f"failed to process {word!r}: ")
            raise NOT_A_DOCKERFILE.unparsable(self.path, step.line,
                                              f"{step.keyword} {_short(word)!r} cannot be expanded: {reason}",
                                              "write the variable as $NAME or ${NAME:-default}") from None
        self.expanded += len(value)
        return value


def _most(word: str, env: Mapping[str, str]) -> int:
    """At most how long a word expands to: its own text and, for each variable it names, that
    variable's value; each ${NAME/pattern/replacement} may repeat what it holds once per
    character of the value (an empty pattern matches between every two)."""
    lengths = [len(env.get(name) or "") for name in _VARIABLE.findall(word)]
    most = len(word) + sum(lengths)
    for _ in _REPLACEMENT.finditer(word):
        most *= max(lengths, default=0) + 1
        if most > MAX_EXPANDED:
            break
    return most


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _meta_args(before_from: list[Instruction], lex: _Expander) -> dict[str, Arg]:
    # each ARG before FROM sees the ones above it; a later one with the same name replaces it
    meta: dict[str, Arg] = {}
    defaults: dict[str, str] = {}
    for step in (s for s in before_from if s.keyword == "ARG"):
        for word in step.words:
            name, assigned, raw = word.partition("=")
            value = lex(raw, defaults, step) if assigned else None
            meta[name] = Arg(value, step.line)
            if value is None:
                defaults.pop(name, None)
            else:
                defaults[name] = value
    return meta


def _stages(steps: list[Instruction], defaults: dict[str, str], lex: _Expander) -> list[Stage]:
    stages: list[Stage] = []
    named: dict[str, Stage] = {}
    for step in steps:
        if step.keyword != "FROM":
            if stages:
                stages[-1].steps.append(step)
            continue
        image = lex(step.words[0], defaults, step) if step.words else ""
        stages.append(Stage(step, image, named.get(image.lower())))
        if len(step.words) == 3 and step.words[1].lower() == "as":
            named[step.words[2].lower()] = stages[-1]  # stage names are case-insensitive
    return stages


def _chain(stages: list[Stage]) -> list[Stage]:
    """The stages the image that runs is made of: the last stage, back to the one on an image."""
    chain = [stages[-1]]
    while parent := chain[-1].parent:
        chain.append(parent)
    return chain[::-1]


def _base(path: str, root: Stage, meta: dict[str, Arg]) -> Iterator[Finding]:
    first = root.start
    written = first.words[0] if first.words else ""
    names = _VARIABLE.findall(written)
    if not names:
        yield BASE_NOT_ARGUMENT.at(path, first.line,
                                   f"the base image {written!r} is fixed, so the harness cannot build on "
                                   "a local base where nothing can be pulled")
        return
    if not any(name in meta for name in names):
        yield BASE_NOT_ARGUMENT.at(path, first.line,
                                   f"FROM uses ${names[0]} but no ARG {names[0]} comes before FROM, so a "
                                   "build argument cannot set it",
                                   f"declare ARG {names[0]}={OFFICIAL_BASE} above FROM")
        return
    if not (_BASE_REFERENCE.fullmatch(written) and BASE_ARGUMENT in meta):
        yield BASE_NOT_ARGUMENT.at(path, first.line,
                                   f"the base image {written!r} is not the {BASE_ARGUMENT} argument itself, "
                                   "the one build argument the harness sets to a local base where nothing "
                                   "can be pulled")
    yield from _base_default(path, first, root.image, names, meta)


def _base_default(path: str, first: Instruction, image: str, names: list[str],
                  meta: dict[str, Arg]) -> Iterator[Finding]:
    """What a plain build (CodeBuild's) builds on: the arguments' defaults."""
    if not image:
        declared = [n for n in names if n in meta]
        name = next((n for n in declared if not meta[n].value), declared[0])
        yield BASE_DEFAULT.at(path, meta[name].line,
                              f"ARG {name} has no default, so a plain build (as in CodeBuild) fails",
                              f"give it the official image: ARG {name}={OFFICIAL_BASE}")
    elif not _OFFICIAL.fullmatch(image):
        yield BASE_DEFAULT.at(path, first.line,
                              f"the default base {image!r} is not the official PHP Apache "
                              "image the lab runs on AWS")


def _platform_pins(path: str, stages: list[Stage], defaults: dict[str, str],
                   lex: _Expander) -> Iterator[Finding]:
    for stage in stages:
        step = stage.start
        for flag in (f for f in step.flags if f.startswith("--platform=")):
            # $BUILDPLATFORM and $TARGETPLATFORM are buildx's, set per target: they stay unexpanded
            platform = lex(flag.removeprefix("--platform="), defaults, step, keep_unset=True)
            if "$" not in platform:
                yield ARCH_SPECIFIC.at(path, step.line,
                                       f"FROM --platform={platform} pins one architecture, so the "
                                       "multi-arch build makes the same image twice",
                                       "drop --platform from FROM (buildx sets it per target)")
        arch = None if stage.parent else _ARCHES.search(stage.image)
        if arch:
            yield ARCH_SPECIFIC.at(path, step.line,
                                   f"the image {stage.image!r} is built for {arch.group(1)} only, so "
                                   "the other platform's image gets the wrong binaries",
                                   "use a multi-arch image: buildx pulls each platform's own")


def _arch_steps(path: str, steps: list[Instruction]) -> Iterator[Finding]:
    for step in (s for s in steps if s.keyword in ("RUN", "ADD", "COPY")):
        lines = [(step.line, step.arguments), *step.body]
        named_arches = {arch.lower() for _, text in lines for arch in _ARCHES.findall(text)}
        if any(_PICKS_ARCH.search(text) for _, text in lines) or (
                named_arches & _AMD64 and named_arches & _ARM64):
            continue  # it picks the architecture, or handles amd64 and arm64 both
        named = next(((number, arch) for number, text in lines if (arch := _ARCHES.search(text))), None)
        if named:
            yield ARCH_SPECIFIC.at(path, named[0],
                                   f"{step.keyword} names the {named[1].group(1)} architecture, so the "
                                   "other platform's image gets the wrong binaries")


def _exposed(path: str, chain: list[Stage], meta: dict[str, Arg], lex: _Expander,
             port: int) -> Iterator[Finding]:
    exposes = list(_exposes(chain, meta, lex))
    if not exposes:
        yield EXPOSE.at(path, chain[-1].start.line,
                        f"no EXPOSE: the app serves on port {port} (the task definition's "
                        "containerPort and the target group's port)", f"add EXPOSE {port}")
        return
    ports = sorted({p for _, ports in exposes for p in ports if p})
    if not any(_serves_tcp(p, port) for p in ports):
        shown = ", ".join(ports) or exposes[0][0].arguments
        yield EXPOSE.at(path, exposes[0][0].line,
                        f"EXPOSE {shown} but Apache serves the app on port {port}, which the task "
                        "definition and the target group use", f"write EXPOSE {port}")


def _exposes(chain: list[Stage], meta: dict[str, Arg],
             lex: _Expander) -> Iterator[tuple[Instruction, list[str]]]:
    """Each EXPOSE of the stages the image is made of, with its ports expanded.

    A stage sees its own ARGs (one without a value takes the default of the ARG of that name
    before FROM) and the ENV of the stages it is built on; ENV wins over an ARG of its name."""
    env: dict[str, str] = {}
    for stage in chain:
        args: dict[str, str] = {}
        scope = ChainMap(env, args)
        for step in stage.steps:
            if step.keyword == "ARG":
                args |= _stage_args(step, scope, meta, lex)
            elif step.keyword == "ENV":
                # one ENV's values all see the variables as they were before it
                pairs = zip(step.words[::3], step.words[1::3], strict=True)
                env |= {key: lex(value, scope, step) for key, value in pairs}
            elif step.keyword == "EXPOSE":
                yield step, [port for word in step.words for port in lex(word, scope, step).split()]


def _stage_args(step: Instruction, scope: Mapping[str, str], meta: dict[str, Arg],
                lex: _Expander) -> dict[str, str]:
    args: dict[str, str] = {}
    for word in step.words:
        name, assigned, raw = word.partition("=")
        value = lex(raw, scope, step) if assigned else (meta[name].value if name in meta else None)
        if value is not None:
            args[name] = value
    return args


def _serves_tcp(exposed: str, port: int) -> bool:
    # EXPOSE <port>[/<protocol>], a port or a range of them, TCP when no protocol is given
    spec = _PORT_SPEC.fullmatch(exposed)
    if not spec or (spec["protocol"] or "tcp").lower() != "tcp":
        return False
    return int(spec["low"]) <= port <= int(spec["high"] or spec["low"])
