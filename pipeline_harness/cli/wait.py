"""`pipeline-harness wait NAME`: one Step 7 wait, exit 0 or 1 with why.

The waits and their options come from the registry (waits/registry.py): this command adds each
wait's options, refuses what the command line alone shows wrong, and runs the one named.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.cli.parsing import Subparsers
from pipeline_harness.core import inert
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.session.lab import Lab
from pipeline_harness.settings import Settings
from pipeline_harness.steps import events as events_step
from pipeline_harness.targets import open_target
from pipeline_harness.targets.base import Target
from pipeline_harness.waits import registry
from pipeline_harness.waits.declared import Asked, Declared, Option, Watched
from pipeline_harness.waits.events import Inbox
from pipeline_harness.waits.model import Outcome, WaitError

FORMATS = ("table", "json")  # what _write writes: one wait's outcome, no checks


def add_parser(subparsers: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "wait", parents=[common], help="wait for one Step 7 condition (pipeline, ECR tags, rollout, HTTP)",
        description="Wait until a Step 7 condition holds; exit 1 with what was last seen if it "
                    "fails or times out.")
    parser.add_argument("kind", choices=tuple(registry.WAITS))
    # the lab's resources the waits watch, and an event source listens to
    parser.add_argument("--name", help="pipeline name (default: the tutorial's, with --prefix)")
    parser.add_argument("--repository", help="ECR repository (default: my-ecs-php-app)")
    parser.add_argument("--cluster", help="ECS cluster (default: dev-cluster)")
    parser.add_argument("--service", help="ECS service (default: dev-php-app-alb-service)")
    for wait, option in registry.options():
        _add(parser, wait, option)
    parser.add_argument("--timeout", type=float, help="seconds before giving up (default per wait)")
    parser.add_argument("--events", action="store_true",
                        help="also listen to EventBridge: make a rule and an SQS queue for this wait, "
                             "remove them after (creates resources: real AWS needs the allow-list)")
    return parser


def _add(parser: argparse.ArgumentParser, wait: Declared, option: Option) -> None:
    shown = f"{option.help} ({wait.name})"
    if option.switch:
        parser.add_argument(option.flag, action="store_true", help=shown)
    else:
        parser.add_argument(option.flag, type=option.type, default=option.default, help=shown)


def run(args: argparse.Namespace) -> int:
    wait = registry.WAITS[args.kind]
    values = _check(args, wait)
    policy = wait.policy if args.timeout is None else wait.policy.replace(deadline=args.timeout)
    settings = settings_from(args)
    try:
        if wait.reads_aws:
            with open_target(settings) as target, _event_source(args, settings, target) as inbox:
                asked = Asked(values=values, policy=policy, target=target,
                              watched=_watched(args, settings, target), events=inbox)
                outcome, added = wait.run(asked)
        else:
            outcome, added = wait.run(Asked(values=values, policy=policy))
    except WaitError as err:
        _write(args, {**_report(args.kind, err.outcome), "message": str(err)})
        raise
    _write(args, {**_report(args.kind, outcome), **added})
    return 0


def _check(args: argparse.Namespace, wait: Declared) -> dict[str, Any]:
    """Everything the command line alone shows wrong, refused before any call; the wait's values."""
    values = {o.dest: o.value(getattr(args, o.dest)) for o in wait.options}
    missing = [o.flag for o in wait.needs if not values[o.dest]]
    if missing:
        raise ConfigError(f"wait {wait.name} needs {' and '.join(missing)}")
    for option in wait.options:
        if option.check is not None and values[option.dest] is not None:
            option.check(values[option.dest])
    if args.timeout is not None and not 0 < args.timeout < math.inf:  # nan is neither
        raise ConfigError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    return values


def _named(args: argparse.Namespace, settings: Settings, target: Target) -> Settings:
    """The settings naming what the waits watch, as full names (an option's name is taken as given)."""
    names = settings.names(target.account)
    return settings.replace(
        prefix="", pipeline=args.name or names.pipeline,
        ecr_repository=args.repository or names.ecr_repository, cluster=args.cluster or names.cluster,
        service=args.service or names.service, events=names.events)


def _watched(args: argparse.Namespace, settings: Settings, target: Target) -> Watched:
    names = _named(args, settings, target).names(target.account)
    return Watched(pipeline=names.pipeline, repository=names.ecr_repository, cluster=names.cluster,
                   service=names.service, container=settings.container)


@contextmanager
def _event_source(args: argparse.Namespace, settings: Settings, target: Target) -> Iterator[Inbox | None]:
    """With --events: the run's rule and queue for the length of the wait, removed after it
    whatever happens (success, failure, Ctrl-C); without, no event source."""
    if not args.events:
        yield None
        return
    watched = _named(args, settings, target).replace(wait_events=True)
    with Lab(watched, target, steps=(events_step.STEP,)) as lab:  # refused outside the allow-list
        made = lab.provision(skip_unserved=False)[events_step.STEP.name]
        yield Inbox(target.client("sqs"), made["queue_url"])


def _report(kind: str, outcome: Outcome) -> dict:
    return {"wait": kind, "state": outcome.state, "attempts": outcome.attempts,
            "elapsed_seconds": round(outcome.elapsed, 1), "last_seen": str(outcome.observation)}


def _write(args: argparse.Namespace, report: dict) -> None:
    """JSON escapes by itself; in the table, what the wait last saw (a build's log tail, the
    service's events, what the app answered) is made inert for the terminal."""
    with output(args) as out:
        if args.format == "json":
            json.dump(report, out, indent=2)
            out.write("\n")
            return
        for key, value in report.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v:.0f}s" for k, v in value.items()) or "-"
            elif isinstance(value, list):
                value = "; ".join(value)
            out.write(f"{key:<16} {inert.terminal(value)}\n")
