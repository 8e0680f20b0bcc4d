"""What a wait declares to be run by name (`pipeline-harness wait NAME`, registry.py): its options,
which of them it needs, its default policy, whether it reads AWS, and how it runs and reports.

Like botocore's waiters, a wait is data looked up by name: the command line builds its options
from these declarations and runs the one asked for, without knowing any wait of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline_harness.targets.base import Target
from pipeline_harness.waits.model import EventSource, Outcome
from pipeline_harness.waits.schedules import Policy


def _as_given(value: Any) -> Any:
    return value


@dataclass(frozen=True, kw_only=True)
class Option:
    """One command-line option of a wait. `value` is what the wait takes from it as given (the tags
    of a comma-separated list); a `required` option whose value is empty is missing; `check`
    refuses a value from the command line alone (a ConfigError), before any call."""

    flag: str
    help: str
    required: bool = False
    switch: bool = False  # a flag without a value
    type: Callable[[str], Any] = str
    default: Any = None
    value: Callable[[Any], Any] = _as_given
    check: Callable[[Any], object] | None = None

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")


@dataclass(frozen=True, kw_only=True)
class Watched:
    """The lab's resources a wait watches, by their full names."""

    pipeline: str
    repository: str
    cluster: str
    service: str
    container: str


@dataclass(frozen=True, kw_only=True)
class Asked:
    """One wait as the command line asks for it: its options' values (by `Option.dest`), its
    policy, and for a wait that reads AWS the opened target, the names it watches and the event
    source, if any."""

    values: Mapping[str, Any]
    policy: Policy
    target: Target | None = None
    watched: Watched | None = None
    events: EventSource | None = None

    def aws(self) -> tuple[Target, Watched]:
        """The target and the watched names of a wait that reads AWS (the command line opened it)."""
        assert self.target is not None and self.watched is not None, "a wait that reads AWS"
        return self.target, self.watched


# the wait run as asked: its outcome, and what its report adds to the common keys
Runner = Callable[[Asked], tuple[Outcome, dict[str, Any]]]


@dataclass(frozen=True, kw_only=True)
class Declared:
    """A wait as `pipeline-harness wait` runs it by name."""

    name: str
    options: tuple[Option, ...]
    policy: Policy
    run: Runner
    reads_aws: bool = True  # False: no target is opened (the HTTP wait reads the app)

    @property
    def needs(self) -> tuple[Option, ...]:
        return tuple(o for o in self.options if o.required)
