"""moto: the embedded server the harness starts itself, or one someone else runs."""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import tempfile
from datetime import datetime
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
        # an image's config blob: its layers' content is not kept
        "ecr": {"GetDownloadUrlForLayer": _NOT_IN_MOTO.format(op="GetDownloadUrlForLayer")},
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
    load_balancers_on_loopback=True,  # a server run alongside moto stands for the app
)

# moto reads these whenever it makes an account's backends, so they are set before the server starts
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

        prepare_process()
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


def prepare_process() -> None:
    """What any moto server in this process needs before its first request. moto's backends are
    the process's, shared by every server in it, and it reads these settings each time it makes an
    account's backends: a server started without them makes accounts without the AWS managed
    policies, for every other server of the process too. So they are set for good, never restored."""
    os.environ.update(_SERVER_ENV)
    _tune_once()


_TUNED: list[bool] = []  # once per process: moto's state and code are the process's


def _tune_once() -> None:
    """Three of moto's per-call and per-account costs, paid once instead (what the API answers is
    unchanged): a suite that works in a fresh account per test otherwise spends most of its time here."""
    if _TUNED:
        return
    _TUNED.append(True)
    _managed_policies_from_one_parse()
    _account_lookup_in_partitions_made()
    _dispatch_lookups_cached()


def _managed_policies_from_one_parse() -> None:
    """moto parses the JSON of its 1,582 AWS managed policies, and serialises each document again,
    for every IAM backend it makes (50 ms of a backend's 60); here both are done once per process."""
    from moto.iam import models

    if not hasattr(models, "aws_managed_policies_data"):
        return
    made = [(name, data.get("DefaultVersionId"), data.get("Path"), json.dumps(data.get("Document")),
             datetime.fromisoformat(data["CreateDate"]), datetime.fromisoformat(data["UpdateDate"]))
            for name, data in json.loads(models.aws_managed_policies_data).items()]

    policy: Any = models.AWSManagedPolicy  # its from_data, minus the parsing

    def aws_policies(backend: Any) -> list:
        if not load_iam_aws_managed_policies():
            return []
        return [policy(name, account_id=backend.account_id, region=backend.region_name,
                       default_version_id=version, path=path, document=document,
                       create_date=created, update_date=updated)
                for name, version, path, document, created, updated in made]

    # replacing a method of moto's backend class is the point: it is moto's own per-account hook
    models.IAMBackend._init_aws_policies = aws_policies  # type: ignore[method-assign,assignment]


def _account_lookup_in_partitions_made() -> None:
    """Every request looks its access key up in each account's IAM backend of every partition, and
    moto makes a backend (managed policies and all) for each partition it is asked about: six per
    account, of which a run uses one. A key can only be in a backend that exists, so the lookup
    reads only those."""
    from moto.iam import models

    def account_of(access_key: str) -> str:
        for account_id, account in list(models.iam_backends.items()):
            if any(access_key in backend.access_keys for backend in list(dict.values(account))):
                return account_id
        return models.DEFAULT_ACCOUNT_ID

    models.get_account_id_from = account_of  # moto imports it at each call, from here


def _dispatch_lookups_cached() -> None:
    """Per request, moto finds the service by matching the host against every backend's URL
    patterns, and the handler by listing its response class's members: both depend only on their
    argument."""
    from moto.core import responses
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    names_of = responses.method_names_from_class

    @functools.cache
    def method_names(clazz: object) -> frozenset[str]:
        return frozenset(names_of(clazz))

    responses.method_names_from_class = method_names  # type: ignore[assignment]
    DomainDispatcherApplication.get_backend_for_host = functools.cache(  # type: ignore[method-assign]
        DomainDispatcherApplication.get_backend_for_host)


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
