"""What the harness knows about one kind of resource, stated once: its name and the rule the name
must meet, how to read it and its tags, how to create, update and delete it, how to list every
resource of the kind, and the IAM actions each of those needs.

The kinds hold the API mechanics; the tutorial steps (`pipeline_harness.steps`) hold the desired
state and the checks, and reach AWS through the kinds. Ownership — may this resource be changed? —
is decided in one place, `kinds.ownership`, never by a kind itself.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pipeline_harness.core.errors import ProvisionError
from pipeline_harness.settings import Names
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context


class Missing(enum.Enum):
    """What a read returns when it found no resource of that name: one value of its own type, so
    `found is MISSING` narrows what a read returned to the resource itself."""

    MISSING = enum.auto()


MISSING: Final = Missing.MISSING
# what a kind's read returns: the service's description of the resource, or MISSING
Found = dict[str, Any] | Missing


@dataclass(frozen=True)
class NameRule:
    """The service's limit on a name: its length and the characters it may hold."""

    max_length: int
    pattern: str  # a regular expression the whole name must match
    allowed: str  # the same rule in words, for the message
    min_length: int = 1

    def problem(self, name: str) -> str | None:
        if not self.min_length <= len(name) <= self.max_length:
            return f"is {len(name)} characters; {self.min_length} to {self.max_length} are allowed"
        if not re.fullmatch(self.pattern, name, re.ASCII):  # AWS reads \w as ASCII
            return f"may hold only {self.allowed}"
        return None


@dataclass(frozen=True)
class Actions:
    """The IAM actions behind each thing the harness does with a kind."""

    read: tuple[str, ...] = ()  # read one resource the way its checks need it
    owner: tuple[str, ...] = ()  # read its tags: is it ours?
    create: tuple[str, ...] = ()
    update: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    list: tuple[str, ...] = ()  # every resource of the kind: sweep, inventory, near matches

    def every(self) -> tuple[str, ...]:
        return (*self.read, *self.owner, *self.create, *self.update, *self.delete, *self.list)


def _before(name: str, base: str) -> str | None:
    """The run prefix of `name` when the prefix comes before the base name, as for most kinds."""
    return name[: -len(base)] if name.endswith(base) else None


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of resource; the tutorial step that makes it is the `Step` holding it (steps.holding)."""

    key: str  # the Names attribute that names it, and the key of what ensure found
    title: str  # as a person says it: "ECR repository"
    service: str  # botocore's service name: the client and the target's capabilities
    rule: NameRule
    actions: Actions
    read: Callable[[Context, str], Found]  # the resource of that name, or MISSING
    tags: Callable[[Context, Any], Mapping[str, str]]  # its tags as a mapping
    create: Callable[[Context, str, dict], Any]  # made carrying the run's tags where the API can
    delete: Callable[[Context, Any], None]
    update: Callable[[Context, Any, dict], Any] | None = None  # converge what exists to `desired`
    # every name of the kind in the account, for the sweep and near matches (None: not listed alone)
    names: Callable[[Target], Iterable[str]] | None = None
    # the service's resources of every kind the harness makes, parts included: nothing leaks unseen
    inventory: Callable[[Target], set[str]] | None = None
    # where the run prefix sits in a name of this kind
    run_prefix: Callable[[str, str], str | None] = _before
    # resources an IAM policy for this kind may name; "*" where the API can't be scoped
    policy_resources: tuple[str, ...] = ("*",)
    name_of: Callable[[Names], str] | None = field(default=None, repr=False)

    def name(self, names: Names) -> str:
        return self.name_of(names) if self.name_of else getattr(names, self.key)

    def __str__(self) -> str:
        return self.title


def made(found: Found, title: str, name: str) -> dict[str, Any]:
    """A read of the resource just made: a service that does not show it yet fails the step in one
    line (it was a TypeError while MISSING was a bare object)."""
    if found is MISSING:
        raise ProvisionError(f"{title} {name} was made, but reading it back found nothing")
    return found


def tag_map(tags: Iterable[Mapping[str, str]] | None, key: str = "Key",
            value: str = "Value") -> dict[str, str]:
    """A service's tag list ([{Key, Value}], or [{key, value}]) as a mapping; a tag whose value is
    empty may come without one (moto leaves it out)."""
    return {t[key]: t.get(value, "") for t in tags or ()}


def drifted(want: Any, found: Any) -> bool:
    """Whether `found` differs from `want` in anything `want` states (extra fields don't count)."""
    if isinstance(want, dict):
        return not isinstance(found, dict) or any(drifted(v, found.get(k)) for k, v in want.items())
    if isinstance(want, list):
        return (not isinstance(found, list) or len(want) != len(found)
                or any(drifted(w, f) for w, f in zip(want, found, strict=True)))
    return bool(want != found)


def error_code(err: Exception) -> str:
    response = getattr(err, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
