"""PyYAML's composed nodes, which keep line numbers that plain loading throws away."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline_harness.lint.files import EMPTY
from pipeline_harness.lint.findings import GENERIC, Rule, Unparsable

MERGE_TAG = "tag:yaml.org,2002:merge"
KINDS = {MappingNode: "mapping", SequenceNode: "list", ScalarNode: "value"}
# deeper nesting crashes libyaml's (recursive) composer; a buildspec nests a few levels
MAX_DEPTH = 1000
# nodes that aliases may add by repeating what their anchor holds ("billion laughs")
MAX_ALIAS_NODES = 100_000
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)

YAML_INVALID = Rule(
    id="yaml-invalid", rule_set=GENERIC,
    summary="a buildspec that is not valid YAML, holds a value PyYAML cannot build (a tag, a key "
            "that is a list), or nests or repeats (aliases) beyond lint's bounds (fatal)",
    why="CodeBuild cannot read the buildspec, so the build fails before its first phase "
        "(YAML_FILE_ERROR); a document nested or aliased past the bounds would take the reader's "
        "memory or stack",
    source="YAML 1.1, as PyYAML reads it; CodeBuild User Guide, \"Build specification reference\" "
           "(the buildspec is a YAML file)",
    example="version: 0.2\nphases:\n  build:\n    commands: [make\n",
    fix="fix the YAML syntax on that line (indentation, quotes, brackets)")


def line(node: Node) -> int:
    """The 1-based line where a node's content starts (a `>-` or `|` block starts one line below)."""
    start = node.start_mark.line + 1
    if isinstance(node, ScalarNode) and node.style in (">", "|"):
        return start + 1
    return start


def kind(node: Node | None) -> str:
    if node is None:
        return "nothing"
    return KINDS.get(type(node), "node")


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def items(node: Node) -> list[tuple[str, Node, Node]]:
    """A mapping's (key, key node, value node), keys as text. A key written twice is given once,
    with its last copy, as PyYAML's dict holds it: every check reads what the schema check reads."""
    if not isinstance(node, MappingNode):
        return []
    latest: dict[tuple[str, str], tuple[str, Node, Node]] = {}
    for key, value in node.value:
        if isinstance(key, ScalarNode):
            latest[_identity(key)] = (str(key.value), key, value)
    return list(latest.values())


def get(node: Node, key: str) -> tuple[Node, Node] | None:
    for name, key_node, value in items(node):
        if name == key:
            return key_node, value
    return None


def _identity(key: ScalarNode) -> tuple[str, str]:
    # the resolved tag tells `1:` (an int) from `"1":` (a str), as PyYAML's dict does
    return key.tag, str(key.value)


@dataclass(frozen=True)
class Duplicate:
    """A key written again in the same mapping: where (the keys leading to it), and both copies."""

    name: str
    where: tuple[str | int, ...]
    first: ScalarNode
    again: ScalarNode

    @property
    def is_merge(self) -> bool:
        return self.again.tag == MERGE_TAG


# the keys and indexes leading to a node, innermost first, shared with its parent's trail: a
# tuple of the whole path per node would cost nodes x depth on a deep, wide document
_Trail = tuple[str | int, "_Trail"] | None


def duplicates(root: Node) -> list[Duplicate]:
    """Every key written twice in a mapping, as written (before merge keys bring theirs in, which
    may be overridden). Each node is visited once, however many aliases repeat it."""
    found = [d for node, trail in _distinct(root) if isinstance(node, MappingNode)
             for d in _duplicates_in(node, trail)]
    return sorted(found, key=lambda d: d.again.start_mark.index)


def _distinct(root: Node) -> Iterator[tuple[Node, _Trail]]:
    """Every distinct node (an alias repeats one) with the keys and indexes leading to it, in
    document order, without recursion."""
    seen: set[int] = set()
    stack: list[tuple[Node, _Trail]] = [(root, None)]
    while stack:
        node, trail = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node, trail
        children: list[tuple[Node, _Trail]]
        if isinstance(node, MappingNode):
            children = [(part, (str(key.value), trail)) for key, value in node.value
                        for part in (key, value)]
        else:
            children = [(item, (number, trail)) for number, item in enumerate(_children(node))]
        stack.extend(reversed(children))


def _duplicates_in(node: MappingNode, trail: _Trail) -> list[Duplicate]:
    first: dict[tuple[str, str], ScalarNode] = {}
    found = []
    for key, _ in node.value:
        if not isinstance(key, ScalarNode):
            continue
        earlier = first.setdefault(_identity(key), key)
        if earlier is not key:
            found.append(Duplicate(str(key.value), _path(trail), earlier, key))
    return found


def _path(trail: _Trail) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    while trail is not None:
        part, trail = trail
        parts.append(part)
    return tuple(reversed(parts))


def merge_keys(root: Node, path: str) -> None:
    """Bring each merge key's (`<<: *anchor`) keys into its mapping, in place and as PyYAML's
    constructor does, so the node-based checks see the keys the schema check sees; a key written
    beside the merge overrides the merged one. Unparsable when a merge is no mapping."""
    flattener = yaml.SafeLoader("")
    try:
        # in document order an anchor is merged before the mappings that merge it, so each
        # flatten finds its anchors already flat and never recurses deeply; listed first, as
        # flattening changes what the mappings hold
        for node, _ in list(_distinct(root)):
            if isinstance(node, MappingNode):
                flattener.flatten_mapping(node)
    except yaml.MarkedYAMLError as err:
        raise value_error(path, err) from None
    except RecursionError:
        raise YAML_INVALID.unparsable(path, None, "invalid YAML: merge keys nested too deeply to read",
                                      "flatten the document") from None


def value_error(path: str, err: yaml.MarkedYAMLError) -> Unparsable:
    """A value PyYAML cannot build (a tag, a key that is a list, a merge of no mapping), on its line."""
    mark = err.problem_mark or err.context_mark
    problem = err.problem or err.context or "a value PyYAML cannot build"
    if err.context and err.problem:
        problem = f"{problem} ({err.context})"
    return YAML_INVALID.unparsable(path, mark.line + 1 if mark else None, f"invalid YAML value: {problem}",
                                   _value_fix(problem))


def _value_fix(problem: str) -> str:
    if "constructor for the tag" in problem:
        return ("remove the tag or quote the value: CodeBuild reads plain YAML, without "
                "CloudFormation's !Ref/!Sub or Python tags")
    if "unhashable key" in problem:
        return "make the key plain text; a list or mapping cannot be a key"
    if "for merging" in problem:
        return "merge a mapping: '<<: *anchor' where the anchor is on a mapping, or a list of them"
    return "fix the value on that line (a date, a key that is a list, ...)"


def compose(text: str, path: str) -> Node:
    """The document's root node, or Unparsable with the line and a fix."""
    _check_depth(text, path)
    root = _fast_compose(text)
    if root is not None:
        _check_aliases(root, text, path)
        return root
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = " ".join(p for p in (err.context, err.problem) if p)
        raise YAML_INVALID.unparsable(path, mark.line + 1 if mark else None, f"invalid YAML: {problem}",
                                      _yaml_fix(problem)) from None
    except yaml.YAMLError as err:
        position = getattr(err, "position", None)
        where = text[:position].count("\n") + 1 if position is not None else None
        raise YAML_INVALID.unparsable(path, where, f"invalid YAML: {err}",
                                      "remove the control characters; YAML files are plain text") from None
    except RecursionError:
        raise YAML_INVALID.unparsable(path, None, "invalid YAML: nested too deeply to read",
                                      "flatten the document") from None
    if root is None:
        raise EMPTY.unparsable(path, None, "the file holds no YAML document", "write the buildspec")
    _check_aliases(root, text, path)
    return root


def _check_depth(text: str, path: str) -> None:
    """Unparsable when mappings and lists nest deeper than MAX_DEPTH; counted on the parser's
    events, without recursion, before any composer recurses. Other errors are left to compose."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(path, event.start_mark)
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.MarkedYAMLError as err:
        # PyYAML 6.0.4's libyaml stops at its own flow nesting limit (1000), scanning ahead
        if "maximum nesting depth" in str(err.problem):
            raise _too_deep(path, err.problem_mark) from None
    except (yaml.YAMLError, ValueError, RecursionError):
        return


class _Mark(Protocol):
    """Where PyYAML saw something (its pure-Python and its C loader each have a Mark class)."""

    line: int  # zero-based


def _too_deep(path: str, mark: _Mark | None) -> Unparsable:
    return YAML_INVALID.unparsable(path, mark.line + 1 if mark else None,
                                   f"invalid YAML: nested more than {MAX_DEPTH} levels deep",
                                   "flatten the document; a buildspec nests a few levels")


def _check_aliases(root: Node, text: str, path: str) -> None:
    """Unparsable when aliases repeat more than MAX_ALIAS_NODES nodes, or an anchor holds an
    alias of itself. Each node's expanded size is computed once (by id), without recursion."""
    if "*" not in text:
        return  # no alias
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            visiting.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in visiting:
            raise YAML_INVALID.unparsable(path, line(node),
                                          "invalid YAML for a buildspec: an alias refers to the anchor "
                                          "it is inside of, so the value never ends",
                                          "don't put an alias inside its own anchor") from None
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    expanded, distinct = sizes[id(root)], len(sizes)
    if expanded - distinct > MAX_ALIAS_NODES:
        raise YAML_INVALID.unparsable(path, None,
                                      f"invalid YAML for a buildspec: its aliases expand to {expanded:,} "
                                      f"nodes (more than {MAX_ALIAS_NODES:,} repeated ones)",
                                      "don't nest aliases; YAML anchors expand each time they are used, "
                                      "so an alias of aliases multiplies") from None


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _fast_compose(text: str) -> Node | None:
    """libyaml's composer, five times faster; None leaves a document it refuses (or an empty
    one) to PyYAML's own, whose messages name the problem."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    try:
        return yaml.compose(text, Loader=loader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def _yaml_fix(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return ("a ': ' inside an unquoted value starts a mapping; quote the whole command "
                "or use ' - ' instead of ': ' (tutorial Common Issues)")
    if "'\\t'" in problem:
        return "indent with spaces, not tabs"
    return YAML_INVALID.fix
