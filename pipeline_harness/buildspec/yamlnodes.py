"""PyYAML's composed nodes, which keep line numbers that plain loading throws away."""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline_harness.buildspec.findings import fatal

KINDS = {MappingNode: "mapping", SequenceNode: "list", ScalarNode: "value"}


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
    """A mapping's (key, key node, value node), keys as text."""
    if not isinstance(node, MappingNode):
        return []
    return [(str(key.value), key, value) for key, value in node.value if isinstance(key, ScalarNode)]


def get(node: Node, key: str) -> tuple[Node, Node] | None:
    for name, key_node, value in items(node):
        if name == key:
            return key_node, value
    return None


def compose(text: str, path: str) -> Node:
    """The document's root node, or Unparsable with the line and a fix."""
    root = _fast_compose(text)
    if root is not None:
        return root
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = " ".join(p for p in (err.context, err.problem) if p)
        raise fatal(path, mark.line + 1 if mark else None, "yaml-invalid",
                    f"invalid YAML: {problem}", _yaml_fix(problem)) from None
    except yaml.YAMLError as err:
        position = getattr(err, "position", None)
        where = text[:position].count("\n") + 1 if position is not None else None
        raise fatal(path, where, "yaml-invalid", f"invalid YAML: {err}",
                    "remove the control characters; YAML files are plain text") from None
    except RecursionError:
        raise fatal(path, None, "yaml-invalid", "invalid YAML: nested too deeply to read",
                    "flatten the document") from None
    if root is None:
        raise fatal(path, None, "empty", "the file holds no YAML document", "write the buildspec")
    return root


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
    return "fix the YAML syntax on that line (indentation, quotes, brackets)"
