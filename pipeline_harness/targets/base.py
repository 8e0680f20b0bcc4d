"""What a target is: an endpoint, credentials, what it serves, and its quirks — as data."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from dataclasses import dataclass, field

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers
from botocore.client import BaseClient
from botocore.model import OperationModel

from pipeline_harness.core.errors import ConfigError, NotAllowed, TargetUnreachable, Unsupported, first_line
from pipeline_harness.targets import sessions
from pipeline_harness.targets.operations import changes_nothing

ALLOW_LIST_GUARD_ID = "pipeline-harness-allow-list"


@dataclass(frozen=True)
class Capabilities:
    """Which services a target serves, and operations it lacks within them (with the reason)."""

    services: frozenset[str] | None = None  # None: every service
    missing: dict[str, dict[str, str]] = field(default_factory=dict)  # service -> op -> reason
    unserved_reason: str = "the target does not serve {service}"
    unserved: dict[str, str] = field(default_factory=dict)  # service -> a more specific reason

    def gap(self, service: str, operation: str | None = None) -> str | None:
        """The reason the target can't serve this, or None when it can."""
        if self.services is not None and service not in self.services:
            return self.unserved.get(service) or self.unserved_reason.format(service=service)
        if operation is not None:
            return self.missing.get(service, {}).get(operation)
        return None


@dataclass(frozen=True)
class Quirks:
    """Known deviations of an emulator from AWS, declared once per target."""

    # moto's create_project wants a location even for CODEPIPELINE source/artifacts
    codebuild_pipeline_location: str | None = None
    # stands in for a connection ARN where the target has no connections API
    placeholder_connection_arn: str | None = None
    # prerequisites (VPC, ALB, ECS) are made by the harness unless the user has them
    creates_prerequisites: bool = True
    # a started pipeline execution finishes at once without running anything
    pipeline_runs_nothing: bool = False
    # deleted load balancers and services vanish at once, so teardown need not wait for them
    deletion_is_instant: bool = False
    # why services start no tasks and load balancers answer no HTTP (None: they do)
    runs_no_workloads: str | None = None
    # load balancers' DNS names resolve to this machine (127.0.0.0/8, ::1), so the grader may read
    # the app there; on AWS it reads only public addresses
    load_balancers_on_loopback: bool = False
    # kinds (registry keys) whose create call can't carry tags: tagged by a second call, journaled
    tagged_after_create: frozenset[str] = frozenset()
    # real money and real users: creating, changing or deleting anything needs an explicitly
    # allowed account — checked before the first such call, and refused by every client
    needs_allowed_account: bool = False


@dataclass
class Target:
    """An AWS-compatible endpoint the harness talks to, with one boto3 client per service.

    Where the quirks need the allow-list, every client refuses any operation that changes
    something (all but reads and sts:AssumeRole) before it is sent, unless the caller's account is
    in `allowed_accounts` — so no path that creates or deletes can forget the check.
    """

    name: str
    region: str
    endpoint_url: str | None = None
    session: boto3.Session | None = None
    capabilities: Capabilities = field(default_factory=Capabilities)
    quirks: Quirks = field(default_factory=Quirks)
    # the accounts the harness may change (the settings' allowed_accounts); read-only work needs none
    allowed_accounts: frozenset[str] = frozenset()
    client_config: botocore.config.Config = field(
        default_factory=lambda: botocore.config.Config(
            # standard mode's 3 attempts, unless AWS_MAX_ATTEMPTS (or the profile) says otherwise
            retries={"mode": "standard"}, connect_timeout=5, read_timeout=30
        )
    )
    calls: Counter = field(default_factory=Counter)
    _clients: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _account: str | None = None

    def client(self, service: str) -> BaseClient:
        """The cached client for a service; every API call it makes is counted in `calls`."""
        with self._lock:
            if service not in self._clients:
                session = self.session or sessions.session(self.region)
                made = session.client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=self.client_config,
                )
                made.meta.events.register("before-call", self._count)
                if self.quirks.needs_allowed_account:  # the first event of a call, before a Stubber
                    made.meta.events.register_first("provide-client-params", self._refuse_unless_allowed,
                                                    unique_id=ALLOW_LIST_GUARD_ID)
                self._clients[service] = made
            return self._clients[service]

    def _count(self, model: OperationModel, **_: object) -> None:
        self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def _refuse_unless_allowed(self, model: OperationModel, **_: object) -> None:
        """botocore handler: a call that would change the account waits for the allow-list."""
        if not changes_nothing(model.name):
            self.require_allowed_account(f"{model.service_model.service_name}.{model.name}")

    def require_allowed_account(self, refused: str | None = None) -> None:
        """NotAllowed (a ConfigError: exit 2), before anything is sent, unless this target may change
        the account: its quirks do not need the allow-list, or the account is in it."""
        if not self.quirks.needs_allowed_account or self.account in self.allowed_accounts:
            return
        before = f" (refused {refused} before sending it)" if refused else ""
        raise NotAllowed(f"account {self.account} is not in the allow-list; nothing was created{before}. "
                          "Set PIPELINE_HARNESS_ALLOWED_ACCOUNTS (or allowed_accounts in the config) "
                          "to the sandbox accounts the harness may provision in")

    def gap(self, service: str, operation: str | None = None) -> str | None:
        return self.capabilities.gap(service, operation)

    def require(self, service: str, operation: str | None = None) -> None:
        """Raise Unsupported with the target's reason when it can't serve this."""
        reason = self.gap(service, operation)
        if reason:
            raise Unsupported(f"{self.name}: {reason}")

    @property
    def account(self) -> str:
        """The caller's account id (STS), read once; no answer means unreachable or no credentials."""
        if self._account is None:
            self._account = self._caller_account()
        return self._account

    def _caller_account(self) -> str:
        where = self.endpoint_url or "AWS"
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except botocore.exceptions.NoCredentialsError as err:
            raise TargetUnreachable(
                f"no AWS credentials for target {self.name} — set a profile or AWS_* variables"
            ) from err
        except botocore.exceptions.EndpointConnectionError as err:
            raise TargetUnreachable(f"target {self.name} does not answer at {where}: {err}") from err
        except botocore.exceptions.ClientError as err:
            raise TargetUnreachable(f"target {self.name} refused the credentials: {err}") from err
        except ValueError as err:
            # botocore refusing the endpoint URL or a setting (AWS_MAX_ATTEMPTS=abc), or a
            # credential_process that prints no JSON: the configuration, not the endpoint
            raise ConfigError(f"target {self.name}: {first_line(err)}") from err
        except (botocore.exceptions.BotoCoreError, botocore.parsers.ResponseParserError, KeyError,
                TypeError) as err:
            # a dropped or timed-out connection, TLS trouble, or an answer that is not AWS's
            raise TargetUnreachable(
                f"target {self.name} at {where} does not answer as AWS does "
                f"({type(err).__name__}: {first_line(err)})") from err

    def with_session(self, session: boto3.Session) -> Target:
        """The same target reached with other credentials (e.g. a student's role)."""
        return dataclasses.replace(self, session=session, calls=Counter(), _clients={}, _account=None,
                                   _lock=threading.Lock())

    def close(self) -> None:
        """Release what the target started; the base target started nothing."""
