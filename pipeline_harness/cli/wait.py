"""`pipeline-harness wait pipeline|ecr-tags|rollout|http`: one Step 7 wait, exit 0 or 1 with why."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline_harness import inert
from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.errors import ConfigError
from pipeline_harness.lab import Lab
from pipeline_harness.settings import Settings
from pipeline_harness.steps import events as events_step
from pipeline_harness.targets import open_target
from pipeline_harness.targets.base import Target
from pipeline_harness.waits import ecr_tags, http, pipeline, rollout
from pipeline_harness.waits.events import Inbox
from pipeline_harness.waits.model import Outcome, WaitError
from pipeline_harness.waits.schedules import POLICIES

KINDS = ("pipeline", "ecr-tags", "rollout", "http")
FORMATS = ("table", "json")  # what _write writes; junit and markdown are for verify, grade, lint
MAX_TAGS, MAX_TAG_LENGTH = 100, 300  # what ECR's BatchGetImage takes
NEEDS = {"pipeline": ("commit",), "ecr-tags": ("tags",), "rollout": ("image",),
         "http": ("url", "expect")}


def add_parser(subparsers, common) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "wait", parents=[common], help="wait for one Step 7 condition (pipeline, ECR tags, rollout, HTTP)",
        description="Wait until a Step 7 condition holds; exit 1 with what was last seen if it "
                    "fails or times out.")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--name", help="pipeline name (default: the tutorial's, with --prefix)")
    parser.add_argument("--commit", help="commit hash whose pipeline execution to follow (pipeline)")
    parser.add_argument("--start", action="store_true",
                        help="start the execution on --commit (V2 pipelines) instead of finding it")
    parser.add_argument("--repository", help="ECR repository (default: my-ecs-php-app)")
    parser.add_argument("--tags", help="comma-separated tags one image must carry (ecr-tags)")
    parser.add_argument("--scan", action="store_true", help="also wait for the scan-on-push result")
    parser.add_argument("--cluster", help="ECS cluster (default: dev-cluster)")
    parser.add_argument("--service", help="ECS service (default: dev-php-app-alb-service)")
    parser.add_argument("--image", help="expected image: uri:tag, uri@sha256:…, a tag or a digest")
    parser.add_argument("--url", help="URL to poll (http)")
    parser.add_argument("--expect", help="text the body must contain, e.g. the version (http)")
    parser.add_argument("--consecutive", type=int, default=3,
                        help=f"good answers in a row required (http, 1 to {http.MAX_CONSECUTIVE}, "
                             "default 3)")
    parser.add_argument("--timeout", type=float, help="seconds before giving up (default per wait)")
    parser.add_argument("--events", action="store_true",
                        help="also listen to EventBridge: make a rule and an SQS queue for this wait, "
                             "remove them after (creates resources: real AWS needs the allow-list)")
    return parser


def run(args: argparse.Namespace) -> int:
    _check(args)
    policy = POLICIES[args.kind]  # each kind has the policy of the same name
    if args.timeout is not None:
        policy = policy.replace(deadline=args.timeout)
    settings = settings_from(args)
    try:
        if args.kind == "http":
            report = _report(args.kind, http.wait_for_version(
                args.url, args.expect, consecutive=args.consecutive, policy=policy))
        else:
            with open_target(settings) as target, _event_source(args, settings, target) as inbox:
                report = _aws(args, settings, target, policy, inbox)
    except WaitError as err:
        _write(args, {**_report(args.kind, err.outcome), "message": str(err)})
        raise
    _write(args, report)
    return 0


def _check(args: argparse.Namespace) -> None:
    """Everything the command line alone shows wrong, refused before any call."""
    if args.format not in FORMATS:
        raise ConfigError(f"--format {args.format}: wait writes {' or '.join(FORMATS)}")
    # a --tags of only commas and blanks names no tag: as good as none
    missing = [f"--{name}" for name in NEEDS[args.kind]
               if not (_tags(args.tags) if name == "tags" else getattr(args, name))]
    if missing:
        raise ConfigError(f"wait {args.kind} needs {' and '.join(missing)}")
    if args.kind == "pipeline":
        pipeline.check_commit(args.commit)
    if args.kind == "ecr-tags":
        _check_tags(_tags(args.tags))
    if args.kind == "http":
        http.check_url(args.url)
    if args.timeout is not None and not 0 < args.timeout < math.inf:  # nan is neither
        raise ConfigError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    if args.consecutive < 1:
        raise ConfigError(f"--consecutive must be at least 1, not {args.consecutive}")
    http.check_consecutive(args.consecutive)


def _tags(text: str | None) -> list[str]:
    """The tags of a comma-separated --tags, blanks around them stripped, each once."""
    tags = (t.strip() for t in (text or "").split(","))
    return list(dict.fromkeys(t for t in tags if t))


def _check_tags(tags: list[str]) -> None:
    if len(tags) > MAX_TAGS:
        raise ConfigError(f"--tags names {len(tags)} tags: at most {MAX_TAGS}")
    long = next((t for t in tags if len(t) > MAX_TAG_LENGTH), None)
    if long is not None:
        raise ConfigError(f"--tags: an ECR tag has at most {MAX_TAG_LENGTH} characters, not "
                          f"{len(long)} ({long[:20]}…)")


def _watched(args: argparse.Namespace, settings: Settings, target: Target) -> Settings:
    """The names this wait watches, as full names (an option's name is taken as given)."""
    names = settings.names(target.account)
    return settings.replace(
        prefix="", pipeline=args.name or names.pipeline,
        ecr_repository=args.repository or names.ecr_repository, cluster=args.cluster or names.cluster,
        service=args.service or names.service, events=names.events)


@contextmanager
def _event_source(args: argparse.Namespace, settings: Settings, target: Target) -> Iterator[Inbox | None]:
    """With --events: the run's rule and queue for the length of the wait, removed after it
    whatever happens (success, failure, Ctrl-C); without, no event source."""
    if not args.events:
        yield None
        return
    watched = _watched(args, settings, target).replace(wait_events=True)
    with Lab(watched, target, steps=(events_step.STEP,)) as lab:  # refused outside the allow-list
        made = lab.provision(skip_unserved=False)[events_step.STEP.name]
        yield Inbox(target.client("sqs"), made["queue_url"])


def _aws(args, settings, target, policy, inbox) -> dict:
    names = _watched(args, settings, target).names(target.account)
    if args.kind == "pipeline":
        done = pipeline.wait_for_pipeline(target, names.pipeline, args.commit, start=args.start,
                                          policy=policy, events=inbox)
        return {**_report("pipeline", done.outcome), "stage_durations": done.stage_durations,
                **({"note": done.durations_note} if done.durations_note else {})}
    if args.kind == "ecr-tags":
        repository = names.ecr_repository
        tags = _tags(args.tags)
        outcome = ecr_tags.wait_for_tags(target, repository, tags, policy=policy, events=inbox)
        report = _report("ecr-tags", outcome)
        if args.scan:
            scans = ecr_tags.wait_for_scans(target, repository, outcome.observation)
            report["scans"] = [str(s.observation) for s in scans]
        return report
    outcome = rollout.wait_for_rollout(target, names.cluster, names.service, args.image,
                                       container=settings.container, policy=policy, events=inbox)
    return _report("rollout", outcome)


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
