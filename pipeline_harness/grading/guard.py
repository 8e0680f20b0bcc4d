"""Read-only by construction: the grader's clients refuse anything but a read before it is sent.

The guard hangs on `provide-client-params`, the first event of every API call — before parameter
validation, before a botocore Stubber answers, long before `before-send` — so a refused call
never becomes a request. The app is read by `waits/fetch.py`, which sends GET and nothing else.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter

from botocore.client import BaseClient
from botocore.model import OperationModel

from pipeline_harness.core.errors import HarnessError
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.operations import is_read

GUARD_ID = "pipeline-harness-read-only"


class MutationRefused(HarnessError):
    """The grader tried an operation that is not a read; nothing was sent."""


def refuse_mutation(model: OperationModel, **_: object) -> None:
    """botocore handler: raise before a non-read operation is serialised or sent."""
    if not is_read(model.name):
        raise MutationRefused(
            f"grading is read-only: refused {model.service_model.service_name}.{model.name} "
            "before sending it")


def guard(client: BaseClient) -> BaseClient:
    """Install the guard on a client (idempotent: one registration per client)."""
    client.meta.events.register_first("provide-client-params", refuse_mutation, unique_id=GUARD_ID)
    return client


class ReadOnlyTarget(Target):
    """A Target whose every client carries the guard; with_session keeps it read-only."""

    def client(self, service: str) -> BaseClient:
        return guard(super().client(service))


def read_only(target: Target) -> ReadOnlyTarget:
    """The same endpoint, credentials, capabilities and quirks, through guarded clients of its own.

    The account already read is kept (no second STS call); API calls are counted afresh.
    """
    if isinstance(target, ReadOnlyTarget):
        return target
    kept = {f.name: getattr(target, f.name) for f in dataclasses.fields(Target)
            if f.name not in ("calls", "_clients", "_lock")}
    return ReadOnlyTarget(**kept, calls=Counter(), _clients={}, _lock=threading.Lock())

