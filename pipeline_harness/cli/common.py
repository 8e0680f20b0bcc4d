"""Options every verb shares (--format taking what the verb writes), and turning them into settings."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from pipeline_harness import settings as settings_mod
from pipeline_harness.core.errors import ConfigError

# every report a verb may write, in words; each verb declares the ones it writes (its FORMATS),
# and its --format takes those alone
FORMAT_HELP = {"table": "lines for a terminal (the default)", "json": "JSON", "junit": "JUnit XML",
               "markdown": "Markdown", "gradescope": "Gradescope's autograder results.json",
               "html": "a self-contained page"}


def common_options(formats: Sequence[str]) -> argparse.ArgumentParser:
    """The target and output options, --format taking the `formats` the verb writes."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("target")
    group.add_argument("--target", choices=settings_mod.TARGETS,
                       help="where to run (default: moto, an embedded server on 127.0.0.1)")
    group.add_argument("--endpoint-url", help="use an already running AWS-compatible endpoint")
    group.add_argument("--region", help="AWS region (default us-east-1)")
    group.add_argument("--profile", help="AWS profile for --target aws")
    group.add_argument("--config", help="TOML file with settings (docs/configuration.md)")
    group.add_argument("--prefix", help="prefix applied to every name the harness creates")
    out = parent.add_argument_group("output")
    out.add_argument("--format", choices=tuple(formats), default="table",
                     help="; ".join(f"{name}: {FORMAT_HELP[name]}" for name in formats))
    out.add_argument("--output", help="write the report to this file instead of stdout")
    return parent


def settings_from(args: argparse.Namespace, **extra: Any) -> settings_mod.Settings:
    return settings_mod.load(
        config=args.config, target=args.target, endpoint_url=args.endpoint_url,
        region=args.region, profile=args.profile, prefix=args.prefix, **extra,
    )


def check_output(args: argparse.Namespace) -> None:
    """--output must be writable before any work is done, not found out after the lab was made: the
    file is opened for appending (and removed again if that made it). (--format is the verb's
    parser's: it takes only what the verb writes.)"""
    given = getattr(args, "output", None)
    if not given:
        return
    try:
        path = os.path.expanduser(given)  # a str: Path would drop a trailing slash
        existed = os.path.lexists(path)
        with open(path, "a", encoding="utf-8"):
            pass
        if not existed:
            os.unlink(path)
    except (OSError, RuntimeError) as err:  # RuntimeError: a symlink loop, an unknown ~user
        raise ConfigError(f"--output {given}: cannot write a file there ({_why(err)})") from None


@contextmanager
def output(args: argparse.Namespace) -> Iterator[TextIO]:
    """Where the report goes: --output FILE or stdout."""
    if not getattr(args, "output", None):
        yield sys.stdout
        return
    try:
        with open(os.path.expanduser(args.output), "w", encoding="utf-8") as fh:
            yield fh
    except OSError as err:  # a full disk, a device that takes no writes
        raise ConfigError(f"--output {args.output}: the report could not be written ({_why(err)})") from None


def _why(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err)
