"""Every name and knob of the tutorial, typed, with the tutorial's values as defaults.

Precedence (lowest first): defaults, a TOML file, PIPELINE_HARNESS_* environment variables,
command-line / pytest options.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline_harness.errors import ConfigError

ENV_PREFIX = "PIPELINE_HARNESS_"
TAG_RUN_ID = "pipeline-harness:run-id"
TAG_CREATED_AT = "pipeline-harness:created-at"
TUTORIAL_ENV_VARS = ("AWS_ACCOUNT_ID", "AWS_DEFAULT_REGION", "IMAGE_REPO_NAME", "CONTAINER_NAME")


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
        if self.endpoint_url is not None:
            _check_endpoint(self.endpoint_url)
        if self.target not in ("moto", "localstack", "aws"):
            raise ConfigError(f"target must be moto, localstack or aws, not {self.target!r}")
        if self.pipeline_type not in ("V1", "V2"):
            raise ConfigError(f"pipeline_type must be V1 or V2, not {self.pipeline_type!r}")
        if self.prefix and not all(c.isalnum() or c == "-" for c in self.prefix):
            raise ConfigError(f"prefix may hold only letters, digits and '-', not {self.prefix!r}")
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


def _check_endpoint(url: str) -> None:
    """An endpoint is an http(s) URL with a host: botocore's own complaint would be a traceback."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ConfigError(f"endpoint URL must be http(s)://host[:port], not {url!r}")


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
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
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
    return {**top, **data.get("lab", {})}


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
