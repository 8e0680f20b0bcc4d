"""Targets: embedded moto, LocalStack, an endpoint someone else runs, or real AWS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pipeline_harness.settings import Settings
from pipeline_harness.targets.base import Target


def make_target(settings: Settings) -> Target:
    """The target the settings name; an embedded moto server is started here and must be closed."""
    from pipeline_harness.targets import aws, moto

    if settings.target == "aws":
        return aws.real(settings.region, settings.profile, settings.endpoint_url,
                        allowed_accounts=frozenset(settings.allowed_account_ids))
    if settings.target == "localstack":
        from pipeline_harness.targets import localstack

        return localstack.connect(settings.region, settings.endpoint_url)
    if settings.endpoint_url:
        return moto.external(settings.region, settings.endpoint_url)
    return moto.embedded(settings.region)


@contextmanager
def open_target(settings: Settings,
                before_first_call: Callable[[Settings, Target], None] | None = None) -> Iterator[Target]:
    """A reachable target for the duration of the block; what it started is stopped after.

    `before_first_call` checks what needs no API call (e.g. name limits), so bad input is refused
    before anything is sent.
    """
    target = make_target(settings)
    try:
        if before_first_call is not None:
            before_first_call(settings, target)
        _ = target.account  # unreachable endpoint or missing credentials: exit 3 before any work
        yield target
    finally:
        target.close()
