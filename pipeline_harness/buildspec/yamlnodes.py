"""PyYAML's composed nodes, which keep line numbers that plain loading throws away."""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline_harness.buildspec.findings import fatal

KINDS = {MappingNode: "mapping", SequenceNode: "list", ScalarNode: "value"}
# deeper nesting crashes libyaml's (recursive) composer; a buildspec nests a few levels
MAX_DEPTH = 1000
# nodes that aliases may add by repeating what their anchor holds ("billion laughs")
MAX_ALIAS_NODES = 100_000
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


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
                    mark = event.start_mark
                    raise fatal(path, mark.line + 1 if mark else None, "yaml-invalid",
                                f"invalid YAML: nested more than {MAX_DEPTH} levels deep",
                                "flatten the document; a buildspec nests a few levels") from None
            elif isinstance(event, _CLOSE):
                depth -= 1
    except (yaml.YAMLError, ValueError, RecursionError):
        return


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
            raise fatal(path, line(node), "yaml-invalid",
                        "invalid YAML for a buildspec: an alias refers to the anchor it is inside of, "
                        "so the value never ends", "don't put an alias inside its own anchor") from None
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    expanded, distinct = sizes[id(root)], len(sizes)
    if expanded - distinct > MAX_ALIAS_NODES:
        raise fatal(path, None, "yaml-invalid",
                    f"invalid YAML for a buildspec: its aliases expand to {expanded:,} nodes "
                    f"(more than {MAX_ALIAS_NODES:,} repeated ones)",
                    "don't nest aliases; YAML anchors expand each time they are used, so an "
                    "alias of aliases multiplies") from None


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
    return "fix the YAML syntax on that line (indentation, quotes, brackets)"
