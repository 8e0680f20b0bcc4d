"""The AWS calls a module's code makes, found by reading its source (stdlib `ast`), so that no
module types the IAM actions of its calls a second time: `reads(module, ...)` is what the policy
files grant (iam/files.py) and what the preflight asks the simulator about.

The rule, fitted to how the harness makes its calls:
- A module's services are the literal names in its `<anything>.client("ecs")` calls, plus those
  of a module-level `TALKS_TO = ("sqs",)` where the client is made elsewhere (passed in) or from
  a name computed at run time (`ctx.client(service)`): services only, never actions.
- A method call `receiver.describe_services(...)`, `receiver.get_paginator("list_tasks")` or
  `receiver.get_waiter("services_stable")` is that service's operation (botocore's own model,
  snake-cased by `botocore.xform_name`) when the receiver is a client: `x.client("ecs")` itself,
  or a local name assigned one, names that service alone; a local name only ever assigned
  something else is no client; any other receiver (a parameter, `self.sqs`) may be a client of
  any of the module's services.
- The code reached is followed: a function or class of pipeline_harness that the scanned code
  names (calls, or passes on as `ctx.read(execution.read_latest)` does) is scanned too, with its
  own module's services; annotations are not followed. A whole module is the root.

Its limits: a method of another object that is spelled like an operation of one of the module's
services, on a receiver the rule cannot tell from a client (a parameter, an attribute), is taken
for the call; a call made through `getattr(client, name)` or a method of an object the code only
receives (never names its class) is not seen. Where a module's reads cannot be found, it keeps a
minimal declaration, saying why, beside the call.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import botocore.session
from botocore import xform_name
from botocore.exceptions import DataNotFoundError

from pipeline_harness.iam import iam_action

PACKAGE = "pipeline_harness"
DECLARED_SERVICES = "TALKS_TO"  # a module's declaration of the services its passed-in clients are
_BY_NAME = ("get_paginator", "get_waiter")  # the operation named by the call's first argument


@dataclass(frozen=True)
class Call:
    """One AWS call found in the source: botocore's service and operation, and where it is made."""

    service: str
    operation: str  # as the API names it: "DescribeServices"
    where: str  # "pipeline_harness.waits.rollout:136"

    @property
    def name(self) -> str:
        """"service.Operation", as `iam_action` takes it."""
        return f"{self.service}.{self.operation}"


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def operations(service: str) -> dict[str, str]:
    """A service's operations by their client method's name: {"describe_services": "DescribeServices"}."""
    model = _session().get_service_model(service)
    return {xform_name(operation): operation for operation in model.operation_names}


@cache
def _waiter_operations(service: str) -> dict[str, str]:
    """A service's waiters by their snake-case name, each with the operation it polls."""
    try:
        model = _session().get_waiter_model(service)
    except DataNotFoundError:  # the service has no waiters
        return {}
    return {xform_name(name): model.get_waiter(name).operation for name in model.waiter_names}


@cache
def _tree(module_name: str) -> ast.Module:
    return ast.parse(inspect.getsource(importlib.import_module(module_name)))


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_client_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "client" and len(node.args) == 1)


def _service_named(module_name: str, node: ast.expr) -> str | None:
    """A client call's service: a literal, or a module-level string constant (`client(SERVICE)`)."""
    if isinstance(node, ast.Name):
        value = vars(importlib.import_module(module_name)).get(node.id)
        return value if isinstance(value, str) else None
    return _literal(node)


@cache
def services(module_name: str) -> frozenset[str]:
    """The services a module talks to: those its `client(...)` calls name, and its `TALKS_TO`."""
    named = {_service_named(module_name, node.args[0]) for node in ast.walk(_tree(module_name))
             if isinstance(node, ast.Call) and _is_client_call(node)}
    declared = getattr(importlib.import_module(module_name), DECLARED_SERVICES, ())
    return frozenset({service for service in named if service} | set(declared))


@cache
def _nodes(scope: ast.AST) -> tuple[ast.AST, ...]:
    """Every node under `scope` but its annotations (types are not calls)."""
    found: list[ast.AST] = []
    pending = [scope]
    while pending:
        node = pending.pop()
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns"):
                continue
            children = [child for child in (value if isinstance(value, list) else [value])
                        if isinstance(child, ast.AST)]
            found += children
            pending += children
    return tuple(found)


def _bindings(module_name: str, scope: ast.AST) -> dict[str, set[str | None]]:
    """Each local name assigned in the scope: the service of each client assigned it (None for a
    client of a name computed at run time), "" for anything else assigned it."""
    bound: dict[str, set[str | None]] = {}
    for node in _nodes(scope):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs = (zip(target.elts, node.value.elts, strict=True)
                     if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                     and len(target.elts) == len(node.value.elts) else [(target, node.value)])
            for name, value in pairs:
                if isinstance(name, ast.Name):
                    bound.setdefault(name.id, set()).add(_client_service(module_name, value))
    return bound


def _client_service(module_name: str, value: ast.AST) -> str | None:
    """The service a client-making expression names (None: computed at run time); "" for no client."""
    if isinstance(value, ast.Call) and _is_client_call(value):
        return _service_named(module_name, value.args[0])
    return ""


def _receiver_services(module_name: str, receiver: ast.expr,
                       bound: dict[str, set[str | None]]) -> frozenset[str]:
    module_services = services(module_name)
    if _is_client_call(receiver):
        service = _client_service(module_name, receiver)
        return frozenset({service}) if service else module_services
    if isinstance(receiver, ast.Name) and receiver.id in bound:
        kinds = bound[receiver.id]
        named = {service for service in kinds if service}
        if None in kinds:
            return module_services
        return frozenset(named)  # empty: a local name only ever assigned something else
    return module_services


def _operation(service: str, method: str, call: ast.Call) -> str | None:
    if method in _BY_NAME:
        name = _literal(call.args[0]) if call.args else None
        if name is None:
            return None
        if method == "get_waiter":
            return _waiter_operations(service).get(name)
        return operations(service).get(name)
    return operations(service).get(method)


@cache
def _calls_in(module_name: str, scope: ast.AST) -> tuple[Call, ...]:
    bound = _bindings(module_name, scope)
    return tuple(Call(service, operation, f"{module_name}:{node.lineno}")
                 for node in _nodes(scope)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                 for service in sorted(_receiver_services(module_name, node.func.value, bound))
                 if (operation := _operation(service, node.func.attr, node)))


def _resolve(namespace: dict[str, object], node: ast.AST) -> object | None:
    """What a name, or a dotted attribute of one, holds at import time; None if nothing. Attributes
    are read statically (`inspect.getattr_static`): no property runs."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(namespace, node.value)
        return None if owner is None else inspect.getattr_static(owner, node.attr, None)
    return None


def _ours(found: object) -> bool:
    owner = getattr(found, "__module__", None) or ""
    return owner == PACKAGE or owner.startswith(f"{PACKAGE}.")


def _namespace(unit: object) -> dict[str, object]:
    """The names code of the unit sees: its module's, and a closure's captured values."""
    if isinstance(unit, ModuleType):
        return dict(vars(unit))
    module = vars(importlib.import_module(unit.__module__))
    if inspect.isfunction(unit):
        return {**module, **inspect.getclosurevars(unit).nonlocals}
    return dict(module)


def _entries(value: object) -> tuple[object, ...]:
    """A value, or the entries of a table of them (`LINKS = (execution.execution, ...)`, a dict's
    values): a table of functions reaches each of them."""
    if isinstance(value, dict):
        return tuple(value.values())
    return tuple(value) if isinstance(value, tuple | list | set | frozenset) else (value,)


def _code(found: object) -> object | None:
    """The package's function or class a value is (unwrapped); None for anything else."""
    if isinstance(found, staticmethod | classmethod):
        found = found.__func__
    if inspect.isfunction(found):
        found = inspect.unwrap(found)
    return found if (inspect.isfunction(found) or inspect.isclass(found)) and _ours(found) else None


def _reached(unit: object, scope: ast.AST) -> Iterator[object]:
    """The package's functions and classes that the scope names, as objects."""
    namespace = _namespace(unit)
    for node in _nodes(scope):
        for entry in _entries(_resolve(namespace, node)):
            code = _code(entry)
            if code is not None:
                yield code


def _definition(unit: object) -> tuple[str, ast.AST] | None:
    """The unit's module and its source tree: a whole module, or a function's or class's definition
    (a closure's is its enclosing function's, which is what made it)."""
    if isinstance(unit, ModuleType):
        return unit.__name__, _tree(unit.__name__)
    code = getattr(unit, "__code__", None)
    qualname = code.co_qualname if code else unit.__qualname__  # type: ignore[attr-defined]
    module_name = unit.__module__  # type: ignore[attr-defined]
    scope: ast.AST = _tree(module_name)
    for part in qualname.split(".<locals>")[0].split("."):
        inner = next((node for node in getattr(scope, "body", [])
                      if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                      and node.name == part), None)
        if inner is None:
            return None  # not written as a definition of its name (made by `type()`, say)
        scope = inner
    return module_name, scope


def _with_submodules(module: ModuleType) -> Iterator[ModuleType]:
    yield module
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{module.__name__}."):
        yield importlib.import_module(info.name)


def _covered(unit: object, seen: set[int]) -> bool:
    """A function or class of a module already read whole (a closure sees more: it is read again)."""
    if isinstance(unit, ModuleType) or (inspect.isfunction(unit) and unit.__closure__):
        return False
    return id(importlib.import_module(unit.__module__)) in seen


def calls(*modules: ModuleType) -> tuple[Call, ...]:
    """Every AWS call the modules' code makes (a package's: each of its modules'), and the calls of
    the code it reaches in the package."""
    pending: list[object] = [m for module in modules for m in _with_submodules(module)]
    seen: set[int] = set()
    found: dict[str, Call] = {}
    while pending:
        unit = pending.pop()
        defined = None if id(unit) in seen or _covered(unit, seen) else _definition(unit)
        seen.add(id(unit))
        if defined is None:
            continue
        module_name, scope = defined
        for call in _calls_in(module_name, scope):
            found.setdefault(call.name, call)
        pending += [reached for reached in _reached(unit, scope) if id(reached) not in seen]
    return tuple(found[name] for name in sorted(found))


def actions(found: Iterable[Call]) -> tuple[str, ...]:
    """The IAM actions the calls need, sorted, each once."""
    return tuple(sorted({action for call in found if (action := iam_action(call.name))}))


def reads(*modules: ModuleType) -> tuple[str, ...]:
    """The IAM actions of every call the modules make (and the code they reach)."""
    return actions(calls(*modules))
