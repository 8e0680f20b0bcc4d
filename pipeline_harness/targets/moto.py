"""moto: the embedded server the harness starts itself, or one someone else runs."""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import boto3
from moto.settings import load_iam_aws_managed_policies

from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Capabilities, Quirks, Target

_NO_CONNECTIONS = "moto has no CodeStar Connections / CodeConnections API"
_NOT_IN_MOTO = "moto does not implement {op}"

CAPABILITIES = Capabilities(
    services=frozenset({
        "s3", "iam", "sts", "logs", "ecr", "ec2", "elbv2", "ecs", "codebuild", "codepipeline",
        "events", "sqs",
    }),
    missing={
        "codepipeline": {op: _NOT_IN_MOTO.format(op=op) for op in (
            "GetPipelineState", "ListActionExecutions", "StopPipelineExecution")},
        "iam": {"SimulatePrincipalPolicy": _NOT_IN_MOTO.format(op="SimulatePrincipalPolicy")},
        "codebuild": {"UpdateProject": _NOT_IN_MOTO.format(op="UpdateProject")},
        "ecs": {op: _NOT_IN_MOTO.format(op=op) for op in (
            "ListServiceDeployments", "DescribeServiceRevisions")},
    },
    unserved_reason="moto does not serve {service}",
    unserved={"codestar-connections": _NO_CONNECTIONS, "codeconnections": _NO_CONNECTIONS},
)

QUIRKS = Quirks(
    codebuild_pipeline_location="codepipeline",
    placeholder_connection_arn=(
        "arn:aws:codestar-connections:{region}:{account_id}:connection/placeholder-moto"
    ),
    creates_prerequisites=True,
    pipeline_runs_nothing=True,
    deletion_is_instant=True,
    tagged_after_create=frozenset({"artifact_bucket"}),  # moto refuses Tags in CreateBucketConfiguration
    runs_no_workloads="moto's ECS services never start tasks and its load balancers serve no traffic",
)

# moto reads these when its backends are first built, so they must be set before the server starts
_SERVER_ENV = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
# werkzeug logs every request and each handler's traceback; moto and flask warn on their own
_SERVER_LOGGERS = ("werkzeug", "moto", "flask.app")
_FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedMoto(Target):
    """A moto server in this process on a free 127.0.0.1 port, stopped by close().

    What the server says (access lines, the tracebacks of requests it can't answer) goes to a log
    file, never to the user's terminal: `log_path`, removed at close when it stayed empty.
    """

    _server: Any = None
    _log: logging.Handler | None = None
    log_path: Path | None = None

    def start(self) -> EmbeddedMoto:
        from moto.server import ThreadedMotoServer

        os.environ.update(_SERVER_ENV)
        _parse_managed_policies_once()
        port = _free_port()
        self._quiet(port)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        self.endpoint_url = f"http://127.0.0.1:{port}"
        return self

    def _quiet(self, port: int) -> None:
        directory = Path(tempfile.gettempdir()) / "pipeline-harness"
        directory.mkdir(parents=True, exist_ok=True)
        self.log_path = directory / f"moto-{os.getpid()}-{port}.log"
        self._log = logging.FileHandler(self.log_path, delay=True)
        for name in _SERVER_LOGGERS:
            logger = logging.getLogger(name)
            logger.addHandler(self._log)
            logger.propagate = False
            logger.setLevel(logging.WARNING)  # no access line per call; errors and warnings kept

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._log is not None:
            for name in _SERVER_LOGGERS:
                logging.getLogger(name).removeHandler(self._log)
            self._log.close()
            self._log = None
            if self.log_path and self.log_path.exists() and not self.log_path.stat().st_size:
                self.log_path.unlink()


_PARSED: list[bool] = []  # once per process


def _parse_managed_policies_once() -> None:
    """moto parses the JSON of its 1,582 AWS managed policies again for every account it meets
    (0.5 s of a new account's 0.8 s); the embedded server parses it once and builds from that."""
    from moto.iam import models

    if _PARSED or not hasattr(models, "aws_managed_policies_data"):
        return
    parsed = json.loads(models.aws_managed_policies_data)
    _PARSED.append(True)

    def aws_policies(backend: Any) -> list:
        if not load_iam_aws_managed_policies():
            return []
        return [models.AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
                for name, data in parsed.items()]

    # replacing a method of moto's backend class is the point: it is moto's own per-account hook
    models.IAMBackend._init_aws_policies = aws_policies  # type: ignore[method-assign,assignment]


def _session(region: str) -> boto3.Session:
    return sessions.session(region, **_FAKE_CREDENTIALS)


def embedded(region: str) -> EmbeddedMoto:
    return EmbeddedMoto(
        name="moto", region=region, session=_session(region),
        capabilities=CAPABILITIES, quirks=QUIRKS,
    ).start()


def external(region: str, endpoint_url: str) -> Target:
    """A moto server someone else started (give it MOTO_IAM_LOAD_MANAGED_POLICIES=true)."""
    return Target(
        name="moto", region=region, endpoint_url=endpoint_url, session=_session(region),
        capabilities=CAPABILITIES, quirks=QUIRKS,
    )
