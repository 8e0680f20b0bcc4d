"""The CodeBuild buildspec reference as a JSON schema; each violation is reported on its line.

The schema (buildspec.schema.json) is checked with `jsonschema` on the data PyYAML builds from
the document; the error's path leads back to the YAML node, which keeps its line.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline_harness.lint import yamlnodes
from pipeline_harness.lint.document import COMMAND_SECTIONS, PHASES, Buildspec
from pipeline_harness.lint.findings import GENERIC, Finding, Rule
from pipeline_harness.lint.yamlnodes import YAML_INVALID

SCHEMA = json.loads(resources.files(__package__).joinpath("buildspec.schema.json").read_text())
_VALIDATOR = Draft202012Validator(SCHEMA)
_KINDS = {"object": "mapping", "array": "list", "string": "text", "number": "number",
          "integer": "whole number", "boolean": "yes/no value", "null": "nothing"}
# why the reference requires a key, where the reason is not obvious
_REQUIRED_BECAUSE = {
    "files": "CodeBuild needs to know which files to upload (files, or secondary-artifacts that "
             "name their own)",
    "paths": "a cache without paths caches nothing",
    "identifier": "every build of a build graph needs an identifier for depend-on",
}
_REFERENCE = "CodeBuild User Guide, \"Build specification reference\""
_PHASE = "version: 0.2\nphases:\n  build:\n"

DUPLICATE_KEY = Rule(
    id="duplicate-key", rule_set=GENERIC,
    summary="a key written twice in one mapping (two `build:` phases, two `commands:`, an env "
            "variable set twice), reported on the later copy with the first copy's line",
    why="YAML allows a key once in a mapping; PyYAML, like most YAML readers, keeps the last copy, "
        "which every check reads, so what the first copy holds is silently lost, and a strict "
        "reader rejects the buildspec. What CodeBuild's reader does with it is not documented",
    source="YAML 1.2, 3.2.1.1 \"Nodes\" (the keys of a mapping are unique)",
    example=_PHASE + "    commands:\n      - make\n  build:\n    commands:\n      - make test\n",
    fix="merge the two entries into one key")
VERSION = Rule(
    id="version", rule_set=GENERIC,
    summary="a version that is missing or not 0.1 / 0.2 (e.g. `version: 0.0`)",
    why="CodeBuild rejects a buildspec without a version it knows before any phase runs",
    source=f"{_REFERENCE} (version is required; 0.1 and 0.2 are the versions)",
    example="version: 0.3\nphases:\n  build:\n    commands:\n      - make\n",
    fix="write 'version: 0.2'")
NO_PHASES = Rule(
    id="phases", rule_set=GENERIC,
    summary="a buildspec with neither phases nor batch: the build runs nothing",
    why="without phases, or a batch that runs other buildspecs, CodeBuild has no command to run",
    source=f"{_REFERENCE} (phases) and \"Batch build buildspec reference\" (batch)",
    example="version: 0.2\nartifacts:\n  files:\n    - '**/*'\n",
    fix="add 'phases:' with install, pre_build, build and post_build")
UNKNOWN_KEY = Rule(
    id="unknown-key", rule_set=GENERIC,
    summary="a key the buildspec reference does not define (`varaibles:`)",
    why="CodeBuild rejects the buildspec or ignores the key, so what it holds (a variable, an "
        "artifact's setting) never takes effect",
    source=f"{_REFERENCE} (every section and its keys)",
    example="version: 0.2\nenv:\n  varaibles:\n    STAGE: prod\nphases:\n  build:\n    commands:\n"
            "      - make\n",
    fix="rename it to a key the reference defines")
UNKNOWN_PHASE = Rule(
    id="unknown-phase", rule_set=GENERIC,
    summary="a phase other than install, pre_build, build, post_build",
    why="CodeBuild runs only those four phases, so the commands of any other never run",
    source=f"{_REFERENCE} (phases)",
    example="version: 0.2\nphases:\n  prebuild:\n    commands:\n      - make deps\n",
    fix=f"rename it to one of {', '.join(PHASES)}")
UNKNOWN_PHASE_KEY = Rule(
    id="unknown-phase-key", rule_set=GENERIC,
    summary="a key a phase does not have (`command:` for `commands:`); a phase has run-as, "
            "on-failure, commands, finally, steps (GitHub Actions steps)",
    why="what the key holds is not run: a phase runs only its `commands`, `finally` and `steps`. "
        "Whether CodeBuild rejects an unknown key is not documented, so lint does not claim it",
    source=f"{_REFERENCE} (phases); CodeBuild User Guide, \"Use GitHub Actions syntax in a "
           "buildspec\" (\"adding steps to any phase in your buildspec file\")",
    example=_PHASE + "    command:\n      - make\n",
    fix="rename it to a key a phase has: run-as, on-failure, commands, finally, steps")
RUNTIME_VERSIONS = Rule(
    id="runtime-versions", rule_set=GENERIC,
    summary="runtime-versions outside the install phase",
    why="CodeBuild reads runtime-versions only in the install phase, so the runtime is never chosen",
    source=f"{_REFERENCE} (phases/install/runtime-versions)",
    example=_PHASE + "    runtime-versions:\n      python: 3.12\n    commands:\n      - make\n",
    fix="move runtime-versions: under phases: install:")
MISSING_KEY = Rule(
    id="missing-key", rule_set=GENERIC,
    summary="a missing key the reference requires (artifacts.files or secondary-artifacts, "
            "cache.paths, a build-graph identifier)",
    why="the section cannot do its job: an artifact must name the files to upload, a cache the "
        "paths to keep, each build of a build graph its identifier for depend-on",
    source=f"{_REFERENCE} and \"Batch build buildspec reference\". `artifacts` with "
           "`secondary-artifacts` alone is valid: the User Guide's \"AWS CodePipeline integration "
           "with CodeBuild and multiple input sources and output artifacts sample\" has no `files` "
           "(test `test_what_the_user_guide_documents_has_no_findings` holds it verbatim)",
    example=_PHASE + "    commands:\n      - make\ncache:\n  key: dependencies\n",
    fix="add the key the section needs")
WRONG_TYPE = Rule(
    id="wrong-type", rule_set=GENERIC,
    summary="a value of the wrong kind (a list where a mapping belongs)",
    why="the section does not hold what the reference defines it to (a list of `NAME=value` is no "
        "mapping of variables), so CodeBuild cannot read it as meant",
    source=f"{_REFERENCE}. Accepted as CodeBuild does: `cache: paths:` with every entry commented "
           "out (YAML null) builds (issue 27's held-out corpus, a file in production; the reference "
           "gives no minimum); the env sections are read the same way (an inference, like "
           "`commands:` with nothing, not verified against a build here)",
    example="version: 0.2\nenv:\n  variables:\n    - STAGE=prod\nphases:\n  build:\n    commands:\n"
            "      - make\n",
    fix="write the value as the kind the reference gives it")
INVALID_VALUE = Rule(
    id="invalid-value", rule_set=GENERIC,
    summary="a value the reference does not allow (shell, on-failure, file-format, cache action, "
            "yes/no, variable names)",
    why="CodeBuild knows only the values the reference lists (`on-failure: ABORT | CONTINUE | "
        "RETRY...`, `shell: bash | /bin/sh | ...`) and rejects the buildspec on another",
    source=f"{_REFERENCE} (the values of each key)",
    example=_PHASE + "    on-failure: STOP\n    commands:\n      - make\n",
    fix="write a value the reference allows")
COMMANDS_NOT_LIST = Rule(
    id="commands-not-list", rule_set=GENERIC,
    summary="a phase's commands or finally that is not a list",
    why="a phase's commands and finally are sequences of commands; a text or a mapping in their "
        "place is no list of commands CodeBuild runs",
    source=f"{_REFERENCE} (phases/*/commands, phases/*/finally)",
    example=_PHASE + "    commands: make\n",
    fix="write each command as a list item: '- <command>'")
COMMAND_IS_MAPPING = Rule(
    id="command-is-mapping", rule_set=GENERIC,
    summary="a command an unquoted `: ` made a YAML mapping",
    why="CodeBuild fails the build with \"Expected Commands[N] to be of string type: found subkeys "
        "instead\" (YAML_FILE_ERROR): in plain YAML text, `: ` starts a mapping",
    source="the tutorial's Common Issues (\"Build fails with 'Commands[X] subkeys error'\": avoid "
           "colons in echo statements); YAML 1.2, 7.3.3 \"Plain Style\" (a plain scalar holds no `: `)",
    example=_PHASE + "    commands:\n      - echo Build started: now\n",
    fix="quote the whole command, or use ' - ' instead of ': '")
COMMAND_NOT_STRING = Rule(
    id="command-not-string", rule_set=GENERIC,
    summary="a command that is a list or a number, not text",
    why="CodeBuild runs each entry as one shell command and fails the build on one that is no "
        "string (\"Expected Commands[N] to be of string type\")",
    source=f"{_REFERENCE} (each entry of commands is a command)",
    example=_PHASE + "    commands:\n      - [make, test]\n",
    fix="write one shell command per list item, as text")


def data(spec: Buildspec) -> Any:
    """The document as Python data (YAML 1.1 types), or Unparsable when PyYAML cannot build it."""
    try:
        return yaml.SafeLoader("").construct_document(spec.root)
    except yaml.MarkedYAMLError as err:
        raise yamlnodes.value_error(spec.path, err) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as err:
        message = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise YAML_INVALID.unparsable(spec.path, None, f"invalid YAML value: {message}",
                                      "fix the value on that line (a date, a key that is a list, ...)"
                                      ) from None


def check(spec: Buildspec) -> list[Finding]:
    document = data(spec)
    try:
        errors = sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    except RecursionError:
        raise YAML_INVALID.unparsable(spec.path, None, "invalid YAML: nested too deeply to check",
                                      "flatten the document") from None
    return _duplicate_keys(spec) + [finding for error in errors for finding in _findings(spec, error)]


def _duplicate_keys(spec: Buildspec) -> list[Finding]:
    return [DUPLICATE_KEY.at(spec.path, yamlnodes.line(d.again),
                             f"'{d.name}' is written twice in {_where(d.where) or 'the top level'} "
                             f"(first on line {yamlnodes.line(d.first)}): YAML allows each key once; "
                             "PyYAML, like most YAML readers, keeps only the last copy, which lint "
                             "checks, so the earlier one is ignored, and a strict reader rejects the "
                             "buildspec",
                             "merge both in one key: '<<: [*first, *second]'" if d.is_merge
                             else f"merge the two '{d.name}:' entries into one")
            for d in spec.duplicates]


def _findings(spec: Buildspec, error: ValidationError) -> Iterator[Finding]:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        yield from _unknown_keys(spec, error, path)
    elif error.validator == "required":
        yield from _missing_keys(spec, error, path)
    elif error.validator == "anyOf" and not path:
        yield NO_PHASES.at(spec.path, 1, "no phases (and no batch): the build would run nothing")
    elif error.validator == "anyOf" and path == ["artifacts"]:
        # files, or secondary-artifacts alone (the User Guide's multiple-outputs sample has no files)
        yield MISSING_KEY.at(spec.path, _line(_node_at(spec.root, path)),
                             f"artifacts has no 'files': {_REQUIRED_BECAUSE['files']}",
                             "add 'files:' under artifacts")
    elif error.validator == "type":
        yield _wrong_type(spec, error, path)
    else:
        yield _invalid_value(spec, error, path)


def _unknown_keys(spec: Buildspec, error: ValidationError, path: list) -> Iterator[Finding]:
    known = list(error.schema.get("properties", {}))
    node = _node_at(spec.root, path)
    for name, key, _ in yamlnodes.items(node) if node is not None else []:
        if name in known:
            continue
        line = yamlnodes.line(key)
        suggestion = _did_you_mean(name, known)
        if path == ["phases"]:
            yield UNKNOWN_PHASE.at(spec.path, line,
                                   f"unknown phase '{name}': CodeBuild runs only {', '.join(PHASES)}",
                                   f"{suggestion}rename it to one of {', '.join(PHASES)}")
        elif len(path) == 2 and path[0] == "phases" and name == "runtime-versions":
            yield RUNTIME_VERSIONS.at(spec.path, line,
                                      f"runtime-versions in phase {path[1]}: CodeBuild reads "
                                      "runtime-versions only in the install phase")
        elif len(path) == 2 and path[0] == "phases":
            yield UNKNOWN_PHASE_KEY.at(spec.path, line,
                                       f"unknown key '{name}' in phase {path[1]}: a phase has only "
                                       f"{', '.join(known)} (buildspec reference), so what '{name}' "
                                       "holds is not run", f"{suggestion}known keys: {', '.join(known)}")
        else:
            where = _where(path) or "the top level"
            yield UNKNOWN_KEY.at(spec.path, line,
                                 f"unknown key '{name}' in {where}: the buildspec reference defines "
                                 "no such key, so CodeBuild rejects or ignores it",
                                 f"{suggestion}known keys: {', '.join(known)}")


def _missing_keys(spec: Buildspec, error: ValidationError, path: list) -> Iterator[Finding]:
    found = _node_at(spec.root, path)
    for key in error.validator_value:
        if key in (error.instance or {}):
            continue
        if key == "version" and not path:
            yield VERSION.at(spec.path, 1, "no version: CodeBuild rejects the buildspec",
                             "add 'version: 0.2' as the first line")
            continue
        where = _where(path)
        yield MISSING_KEY.at(spec.path, _line(found),
                             f"{where} has no '{key}': "
                             f"{_REQUIRED_BECAUSE.get(key, 'the buildspec reference requires it')}",
                             f"add '{key}:' under {where}")


def _wrong_type(spec: Buildspec, error: ValidationError, path: list) -> Finding:
    node = _node_at(spec.root, path)
    line = _line(node)
    where = _where(path)
    in_phase = len(path) >= 3 and path[0] == "phases" and path[2] in COMMAND_SECTIONS
    if in_phase and len(path) == 3:
        return COMMANDS_NOT_LIST.at(spec.path, line,
                                    f"{where} is a {yamlnodes.kind(node)}, not a list of commands",
                                    f"{COMMANDS_NOT_LIST.fix} under {path[2]}:")
    if in_phase and isinstance(node, MappingNode):
        return _command_is_mapping(spec, node, path)
    if in_phase:
        return COMMAND_NOT_STRING.at(spec.path, line,
                                     f"{where} is a {yamlnodes.kind(node)} entry, not a command")
    expected = _expected(error.validator_value)
    return WRONG_TYPE.at(spec.path, line,
                         f"{where} is a {yamlnodes.kind(node) if node is not None else 'nothing'}, "
                         f"but the buildspec reference wants {expected}",
                         f"write {where} as {expected}")


def _command_is_mapping(spec: Buildspec, node: MappingNode, path: list) -> Finding:
    source = spec.text[node.start_mark.index:node.end_mark.index].strip()
    quoted = "'" + source.replace("'", "''") + "'"
    return COMMAND_IS_MAPPING.at(spec.path, yamlnodes.line(node),
                                 f"{_where(path)} has an unquoted ': ', so YAML reads a mapping, not a "
                                 f"command; CodeBuild fails with 'Expected Commands[{path[3]}] to be of "
                                 "string type: found subkeys instead'",
                                 f"quote the whole command: - {quoted} (or use ' - ' instead of ': ')")


def _invalid_value(spec: Buildspec, error: ValidationError, path: list) -> Finding:
    node = _node_at(spec.root, path)
    raw = node.value if isinstance(node, ScalarNode) else yamlnodes.kind(node)
    if path == ["version"]:
        return VERSION.at(spec.path, _line(node),
                          f"unknown version '{raw}': CodeBuild knows buildspec versions 0.1 and 0.2")
    if "propertyNames" in error.absolute_schema_path:
        return INVALID_VALUE.at(spec.path, _key_line(node, error.instance),
                                f"'{error.instance}' in {_where(path)} is no environment variable "
                                "name (letters, digits and _, not starting with a digit)",
                                "rename it, e.g. with _ instead of - or .")
    expected = error.schema.get("description") or _expected_value(error)
    return INVALID_VALUE.at(spec.path, _line(node),
                            f"{_where(path)} is {raw!r}, but the buildspec reference allows "
                            f"{expected}", f"write {expected}")


def _expected(types: str | Sequence[str]) -> str:
    names = [types] if isinstance(types, str) else list(types)
    return " or ".join(f"a {_KINDS.get(t, t)}" for t in names if t != "null")


def _expected_value(error: ValidationError) -> str:
    if error.validator == "enum":
        return "one of " + ", ".join(str(v) for v in error.validator_value)
    if error.validator in ("minimum", "minProperties"):
        return f"at least {error.validator_value}"
    if error.validator == "maxItems":
        return f"at most {error.validator_value} entries"
    return f"a value matching {error.validator_value}"


def _where(path: Iterable) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _node_at(root: Node, path: list) -> Node | None:
    node: Node | None = root
    for part in path:
        if isinstance(node, MappingNode):
            found = yamlnodes.get(node, str(part))
            node = found[1] if found else None
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _line(node: Node | None) -> int:
    return yamlnodes.line(node) if node is not None else 1


def _key_line(node: Node | None, name: object) -> int:
    line = _key_lines(node).get(str(name)) if node is not None else None
    return line if line is not None else _line(node)


@functools.lru_cache(maxsize=16)
def _key_lines(node: Node) -> dict[str, int]:
    """Each key's line, read once per mapping: one error per key would otherwise rescan it."""
    return {key_name: yamlnodes.line(key) for key_name, key, _ in yamlnodes.items(node)}


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""
