"""The rule each setting's value must meet, checked one setting at a time: a `Settings` checks all of
its values, a class roster only the ones a student changes (`check`), so nothing is built to be
thrown away. Each broken rule is one ConfigError line.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from pipeline_harness.core import aws_models
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.settings.names import TEMPLATES

TAG_RUN_ID = "pipeline-harness:run-id"
TAG_CREATED_AT = "pipeline-harness:created-at"
# whole-number settings and the values they may take (inclusive)
PORTS = (1, 65535)
# ECS allows 5000 tasks per service, but the lab's service runs one demo container: a count in the
# thousands is a typo, each task is billed, and most accounts' Fargate quota would only queue them
MAX_DESIRED_COUNT = 1000
INT_RANGES = {"container_port": PORTS, "desired_count": (0, MAX_DESIRED_COUNT)}
# the run id is the value of the TAG_RUN_ID tag: AWS tag values are at most 256 characters
MAX_TAG_VALUE = 256
# where the harness runs: the embedded (or an external) moto server, LocalStack, real AWS
TARGETS = ("moto", "localstack", "aws")
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+")
# GitHub's owner (letters, digits, single inner hyphens, at most 39) / repository names
REPOSITORY_ID = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}")
PIPELINE_TYPES = ("V1", "V2")


def check(values: Mapping[str, object]) -> None:
    """Each given setting's value within its rule, in the order a `Settings` checks them."""
    for name, rule in RULES.items():
        if name in values:
            rule(values[name])


def _region(region: object) -> None:
    if not isinstance(region, str) or not REGION.fullmatch(region):
        raise ConfigError(f"region must look like us-east-1 or eu-north-1, not {region!r}")
    _check_partition(region)


@functools.cache
def _partitions() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """botocore's partitions and the region names each holds (its endpoint data, no call)."""
    data = aws_models.LOADER.load_data("endpoints")
    return tuple((p["partition"], re.compile(p["regionRegex"])) for p in data["partitions"])


def _check_partition(region: str) -> None:
    """The commercial partition's regions only: the lab's policy ARNs are arn:aws:…"""
    found = [name for name, pattern in _partitions() if pattern.match(region)]
    if "aws" in found:
        return
    if found:
        raise ConfigError(f"region {region} is in the {found[0]} partition; the harness works in the "
                          "aws partition only (the tutorial's policy ARNs are arn:aws:…)")
    raise ConfigError(f"region {region} is in no AWS partition botocore knows (e.g. us-east-1, "
                      "eu-north-1)")


def _endpoint(url: object) -> None:
    """An endpoint is an http(s) URL with a host: botocore's own complaint would be a traceback."""
    if url is None:
        return
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        port_ok = parts is not None and (parts.port is None or 0 < parts.port < 65536)
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ConfigError(f"endpoint URL must be http(s)://host[:port], not {url!r}")


def _target(target: object) -> None:
    if target not in TARGETS:
        raise ConfigError(f"target must be {', '.join(TARGETS[:-1])} or {TARGETS[-1]}, not {target!r}")


def _pipeline_type(pipeline_type: object) -> None:
    if pipeline_type not in PIPELINE_TYPES:
        raise ConfigError(f"pipeline_type must be V1 or V2, not {pipeline_type!r}")


def _prefix(prefix: object) -> None:
    if not isinstance(prefix, str) or not all(c.isalnum() or c == "-" for c in prefix):
        raise ConfigError(f"prefix may hold only letters, digits and '-', not {prefix!r}")


def _whole(name: str, low: int, high: int) -> Callable[[object], None]:
    def rule(value: object) -> None:
        if type(value) is not int:
            raise ConfigError(f"{name} must be a whole number, not {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, not {value}")

    return rule


def _template(name: str, placeholders: tuple[str, ...]) -> Callable[[object], None]:
    """A name template str.format can fill: only `placeholders`, bare (no spec, conversion, index)."""
    allowed = " or ".join(f"{{{p}}}" for p in placeholders)

    def rule(template: object) -> None:
        problem = (f"{name} may use only the placeholder {allowed} (no format spec, conversion or "
                   f"attribute/index), not {template!r}")
        try:
            fields_ = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(str(template))
                       if f is not None]
        except ValueError:  # a lone { or }
            raise ConfigError(problem + " (write a literal brace as {{ or }})") from None
        for field_name, spec, conversion in fields_:
            if field_name not in placeholders or spec or conversion:
                raise ConfigError(problem)

    return rule


def _tag_character(c: str) -> bool:
    """What an AWS tag value may hold: letters, digits, spaces and _ . : / = + - @."""
    return unicodedata.category(c)[0] in "LNZ" or c in "_.:/=+-@"


def _run_id(run_id: object) -> None:
    """The run id is the value of every resource's TAG_RUN_ID tag; sweep and teardown find it."""
    if not isinstance(run_id, str) or not run_id.strip():
        raise ConfigError(f"run_id must be non-empty text, not {run_id!r}")
    if len(run_id) > MAX_TAG_VALUE:
        raise ConfigError(f"run_id is the {TAG_RUN_ID} tag's value: at most {MAX_TAG_VALUE} "
                          f"characters, not {len(run_id)}")
    if not all(_tag_character(c) for c in run_id):
        raise ConfigError(f"run_id is the {TAG_RUN_ID} tag's value: letters, digits, spaces and "
                          f"_ . : / = + - @ only, not {run_id!r}")


# settings AWS receives as values, not as the names of resources (those are the kinds' name rules):
# the rule each must meet, in words for the message
VALUE_RULES = {
    # a connection's ARN, as GetConnection's model pattern narrows it to connections
    "connection_arn": (r"arn:aws(?:-[a-z]+)*:(?:codestar-connections|codeconnections):[a-z0-9-]+:"
                       r"[0-9]{12}:connection/[A-Za-z0-9-]+",
                       "a connection ARN, arn:aws:codeconnections:REGION:ACCOUNT:connection/ID "
                       "(or codestar-connections)"),
    # ECS: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens"
    "container": (r"[A-Za-z0-9_-]{1,255}", "up to 255 letters, digits, '_' and '-' (ECS container names)"),
    # ELB: the ping path of HTTP health checks, "a valid URI (for example, /path?query)", 1024 at most
    "health_check_path": (r"/\S{0,1023}", "a path starting with '/', without spaces, e.g. /health.php"),
    "codebuild_image": (r"\S+", "an image without spaces, e.g. aws/codebuild/standard:7.0"),
}


def _value(name: str, pattern: str, rule: str) -> Callable[[object], None]:
    def check_value(value: object) -> None:
        if value is not None and not (isinstance(value, str) and re.fullmatch(pattern, value)):
            raise ConfigError(f"{name} must be {rule}, not {value!r}")

    return check_value


def _compute_type(compute_type: object) -> None:
    if compute_type not in _compute_types():
        raise ConfigError(f"codebuild_compute_type must be one of CodeBuild's compute types "
                          f"({', '.join(_compute_types())}), not {compute_type!r}")


@functools.cache
def _compute_types() -> tuple[str, ...]:
    """CreateProject's environment.computeType values, from botocore's model of CodeBuild."""
    model = aws_models.LOADER.load_service_model("codebuild", "service-2")
    return tuple(model["shapes"]["ComputeType"]["enum"])


def _repository(repository: object) -> None:
    if not (isinstance(repository, str) and REPOSITORY_ID.fullmatch(repository)):
        raise ConfigError(f"github_repository must be owner/repo, not {repository!r} "
                          "(tutorial Common Issues: repository name format)")


RULES: dict[str, Callable[[object], None]] = {
    "region": _region,
    "endpoint_url": _endpoint,
    "target": _target,
    "pipeline_type": _pipeline_type,
    "prefix": _prefix,
    **{name: _whole(name, low, high) for name, (low, high) in INT_RANGES.items()},
    **{name: _template(name, placeholders) for name, placeholders in TEMPLATES.items()},
    "run_id": _run_id,
    **{name: _value(name, pattern, rule) for name, (pattern, rule) in VALUE_RULES.items()},
    "codebuild_compute_type": _compute_type,
    "github_repository": _repository,
}
