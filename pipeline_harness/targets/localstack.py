"""LocalStack: what an instance serves, read from its own health and info endpoints at start."""

from __future__ import annotations

import os
from collections.abc import Mapping

import requests
from localstack_client import config as localstack_config

from pipeline_harness.core.errors import ConfigError, TargetUnreachable
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Capabilities, Quirks, Target

HEALTH_PATH = "/_localstack/health"
INFO_PATH = "/_localstack/info"
TIMEOUT = (3.05, 10)  # connect, read (seconds): a healthy instance answers both in milliseconds
SERVED_STATES = frozenset({"available", "running"})

# The lab's services in the tutorial's order, as botocore names them. LocalStack's health keys are
# the same names: its providers load botocore's service specs by them ('logs', 'elbv2', ...).
LAB_SERVICES = (
    "ecr", "codestar-connections", "codeconnections", "s3", "iam", "sts", "logs", "codebuild",
    "codepipeline", "ec2", "elbv2", "ecs",
)
_PAID = "a LocalStack paid plan"
PLANS = {
    "ecr": ("ECR", _PAID),
    "ecs": ("ECS", _PAID),
    "elbv2": ("ELBv2", _PAID),
    "codebuild": ("CodeBuild", _PAID),
    "codeconnections": ("CodeConnections", _PAID),
    "codestar-connections": ("CodeStar Connections", _PAID),
    "codepipeline": (
        "CodePipeline", "LocalStack's top (Ultimate) plan, which runs V1 pipelines only"),
}
MISSING = {
    # localstack-core 2026.3.0 answers InternalError: 'NoneType' object is not iterable
    "iam": {"SimulatePrincipalPolicy": "LocalStack's IAM fails SimulatePrincipalPolicy"},
}
# AWS behaviour (the defaults) as far as measured: what it serves, it runs; the rest answers 501.
# Its load balancers' names are under localhost.localstack.cloud, which resolves to 127.0.0.1.
QUIRKS = Quirks(load_balancers_on_loopback=True)

_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def localstack_endpoint(environ: Mapping[str, str] | None = None) -> str:
    """The endpoint by localstack-client's rules: AWS_ENDPOINT_URL, else LOCALSTACK_HOST, else
    localhost:4566 (https when USE_SSL is set)."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("AWS_ENDPOINT_URL", "").strip()
    if explicit:
        return explicit
    given = environ.get("LOCALSTACK_HOST", f"localhost:{localstack_config.DEFAULT_EDGE_PORT}")
    try:
        host, port = localstack_config.parse_localstack_host(given)
    except RuntimeError:
        raise ConfigError(f"LOCALSTACK_HOST must be host or host:port, not {given!r}") from None
    scheme = "https" if environ.get("USE_SSL") in ("1", "true") else "http"
    return f"{scheme}://{host}:{port}"


def _get_json(session: requests.Session, endpoint_url: str, path: str) -> dict:
    url = endpoint_url.rstrip("/") + path
    try:
        response = session.get(url, timeout=TIMEOUT)
    except requests.RequestException as err:
        raise TargetUnreachable(
            f"LocalStack does not answer at {endpoint_url} ({type(err).__name__}); start it with "
            "`.ci/localstack start` or point AWS_ENDPOINT_URL / LOCALSTACK_HOST at it"
        ) from None
    try:
        body = response.json() if response.ok else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TargetUnreachable(
            f"{endpoint_url} answers, but not as LocalStack: GET {path} gave HTTP "
            f"{response.status_code} without a JSON object"
        )
    return body


def _served(states: Mapping[str, str]) -> frozenset[str]:
    return frozenset(name for name, state in states.items() if state in SERVED_STATES)


def _instance(info: Mapping) -> str:
    """'community 2026.3.0': the host-run core reports edition 'unknown' and no licence."""
    edition = info.get("edition") or "unknown"
    if edition == "unknown" and not info.get("is_license_activated"):
        edition = "community"
    return f"{edition} {info.get('version') or '(version unknown)'}"


def _serves(served: frozenset[str]) -> str:
    """The lab's services it serves first (the reader's question), then how many others."""
    lab = [s for s in LAB_SERVICES if s in served]
    others = len(served) - len(lab)
    listed = ", ".join(lab) or "none of the lab's services"
    return f"{listed} and {others} other services" if others else listed


def _reasons(served: frozenset[str], states: Mapping[str, str], tail: str) -> dict[str, str]:
    """A reason per lab service it doesn't serve: the plan that has it, or the state it is in."""
    reasons = {}
    for service in LAB_SERVICES:
        if service in served:
            continue
        state = states.get(service)
        if state is not None:
            reasons[service] = f"LocalStack reports {service} as {state!r}; {tail}"
        elif service in PLANS:
            title, plan = PLANS[service]
            reasons[service] = f"{title} needs {plan}; {tail}"
    return reasons


def localstack_capabilities(
    endpoint_url: str, session: requests.Session | None = None
) -> Capabilities:
    """What the LocalStack at endpoint_url serves, from /_localstack/health and /_localstack/info.

    Raises TargetUnreachable (exit 3) when nothing answers there, or something else than LocalStack.
    """
    session = session or requests.Session()
    health = _get_json(session, endpoint_url, HEALTH_PATH)
    info = _get_json(session, endpoint_url, INFO_PATH)
    states = health.get("services") or {}
    served = _served(states)
    tail = f"this instance ({_instance(info)}) serves {_serves(served)}"
    # the template is str.format-ed with the service name; braces from the server stay literal
    literal_tail = tail.replace("{", "{{").replace("}", "}}")
    return Capabilities(
        services=served,
        missing={service: ops for service, ops in MISSING.items() if service in served},
        unserved_reason="LocalStack does not serve {service}; " + literal_tail,
        unserved=_reasons(served, states, tail),
    )


def connect(region: str, endpoint_url: str | None = None) -> Target:
    """A Target on a running LocalStack (found by localstack-client's rules unless given)."""
    endpoint_url = endpoint_url or localstack_endpoint()
    return Target(
        name="localstack", region=region, endpoint_url=endpoint_url,
        session=sessions.session(region, **_CREDENTIALS),
        capabilities=localstack_capabilities(endpoint_url), quirks=QUIRKS,
    )
