"""The registry: every kind of resource the harness makes, in the order they depend on each other.

Provisioning walks it forwards (through the tutorial steps, which hold the desired state), teardown
and the sweep backwards; the leak tests' inventory, the name limits checked before any call, the
grader's near-match candidates and the IAM policies are derived from it.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.kinds import (
    codebuild,
    codepipeline,
    connections,
    ec2,
    ecr,
    ecs,
    elbv2,
    events,
    iam,
    logs,
    s3,
    sqs,
)
from pipeline_harness.kinds.base import Kind
from pipeline_harness.settings import Settings
from pipeline_harness.targets.base import Target

REGISTRY: tuple[Kind, ...] = (
    ecr.REPOSITORY,
    connections.CONNECTION,
    s3.ARTIFACT_BUCKET,
    iam.PIPELINE_ROLE,
    iam.CODEBUILD_ROLE,
    logs.LOG_GROUP,
    codebuild.PROJECT,
    ec2.NETWORK,
    elbv2.TARGET_GROUP,
    elbv2.LOAD_BALANCER,
    iam.EXECUTION_ROLE,
    logs.TASK_LOG_GROUP,
    ecs.CLUSTER,
    ecs.TASK_DEFINITION,
    ecs.SERVICE,
    codepipeline.PIPELINE,
    sqs.EVENT_QUEUE,
    events.EVENT_RULE,
)
BY_KEY = {kind.key: kind for kind in REGISTRY}
SAMPLE_ACCOUNT = "123456789012"  # names are checked before the account is known: ids are 12 digits


def inventory(target: Target) -> dict[str, set[str]]:
    """Per served service, every resource of the kinds the harness makes (their parts included)."""
    listers = {kind.service: kind.inventory for kind in REGISTRY if kind.inventory is not None}
    return {service: lister(target) for service, lister in listers.items() if not target.gap(service)}


def difference(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, set[str]]:
    """What `after` holds that `before` did not, per service (empty services left out)."""
    return {s: after[s] - before.get(s, set()) for s in after if after[s] - before.get(s, set())}


def check_names(settings: Settings, kinds: Iterable[Kind] = REGISTRY) -> None:
    """Every name the run would use within its service's rules, or ConfigError (exit 2) before any call."""
    names, bare = settings.names(SAMPLE_ACCOUNT), settings.replace(prefix="").names(SAMPLE_ACCOUNT)
    too_long: dict[str, int] = {}
    malformed, room = [], []
    for kind in kinds:
        name, base = kind.name(names), kind.name(bare)
        # what the prefix costs this name: itself, plus a separator where it becomes a suffix
        room.append(kind.rule.max_length - len(base) - (len(name) - len(base) - len(settings.prefix)))
        if len(name) > kind.rule.max_length:
            too_long[kind.title] = kind.rule.max_length
        elif kind.rule.problem(name):
            malformed.append(f"the {kind.title} name {name!r} {kind.rule.problem(name)}")
    limits = ", ".join(f"{title} {limit}" for title, limit in too_long.items())
    if too_long and settings.prefix:
        raise ConfigError(f"--prefix {settings.prefix!r} ({len(settings.prefix)} characters) makes names "
                          f"longer than AWS allows ({limits} characters at most); a prefix of at most "
                          f"{max(min(room), 0)} characters fits them all")
    if too_long:
        raise ConfigError(f"a configured name is longer than AWS allows ({limits} characters at most)")
    if malformed:
        raise ConfigError("; ".join(malformed))
