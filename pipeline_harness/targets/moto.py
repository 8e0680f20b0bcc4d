"""moto: the embedded server the harness starts itself, or one someone else runs."""

from __future__ import annotations

import logging
import os
import socket

import boto3

from pipeline_harness.targets.base import Capabilities, Quirks, Target

_NO_CONNECTIONS = "moto has no CodeStar Connections / CodeConnections API"
_NOT_IN_MOTO = "moto does not implement {op}"

CAPABILITIES = Capabilities(
    services=frozenset({
        "s3", "iam", "sts", "logs", "ecr", "ec2", "elbv2", "ecs", "codebuild", "codepipeline",
    }),
    missing={
        "codepipeline": {op: _NOT_IN_MOTO.format(op=op) for op in (
            "GetPipelineState", "ListActionExecutions", "StopPipelineExecution")},
        "iam": {"SimulatePrincipalPolicy": _NOT_IN_MOTO.format(op="SimulatePrincipalPolicy")},
        "codebuild": {"UpdateProject": _NOT_IN_MOTO.format(op="UpdateProject")},
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
    pipeline_name_in_use="InvalidStructureException",
    runs_no_workloads="moto's ECS services never start tasks and its load balancers serve no traffic",
)

# moto reads these when its backends are first built, so they must be set before the server starts
_SERVER_ENV = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
_FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedMoto(Target):
    """A moto server in this process on a free 127.0.0.1 port, stopped by close()."""

    def start(self) -> EmbeddedMoto:
        from moto.server import ThreadedMotoServer

        os.environ.update(_SERVER_ENV)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access line per call drowns reports
        port = _free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        self.endpoint_url = f"http://127.0.0.1:{port}"
        return self

    def close(self) -> None:
        server = getattr(self, "_server", None)
        if server is not None:
            server.stop()
            self._server = None


def _session(region: str) -> boto3.Session:
    return boto3.Session(region_name=region, **_FAKE_CREDENTIALS)


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
