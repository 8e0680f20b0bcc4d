"""Just enough of the shell to read a buildspec command: variables, and docker invocations.

Static reading on purpose: lint never runs a command (the dry-run does, with stand-ins).
"""

from __future__ import annotations

import csv
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

    def end_word() -> None:
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
BUILD_VALUE_FLAGS = {
    "--add-host", "--allow", "--annotation", "--attest", "--build-arg", "--build-context",
    "--builder", "--cache-from", "--cache-to", "--call", "--cgroup-parent", "--file", "-f",
    "--iidfile", "--label", "--metadata-file", "--network", "--output", "-o", "--platform",
    "--progress", "--secret", "--shm-size", "--ssh", "--tag", "-t", "--target", "--ulimit",
}
# what Go's strconv.ParseBool reads as true, as pflag does for a bool flag (--push=1) and buildkit
# for an exporter's push=; anything else is false or an error that fails the build
GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}


def flags(args: list[str], with_value: set[str],
          interspersed: bool = True) -> tuple[list[tuple[str, str]], list[str]]:
    """args as docker's flag parser (spf13/pflag) reads them: each flag with its value, in order,
    and the positional arguments.

    with_value names the flags that take a value: long ones as `--tag=v` or `--tag v`, short ones as
    `-tv`, `-t=v` or `-t v`. Any other flag is a bool, "true" unless written `--push=false`, and
    short bools run together (`-qt name`). After `--` all is positional; so is all from the first
    positional when not interspersed (docker's own options, which come before its command).
    """
    found: list[tuple[str, str]] = []
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            return found, positional + args[i:]
        if arg == "-" or not arg.startswith("-"):
            positional.append(arg)
            if not interspersed:
                return found, positional + args[i:]
        elif arg.startswith("--"):
            i = _long_flag(arg, args, i, with_value, found)
        else:
            i = _short_flags(arg[1:], args, i, with_value, found)
    return found, positional


def _long_flag(arg: str, args: list[str], i: int, with_value: set[str],
               found: list[tuple[str, str]]) -> int:
    name, has_value, value = arg.partition("=")
    if not has_value and name not in with_value:
        value = "true"
    elif not has_value and i < len(args):
        value, i = args[i], i + 1
    found.append((name, value))
    return i


def _short_flags(shorts: str, args: list[str], i: int, with_value: set[str],
                 found: list[tuple[str, str]]) -> int:
    while shorts:
        name, rest = "-" + shorts[0], shorts[1:]
        if len(rest) > 1 and rest.startswith("="):
            found.append((name, rest[1:]))
        elif name not in with_value:
            found.append((name, "true"))
            shorts = rest
            continue
        elif rest:
            found.append((name, rest))
        else:
            found.append((name, args[i] if i < len(args) else ""))
            i += 1
        break
    return i


def parse_buildx_build(args: list[str]) -> BuildxBuild:
    """Read the arguments after `docker buildx build`."""
    read, positional = flags(args, BUILD_VALUE_FLAGS)

    def given(*names: str) -> list[str]:
        return [value for name, value in read if name in names]

    return BuildxBuild(
        # as written: buildx splits on commas, and rejects a platform with a space (normal_platform)
        platforms=[p for value in given("--platform") for p in value.split(",")],
        tags=given("--tag", "-t"),
        build_args=dict(value.partition("=")[::2] for value in given("--build-arg")),
        push=_pushes(given("--push"), given("--output", "-o")),
        dockerfile=next(reversed(given("--file", "-f")), None),
        context=positional[-1] if positional else None)


def _pushes(push: list[str], outputs: list[str]) -> bool:
    """Whether buildx pushes: --push is a bool flag, the last one given counts (--push=false does
    not push); or an output does, as buildx reads --output (one CSV record)."""
    return (bool(push) and push[-1] in GO_TRUE) or any(map(_output_pushes, outputs))


def _output_pushes(output: str) -> bool:
    fields = next(csv.reader([output]), [])
    options = {key.strip().lower(): value for key, _, value in (f.partition("=") for f in fields)}
    # type=registry is the image exporter with push=true, unless it says push (buildx ParseExports)
    default = "true" if options.get("type") == "registry" else "false"
    return options.get("type") in ("image", "registry") and options.get("push", default) in GO_TRUE


# the OSes and architectures containerd knows (platforms/database.go, from Go's syslist)
_KNOWN_OS = {"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
             "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "windows", "zos"}
_KNOWN_ARCH = {"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le",
               "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc",
               "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"}
_OS_AND_VERSION = re.compile(r"([A-Za-z0-9_-]+)(?:\([A-Za-z0-9_.+-]*\))?")
_COMPONENT = re.compile(r"[A-Za-z0-9_.-]+")


def normal_platform(specifier: str) -> str | None:
    """The platform a --platform entry names, as buildx normalises it (containerd's platforms.Parse,
    then Normalize, then Format): linux/aarch64, linux/arm64/v8 and arm64 are all linux/arm64.

    An architecture alone takes the OS of the host buildx runs on: Linux, on CodeBuild. An OS
    alone (`linux`) or `local` takes the host's architecture, which lint cannot know, so it is
    kept as written. None for what buildx rejects, failing the build: ' linux/arm64' (a space).
    """
    parts = specifier.split("/", 3)
    head = _OS_AND_VERSION.fullmatch(parts[0])
    if "*" in specifier or len(parts) > 3 or not head or not all(map(_COMPONENT.fullmatch, parts[1:])):
        return None
    system = "darwin" if head.group(1).lower() == "macos" else head.group(1).lower()
    if len(parts) == 1 and (system in _KNOWN_OS or system == "local"):
        return specifier
    if len(parts) == 1:
        arch, variant = _normal_arch(parts[0], "")
        return "/".join(p for p in ("linux", arch, variant) if p) if arch in _KNOWN_ARCH else None
    arch, variant = _normal_arch(parts[1], parts[2] if len(parts) == 3 else "")
    return "/".join(p for p in (system, arch, variant) if p)


def _normal_arch(arch: str, variant: str) -> tuple[str, str]:
    """containerd's normalizeArch: the common variant of arm64 (v8) and amd64 (v1) is left out,
    32-bit arm's (v7) is written."""
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        return "arm64", {"8": "", "v8": "", "v8.0": "", "9": "v9", "9.0": "v9", "v9.0": "v9"}.get(
            variant, variant)
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        return arch, {"": "v7", "7": "v7", "5": "v5", "6": "v6", "8": "v8"}.get(variant, variant)
    return arch, variant


# words before a command that only say how or when it runs
_LEADING = {"then", "do", "else", "elif", "if", "while", "until", "!", "{", "time", "sudo", "exec",
            "nohup", "command"}


# docker's own options that take a value (docker --help), and buildx's (docker buildx --help):
# they come before the command, `docker --config DIR login ...`, `docker buildx --builder B build`
_DOCKER_VALUE_OPTIONS = {"--config", "--context", "-c", "--host", "-H", "--log-level", "-l",
                         "--tlscacert", "--tlscert", "--tlskey"}
_BUILDX_VALUE_OPTIONS = {"--builder"}


def docker_commands(command: str) -> list[list[str]]:
    """Each `docker ...` simple command in a command line, as argv without `docker`, nor docker's
    or buildx's own options before the command (so `buildx build ...` or `login ...`)."""
    return [argv for argv, _ in docker_invocations(command)]


def docker_invocations(command: str) -> list[tuple[list[str], list[tuple[str, str]]]]:
    """docker_commands(), each with the docker and buildx options read before the command
    (`docker buildx --builder B build ...` gives ("--builder", "B"))."""
    found = []
    for argv in words(command):
        argv = without_assignments(argv)
        while argv and argv[0] in _LEADING:
            argv = argv[1:]
        if argv and argv[0] == "docker":
            found.append(_docker_command(argv[1:]))
    return found


def _docker_command(args: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    options, args = flags(args, _DOCKER_VALUE_OPTIONS, interspersed=False)
    if args[:1] == ["buildx"]:
        buildx_options, rest = flags(args[1:], _BUILDX_VALUE_OPTIONS, interspersed=False)
        return ["buildx", *rest], options + buildx_options
    return args, options
