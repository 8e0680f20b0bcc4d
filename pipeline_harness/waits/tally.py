"""Counting the API calls a wait makes, so that its budget is in calls rather than in looks."""

from __future__ import annotations

import functools
import weakref

from botocore.awsrequest import AWSRequest
from botocore.client import BaseClient

from pipeline_harness.targets.base import Target

# calls made through each client since the first wait counted it: one hook per client, however
# many waits a long-lived target serves
_MADE: weakref.WeakKeyDictionary[BaseClient, int] = weakref.WeakKeyDictionary()


def _counted(client: BaseClient) -> BaseClient:
    if client not in _MADE:
        _MADE[client] = 0
        made = weakref.ref(client)
        client.meta.events.register("provide-client-params", functools.partial(_count, made),
                                    unique_id="pipeline-harness-tally")
        client.meta.events.register("request-created", functools.partial(_count_retry, made),
                                    unique_id="pipeline-harness-tally-retries")
    return client


def _count(client_ref: weakref.ref[BaseClient], **_: object) -> None:
    client = client_ref()
    if client is not None:
        _MADE[client] += 1


def _count_retry(client_ref: weakref.ref[BaseClient], request: AWSRequest, **_: object) -> None:
    """botocore makes a new request for each attempt of a call; the first is the call itself."""
    if getattr(request, "context", {}).get("retries", {}).get("attempt", 1) > 1:
        _count(client_ref)


class Tally:
    """A target's clients, counting the calls made through them since this tally first used each.

    The count is taken when botocore gathers a call's parameters, before a Stubber or the network
    answers, so simulated calls count like real ones; each attempt botocore retries counts again.
    """

    def __init__(self, target: Target):
        self.target = target
        self.since: dict[BaseClient, int] = {}  # client → its count when this tally first used it

    def client(self, service: str) -> BaseClient:
        made = _counted(self.target.client(service))
        self.since.setdefault(made, _MADE[made])
        return made

    @property
    def calls(self) -> int:
        return sum(_MADE[client] - start for client, start in self.since.items())

    def gap(self, service: str, operation: str | None = None) -> str | None:
        return self.target.gap(service, operation)
