"""The context one run works in: settings, target, the lab's names, and what provisioning found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline_harness.core.errors import AWS_ERRORS, HarnessError
from pipeline_harness.settings import Names, Settings
from pipeline_harness.targets.base import Target


@dataclass(frozen=True)
class _Raised:
    """A read that raised: what it raised."""

    error: BaseException


@dataclass
class Context:
    """Settings, target and names for one run, with each read made once per context."""

    settings: Settings
    target: Target
    # kind key -> the resource provisioning made or adopted (its ARN, ids), for the kinds after it
    found: dict[str, Any] = field(default_factory=dict)
    # `grade --as-of`: what finished after it is not counted (None: now)
    as_of: datetime | None = None
    _reads: dict = field(default_factory=dict, repr=False)
    _names: Names | None = None

    @property
    def makes_prerequisites(self) -> bool:
        """Whether the harness makes the cluster, service and ALB, or uses the user's own."""
        return self.target.quirks.creates_prerequisites or self.settings.provision_prerequisites

    @property
    def names(self) -> Names:
        if self._names is None:
            self._names = self.settings.names(self.target.account,
                                              prefix_prerequisites=self.makes_prerequisites)
        return self._names

    def client(self, service: str) -> Any:
        return self.target.client(service)

    def read(self, reader: Callable[[Context], Any]) -> Any:
        """reader(self), cached until forget(): checks of one resource share one API read — and
        one failed read (access denied, throttled after the client's retries, a gap of the
        target): what it raised is raised again to each of them, not asked again."""
        if reader not in self._reads:
            try:
                self._reads[reader] = reader(self)
            except (HarnessError, *AWS_ERRORS) as err:
                self._reads[reader] = _Raised(err)
                raise
        found = self._reads[reader]
        if isinstance(found, _Raised):
            raise found.error.with_traceback(None)  # afresh: the frames of the raise before are let go
        return found

    def forget(self) -> None:
        self._reads.clear()

    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        """The run's tags in the shape a service wants (`Key`/`Value`, `key`/`value`, ...)."""
        return [{key: k, value: v} for k, v in self.settings.tags.items()]
