"""A service's deployment history: did the circuit breaker already roll an image back?

`describe_services` only shows the deployments still running, so once a rollback has finished the
failed deployment is gone from it. ECS keeps service deployments (ListServiceDeployments) with
their status and reason, and each one's target service revision names its container images
(DescribeServiceRevisions) — enough to tell that the rolled-back one carried the image we wait for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import botocore.exceptions

from pipeline_harness.waits.tally import Tally

ROLLED_BACK = ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
OPERATIONS = ("ListServiceDeployments", "DescribeServiceRevisions")
REVISIONS_PER_CALL = 20  # DescribeServiceRevisions' limit
# what a server answers for an operation it does not have
_UNSERVED_CODES = frozenset({"UnknownOperationException", "InvalidAction", "NotImplemented",
                             "UnsupportedOperation"})


@dataclass(frozen=True)
class Rollback:
    """One service deployment the circuit breaker rolled back."""

    deployment: str
    status: str
    reason: str
    finished: datetime | None = None

    def __str__(self) -> str:
        when = f" at {self.finished:%Y-%m-%d %H:%M:%S %Z}".rstrip() if self.finished else ""
        return f"service deployment {self.deployment} {self.status}{when}: {self.reason or 'no reason given'}"


def failing(deployment: dict) -> bool:
    """A describe_services deployment whose tasks keep failing (the circuit breaker counts them,
    `failedTasks`) or that the breaker failed."""
    return deployment.get("failedTasks", 0) > 0 or deployment.get("rolloutState") == "FAILED"


def rolled_back_to(deployment: dict) -> bool:
    """The circuit breaker is rolling the service back to this deployment: its rolloutStateReason
    says so while it is IN_PROGRESS (as `aws ecs describe-services` shows in tests/data/ecs)."""
    reason = str(deployment.get("rolloutStateReason", "")).lower()
    return deployment.get("rolloutState") == "IN_PROGRESS" and "circuit breaker" in reason


class History:
    """Reads a service's rolled-back deployments; stops asking a target that does not serve them."""

    def __init__(self, tally: Tally, cluster: str, service: str):
        self.tally, self.cluster, self.service = tally, cluster, service
        self.unserved = next(filter(None, (tally.gap("ecs", op) for op in OPERATIONS)), None)

    def rollback_of(self, carries: Callable[[dict], bool]) -> Rollback | None:
        """The newest rolled-back deployment whose target revision has a container image (a
        DescribeServiceRevisions containerImages entry) that `carries` accepts."""
        if self.unserved:
            return None
        try:
            return self._find(carries)
        except botocore.exceptions.ClientError as err:
            # history only adds to what describe_services shows: without it the wait goes on
            error = err.response.get("Error", {})
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            self.unserved = (f"{self.tally.target.name} does not serve ECS service deployments"
                             if error.get("Code") in _UNSERVED_CODES or status == 501
                             else f"service deployments unreadable: {error.get('Code', err)}")
            return None

    def _find(self, carries: Callable[[dict], bool]) -> Rollback | None:
        ecs = self.tally.client("ecs")
        listed = ecs.list_service_deployments(cluster=self.cluster, service=self.service,
                                              status=list(ROLLED_BACK)).get("serviceDeployments", [])
        listed = sorted(listed, key=_started, reverse=True)[:REVISIONS_PER_CALL]
        wanted = [d["targetServiceRevisionArn"] for d in listed if d.get("targetServiceRevisionArn")]
        if not wanted:
            return None
        revisions = ecs.describe_service_revisions(serviceRevisionArns=wanted).get("serviceRevisions", [])
        ours = {r["serviceRevisionArn"] for r in revisions
                if any(carries(image) for image in r.get("containerImages", []))}
        found = next((d for d in listed if d.get("targetServiceRevisionArn") in ours), None)
        if found is None:
            return None
        return Rollback(found["serviceDeploymentArn"], found["status"], found.get("statusReason", ""),
                        found.get("finishedAt"))


def _started(deployment: dict) -> float:
    at = deployment.get("createdAt") or deployment.get("startedAt")
    return at.timestamp() if at else 0.0
