"""A buildspec read with line numbers: its phases, commands, env and artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline_harness.lint import yamlnodes
from pipeline_harness.lint.files import read_text
from pipeline_harness.lint.findings import GENERIC, Rule

# CodeBuild runs the phases in this order; a failed install or pre_build ends the build,
# a failed build still runs post_build.
PHASES = ("install", "pre_build", "build", "post_build")
COMMAND_SECTIONS = ("commands", "finally")

NOT_A_BUILDSPEC = Rule(
    id="not-a-buildspec", rule_set=GENERIC,
    summary="YAML that is no mapping of buildspec sections: a list, or plain text (fatal)",
    why="CodeBuild reads a buildspec's sections (version, phases, artifacts, ...) as the keys of "
        "its top-level mapping; a document of another shape has none, and the build fails before "
        "its first phase (YAML_FILE_ERROR)",
    source="CodeBuild User Guide, \"Build specification reference\", \"Buildspec syntax\"",
    example="- version: 0.2\n- phases:\n    build:\n      commands:\n        - make\n",
    fix="start the file with 'version: 0.2' and a 'phases:' mapping")


@dataclass(frozen=True)
class Command:
    """One entry of a phase's `commands` or `finally`; text is None when YAML made it no string."""

    phase: str
    section: str
    index: int
    line: int
    node: Node
    text: str | None


@dataclass
class Buildspec:
    path: str
    text: str
    root: MappingNode
    commands: list[Command] = field(default_factory=list)
    # keys written twice, as written: the checks read each one's last copy, as PyYAML does
    duplicates: list[yamlnodes.Duplicate] = field(default_factory=list)

    # each mapping's keys, read once (the nodes do not change after parse): a lookup per key
    # would read the whole mapping again, and the checks look up each of thousands of secondary
    # artifacts' sections by their path
    _keys: dict[int, dict[str, tuple[Node, Node]]] = field(default_factory=dict, repr=False, compare=False)

    def get(self, *keys: str) -> tuple[Node, Node] | None:
        """(key node, value node) at a path of mapping keys, or None."""
        node: Node = self.root
        found = None
        for key in keys:
            found = self._keys_of(node).get(key)
            if found is None:
                return None
            node = found[1]
        return found

    def _keys_of(self, node: Node) -> dict[str, tuple[Node, Node]]:
        """What yamlnodes.get finds for each key of a mapping (the first of a name)."""
        if id(node) not in self._keys:
            keys: dict[str, tuple[Node, Node]] = {}
            for name, key, value in yamlnodes.items(node):
                keys.setdefault(name, (key, value))
            self._keys[id(node)] = keys
        return self._keys[id(node)]

    def scalar(self, *keys: str) -> str | None:
        found = self.get(*keys)
        return str(found[1].value) if found and isinstance(found[1], ScalarNode) else None

    def mapping(self, *keys: str) -> dict[str, str]:
        """A mapping of plain values (e.g. env.variables) as text."""
        found = self.get(*keys)
        if not found:
            return {}
        return {name: str(value.value) for name, _, value in yamlnodes.items(found[1])
                if isinstance(value, ScalarNode)}

    def strings(self, *keys: str) -> list[tuple[str, int]]:
        """A list of plain values (e.g. artifacts.files), each with its line."""
        found = self.get(*keys)
        if not found:
            return []
        node = found[1]
        if isinstance(node, ScalarNode):
            return [(str(node.value), yamlnodes.line(node))]
        if not isinstance(node, SequenceNode):
            return []
        return [(str(item.value), yamlnodes.line(item)) for item in node.value
                if isinstance(item, ScalarNode)]

    def phase_commands(self, phase: str, section: str = "commands") -> list[Command]:
        return [c for c in self.commands if c.phase == phase and c.section == section]


def parse(text: str, path: str = "buildspec.yml") -> Buildspec:
    """Parse buildspec text; Unparsable when it is no YAML mapping."""
    root = yamlnodes.compose(text, path)
    if not isinstance(root, MappingNode):
        raise NOT_A_BUILDSPEC.unparsable(path, yamlnodes.line(root),
                                         f"the top level is a {yamlnodes.kind(root)}, not a mapping "
                                         "of version, phases, artifacts")
    duplicates = yamlnodes.duplicates(root)
    yamlnodes.merge_keys(root, path)
    spec = Buildspec(path=path, text=text, root=root, duplicates=duplicates)
    spec.commands = list(_commands(spec))
    return spec


def load(path: str | Path) -> Buildspec:
    return parse(read_text(path), str(path))


def _commands(spec: Buildspec) -> Iterator[Command]:
    for phase in PHASES:
        for section in COMMAND_SECTIONS:
            found = spec.get("phases", phase, section)
            if not found or not isinstance(found[1], SequenceNode):
                continue
            for index, node in enumerate(found[1].value):
                if yamlnodes.is_null(node):
                    continue  # an empty list item: CodeBuild skips it
                text = str(node.value) if isinstance(node, ScalarNode) else None
                yield Command(phase, section, index, yamlnodes.line(node), node, text)
