"""Every name and knob of the tutorial, typed, with the tutorial's values as defaults.

Precedence (lowest first): defaults, a TOML file, PIPELINE_HARNESS_* environment variables,
command-line / pytest options.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import string
import tomllib
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline_harness import aws_models
from pipeline_harness.errors import ConfigError

ENV_PREFIX = "PIPELINE_HARNESS_"
TAG_RUN_ID = "pipeline-harness:run-id"
TAG_CREATED_AT = "pipeline-harness:created-at"
TUTORIAL_ENV_VARS = ("AWS_ACCOUNT_ID", "AWS_DEFAULT_REGION", "IMAGE_REPO_NAME", "CONTAINER_NAME")
# the settings `Names` fills in with str.format, and the only placeholders each may use
TEMPLATES = {"artifact_bucket": ("account_id",), "log_group": ("codebuild_project",)}
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


def _new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Settings:
    """The lab as the tutorial names it; `names` applies the run prefix."""

    # target
    target: str = "moto"
    endpoint_url: str | None = None
    region: str = "us-east-1"
    profile: str | None = None
    prefix: str = ""
    # Step 1
    ecr_repository: str = "my-ecs-php-app"
    tag_immutability: bool = False
    # Step 2
    connection_name: str = "github-connection"
    connection_arn: str | None = None
    create_connection: bool = False
    # Step 3
    artifact_bucket: str = "dev-pipeline-artifacts-{account_id}"
    # Step 4
    pipeline_role: str = "dev-codepipeline-service-role"
    codebuild_role: str = "dev-codebuild-service-role"
    pipeline_policy: str = "CodePipelineCustomPolicy"
    codebuild_policy: str = "CodeBuildCustomPolicy"
    # Step 5
    codebuild_project: str = "dev-php-app-build"
    codebuild_image: str = "aws/codebuild/standard:7.0"
    codebuild_compute_type: str = "BUILD_GENERAL1_SMALL"
    log_group: str = "/aws/codebuild/{codebuild_project}"
    buildspec: str = "buildspec.yml"
    # Step 6
    pipeline: str = "dev-php-app-pipeline"
    pipeline_type: str = "V2"
    github_repository: str = "larsappel/my-ecs-php-app"
    branch: str = "main"
    image_definitions_file: str = "imagedefinitions.json"
    # the prerequisites the tutorial assumes
    cluster: str = "dev-cluster"
    service: str = "dev-php-app-alb-service"
    load_balancer: str = "dev-php-app-alb"
    container: str = "php-app-container"
    container_port: int = 80
    health_check_path: str = "/health.php"
    # what the tutorial assumes but does not name: the harness's own names when it makes them
    network: str = "dev-php-app"  # its VPC, gateway, subnets and security group: dev-php-app-vpc, ...
    target_group: str = "dev-php-app-tg"
    task_family: str = "dev-php-app-task"
    execution_role: str = "dev-php-app-task-execution-role"
    # Step 7's event source (an EventBridge rule and SQS queue of this name), when waits use events
    events: str = "dev-php-app-events"
    wait_events: bool = False
    desired_count: int = 1
    provision_prerequisites: bool = False
    # real AWS: provisioning refuses any account not listed here (comma-separated ids)
    allowed_accounts: str = ""
    # bookkeeping
    keep_resources: bool = False
    run_id: str = field(default_factory=_new_run_id)
    created_at: str = field(default_factory=_now)

    def __post_init__(self):
        if not REGION.fullmatch(self.region):
            raise ConfigError(f"region must look like us-east-1 or eu-north-1, not {self.region!r}")
        _check_partition(self.region)
        if self.endpoint_url is not None:
            _check_endpoint(self.endpoint_url)
        if self.target not in TARGETS:
            raise ConfigError(f"target must be {', '.join(TARGETS[:-1])} or {TARGETS[-1]}, "
                              f"not {self.target!r}")
        if self.pipeline_type not in ("V1", "V2"):
            raise ConfigError(f"pipeline_type must be V1 or V2, not {self.pipeline_type!r}")
        if self.prefix and not all(c.isalnum() or c == "-" for c in self.prefix):
            raise ConfigError(f"prefix may hold only letters, digits and '-', not {self.prefix!r}")
        for name, (low, high) in INT_RANGES.items():
            value = getattr(self, name)
            if type(value) is not int:
                raise ConfigError(f"{name} must be a whole number, not {value!r}")
            if not low <= value <= high:
                raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
        for name, placeholders in TEMPLATES.items():
            _check_template(name, getattr(self, name), placeholders)
        _check_run_id(self.run_id)
        _check_values(self)
        if self.github_repository.count("/") != 1:
            raise ConfigError(
                f"github_repository must be owner/repo, not {self.github_repository!r} "
                "(tutorial Common Issues: repository name format)"
            )

    @property
    def allowed_account_ids(self) -> set[str]:
        return {a.strip() for a in self.allowed_accounts.split(",") if a.strip()}

    def names(self, account_id: str, prefix_prerequisites: bool = True) -> Names:
        return Names(self, account_id, prefix_prerequisites)

    @property
    def tags(self) -> dict[str, str]:
        """Tags every created resource carries, so teardown and sweep touch only ours."""
        return {TAG_RUN_ID: self.run_id, TAG_CREATED_AT: self.created_at}

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)


REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+")


@functools.cache
def _partitions() -> tuple[tuple[str, re.Pattern], ...]:
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


def _check_endpoint(url: str) -> None:
    """An endpoint is an http(s) URL with a host: botocore's own complaint would be a traceback."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ConfigError(f"endpoint URL must be http(s)://host[:port], not {url!r}")


def _check_template(name: str, template: str, placeholders: tuple[str, ...]) -> None:
    """A name template str.format can fill: only `placeholders`, bare (no spec, conversion, index)."""
    allowed = " or ".join(f"{{{p}}}" for p in placeholders)
    problem = (f"{name} may use only the placeholder {allowed} (no format spec, conversion or "
               f"attribute/index), not {template!r}")
    try:
        fields_ = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(template)
                   if f is not None]
    except ValueError:  # a lone { or }
        raise ConfigError(problem + " (write a literal brace as {{ or }})") from None
    for field_name, spec, conversion in fields_:
        if field_name not in placeholders or spec or conversion:
            raise ConfigError(problem)


def _tag_character(c: str) -> bool:
    """What an AWS tag value may hold: letters, digits, spaces and _ . : / = + - @."""
    return unicodedata.category(c)[0] in "LNZ" or c in "_.:/=+-@"


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


def _check_values(settings: Settings) -> None:
    for name, (pattern, rule) in VALUE_RULES.items():
        value = getattr(settings, name)
        if value is not None and not re.fullmatch(pattern, value):
            raise ConfigError(f"{name} must be {rule}, not {value!r}")
    if settings.codebuild_compute_type not in _compute_types():
        raise ConfigError(f"codebuild_compute_type must be one of CodeBuild's compute types "
                          f"({', '.join(_compute_types())}), not {settings.codebuild_compute_type!r}")


@functools.cache
def _compute_types() -> tuple[str, ...]:
    """CreateProject's environment.computeType values, from botocore's model of CodeBuild."""
    model = aws_models.LOADER.load_service_model("codebuild", "service-2")
    return tuple(model["shapes"]["ComputeType"]["enum"])


def _check_run_id(run_id: str) -> None:
    """The run id is the value of every resource's TAG_RUN_ID tag; sweep and teardown find it."""
    if not isinstance(run_id, str) or not run_id.strip():
        raise ConfigError(f"run_id must be non-empty text, not {run_id!r}")
    if len(run_id) > MAX_TAG_VALUE:
        raise ConfigError(f"run_id is the {TAG_RUN_ID} tag's value: at most {MAX_TAG_VALUE} "
                          f"characters, not {len(run_id)}")
    if not all(_tag_character(c) for c in run_id):
        raise ConfigError(f"run_id is the {TAG_RUN_ID} tag's value: letters, digits, spaces and "
                          f"_ . : / = + - @ only, not {run_id!r}")


@dataclass(frozen=True)
class Names:
    """The names and ARNs the harness creates or expects, with the run prefix applied."""

    settings: Settings
    account_id: str
    # a user's existing cluster, service and ALB keep their own names
    prefix_prerequisites: bool = True

    @property
    def pipeline_policy(self) -> str:
        return self.settings.pipeline_policy

    @property
    def codebuild_policy(self) -> str:
        return self.settings.codebuild_policy

    def _p(self, name: str) -> str:
        return f"{self.settings.prefix}{name}"

    def __getattr__(self, item: str) -> str:
        if item in _PREREQUISITES and not self.prefix_prerequisites:
            return getattr(self.settings, item)
        if item in _PREFIXED:
            return self._p(getattr(self.settings, item))
        raise AttributeError(item)

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def artifact_bucket(self) -> str:
        # a suffix, not a prefix: the tutorial's policies grant `dev-pipeline-artifacts-*`
        bucket = self.settings.artifact_bucket.format(account_id=self.account_id)
        run = self.settings.prefix.strip("-")
        return (f"{bucket}-{run}" if run else bucket).lower()

    @property
    def log_group(self) -> str:
        return self.settings.log_group.format(codebuild_project=self.codebuild_project)

    @property
    def registry(self) -> str:
        return f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com"

    @property
    def repository_uri(self) -> str:
        return f"{self.registry}/{self.ecr_repository}"

    def role_arn(self, role_name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{role_name}"


_PREFIXED = {
    # inline policy names live inside their role, so they keep the tutorial's names
    "ecr_repository", "connection_name", "pipeline_role", "codebuild_role",
    "codebuild_project", "pipeline", "cluster", "service", "load_balancer",
    "network", "target_group", "task_family", "execution_role", "events",
}

_PREREQUISITES = {"cluster", "service", "load_balancer"}

_FIELDS = {f.name: f for f in fields(Settings)}


_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")  # ASCII digits: int() would take "٨٠" and "8_0" too


def _coerce(name: str, value: Any) -> Any:
    kind = _FIELDS[name].type
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name} must be true or false, not {value!r}")
    if kind == "int":
        # a TOML integer, or the digits of one from the environment; never a bool, float or list
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
            return int(value.strip())
        raise ConfigError(f"{name} must be a whole number, not {value!r}")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be text, not {value!r}")
    return value


def load_toml(path: str | os.PathLike, what: str = "config file") -> dict[str, Any]:
    """A TOML file's content; anything wrong with the file is one ConfigError line."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{what} {path} cannot be read: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{what} {path} is not valid TOML: {err}") from None


# tables of the config file that other parts of the harness read (lint's rule selection)
OTHER_TABLES = ("lint",)


def read_toml(path: str | os.PathLike) -> dict[str, Any]:
    """Settings from a TOML file: top-level keys, or the same keys under [lab]."""
    data = load_toml(path)
    top = {k: v for k, v in data.items() if k != "lab" and k not in OTHER_TABLES}
    lab = data.get("lab", {})
    if not isinstance(lab, dict):
        raise ConfigError(f"config file {path}: [lab] must be a table of settings, not {lab!r}")
    return {**top, **lab}


def from_env(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        key[len(ENV_PREFIX):].lower(): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX):].lower() in _FIELDS
    }


def load(
    config: str | os.PathLike | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Settings from defaults < TOML file < environment < explicit overrides (None = not given)."""
    environ = os.environ if environ is None else environ
    config = config or environ.get(ENV_PREFIX + "CONFIG")
    layers = [read_toml(config) if config else {}, from_env(environ),
              {k: v for k, v in overrides.items() if v is not None}]
    merged: dict[str, Any] = {}
    for layer in layers:
        for name, value in layer.items():
            if name not in _FIELDS:
                known = ", ".join(sorted(_FIELDS))
                raise ConfigError(f"unknown setting {name!r}; known settings: {known}")
            merged[name] = _coerce(name, value)
    return Settings(**merged)
