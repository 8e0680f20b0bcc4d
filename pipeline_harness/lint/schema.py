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
from pipeline_harness.lint.findings import Finding, fatal

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


def data(spec: Buildspec) -> Any:
    """The document as Python data (YAML 1.1 types), or Unparsable when PyYAML cannot build it."""
    try:
        return yaml.SafeLoader("").construct_document(spec.root)
    except yaml.MarkedYAMLError as err:
        raise yamlnodes.value_error(spec.path, err) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as err:
        message = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise fatal(spec.path, None, "yaml-invalid", f"invalid YAML value: {message}",
                    "fix the value on that line (a date, a key that is a list, ...)") from None


def check(spec: Buildspec) -> list[Finding]:
    document = data(spec)
    try:
        errors = sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    except RecursionError:
        raise fatal(spec.path, None, "yaml-invalid", "invalid YAML: nested too deeply to check",
                    "flatten the document") from None
    return _duplicate_keys(spec) + [finding for error in errors for finding in _findings(spec, error)]


def _duplicate_keys(spec: Buildspec) -> list[Finding]:
    # YAML 1.2 allows a key once per mapping; what CodeBuild's reader does with a second copy is
    # not documented, PyYAML (and lint) keep the last, so whatever the first copy holds is lost
    return [_finding(spec, yamlnodes.line(d.again), "duplicate-key",
                     f"'{d.name}' is written twice in {_where(d.where) or 'the top level'} "
                     f"(first on line {yamlnodes.line(d.first)}): YAML allows each key once; "
                     "PyYAML, like most YAML readers, keeps only the last copy, which lint checks, "
                     "so the earlier one is ignored, and a strict reader rejects the buildspec",
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
        yield _finding(spec, 1, "phases", "no phases (and no batch): the build would run nothing",
                       "add 'phases:' with install, pre_build, build and post_build")
    elif error.validator == "anyOf" and path == ["artifacts"]:
        # files, or secondary-artifacts alone (the User Guide's multiple-outputs sample has no files)
        yield _finding(spec, _line(_node_at(spec.root, path)), "missing-key",
                       f"artifacts has no 'files': {_REQUIRED_BECAUSE['files']}",
                       "add 'files:' under artifacts")
    elif error.validator == "type":
        yield _wrong_type(spec, error, path)
    else:
        yield _invalid_value(spec, error, path)


def _finding(spec: Buildspec, line: int, rule: str, message: str, fix: str) -> Finding:
    return Finding(spec.path, line, rule, message, fix)


def _unknown_keys(spec: Buildspec, error: ValidationError, path: list) -> Iterator[Finding]:
    known = list(error.schema.get("properties", {}))
    node = _node_at(spec.root, path)
    for name, key, _ in yamlnodes.items(node) if node is not None else []:
        if name in known:
            continue
        line = yamlnodes.line(key)
        suggestion = _did_you_mean(name, known)
        if path == ["phases"]:
            yield _finding(spec, line, "unknown-phase",
                           f"unknown phase '{name}': CodeBuild runs only {', '.join(PHASES)}",
                           f"{suggestion}rename it to one of {', '.join(PHASES)}")
        elif len(path) == 2 and path[0] == "phases" and name == "runtime-versions":
            yield _finding(spec, line, "runtime-versions",
                           f"runtime-versions in phase {path[1]}: CodeBuild reads runtime-versions "
                           "only in the install phase", "move runtime-versions: under phases: install:")
        elif len(path) == 2 and path[0] == "phases":
            yield _finding(spec, line, "unknown-phase-key",
                           f"unknown key '{name}' in phase {path[1]}: a phase has only "
                           f"{', '.join(known)} (buildspec reference), so what '{name}' holds is "
                           "not run", f"{suggestion}known keys: {', '.join(known)}")
        else:
            where = _where(path) or "the top level"
            yield _finding(spec, line, "unknown-key",
                           f"unknown key '{name}' in {where}: the buildspec reference defines no such "
                           "key, so CodeBuild rejects or ignores it",
                           f"{suggestion}known keys: {', '.join(known)}")


def _missing_keys(spec: Buildspec, error: ValidationError, path: list) -> Iterator[Finding]:
    found = _node_at(spec.root, path)
    for key in error.validator_value:
        if key in (error.instance or {}):
            continue
        if key == "version" and not path:
            yield _finding(spec, 1, "version", "no version: CodeBuild rejects the buildspec",
                           "add 'version: 0.2' as the first line")
            continue
        where = _where(path)
        yield _finding(spec, _line(found), "missing-key",
                       f"{where} has no '{key}': "
                       f"{_REQUIRED_BECAUSE.get(key, 'the buildspec reference requires it')}",
                       f"add '{key}:' under {where}")


def _wrong_type(spec: Buildspec, error: ValidationError, path: list) -> Finding:
    node = _node_at(spec.root, path)
    line = _line(node)
    where = _where(path)
    in_phase = len(path) >= 3 and path[0] == "phases" and path[2] in COMMAND_SECTIONS
    if in_phase and len(path) == 3:
        return _finding(spec, line, "commands-not-list",
                        f"{where} is a {yamlnodes.kind(node)}, not a list of commands",
                        f"write each command as a list item: '- <command>' under {path[2]}:")
    if in_phase and isinstance(node, MappingNode):
        return _command_is_mapping(spec, node, path)
    if in_phase:
        return _finding(spec, line, "command-not-string",
                        f"{where} is a {yamlnodes.kind(node)} entry, not a command",
                        "write one shell command per list item, as text")
    expected = _expected(error.validator_value)
    return _finding(spec, line, "wrong-type",
                    f"{where} is a {yamlnodes.kind(node) if node is not None else 'nothing'}, "
                    f"but the buildspec reference wants {expected}", f"write {where} as {expected}")


def _command_is_mapping(spec: Buildspec, node: MappingNode, path: list) -> Finding:
    source = spec.text[node.start_mark.index:node.end_mark.index].strip()
    quoted = "'" + source.replace("'", "''") + "'"
    return _finding(spec, yamlnodes.line(node), "command-is-mapping",
                    f"{_where(path)} has an unquoted ': ', so YAML reads a mapping, not a command; "
                    f"CodeBuild fails with 'Expected Commands[{path[3]}] to be of string type: "
                    "found subkeys instead'",
                    f"quote the whole command: - {quoted} (or use ' - ' instead of ': ')")


def _invalid_value(spec: Buildspec, error: ValidationError, path: list) -> Finding:
    node = _node_at(spec.root, path)
    raw = node.value if isinstance(node, ScalarNode) else yamlnodes.kind(node)
    if path == ["version"]:
        return _finding(spec, _line(node), "version",
                        f"unknown version '{raw}': CodeBuild knows buildspec versions 0.1 and 0.2",
                        "write 'version: 0.2'")
    if "propertyNames" in error.absolute_schema_path:
        return _finding(spec, _key_line(node, error.instance), "invalid-value",
                        f"'{error.instance}' in {_where(path)} is no environment variable name "
                        "(letters, digits and _, not starting with a digit)",
                        "rename it, e.g. with _ instead of - or .")
    expected = error.schema.get("description") or _expected_value(error)
    return _finding(spec, _line(node), "invalid-value",
                    f"{_where(path)} is {raw!r}, but the buildspec reference allows {expected}",
                    f"write {expected}")


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
