"""How soon a new task can pass the ALB's health checks: the span the ECS waits may sleep through.

A target turns healthy after HealthyThresholdCount checks in a row, HealthCheckIntervalSeconds
apart; the first may come at once, so (count − 1) × interval after it registers is the soonest.
That is read from the service's own target groups, not assumed; when the tasks registered is
read from the service's events.
"""

from __future__ import annotations

import email.utils
import re

from pipeline_harness.core.errors import AWS_ERRORS
from pipeline_harness.waits.tally import Tally

_REGISTERED = re.compile(r"\bregistered \d+ targets? in \(target-group")


class HealthChecks:
    """The soonest-healthy span of a service's target groups, read once per set of groups."""

    def __init__(self, tally: Tally):
        self.tally = tally
        self.known: dict[tuple[str, ...], float] = {}

    def soonest_healthy(self, target_groups: tuple[str, ...]) -> float:
        """Seconds from a task's registration to the soonest all its groups can call it healthy;
        0 when the service has no load balancer or its groups can't be read."""
        if not target_groups or self.tally.gap("elbv2", "DescribeTargetGroups"):
            return 0.0
        if target_groups not in self.known:
            self.known[target_groups] = self._read(target_groups)
        return self.known[target_groups]

    def _read(self, target_groups: tuple[str, ...]) -> float:
        try:
            groups = self.tally.client("elbv2").describe_target_groups(
                TargetGroupArns=list(target_groups))["TargetGroups"]
        except AWS_ERRORS:
            return 0.0  # only the schedule needs it: without it the wait polls at its budget's pace
        return max(((g.get("HealthyThresholdCount", 1) - 1) * g.get("HealthCheckIntervalSeconds", 0)
                    for g in groups), default=0.0)


def target_groups(service: dict) -> tuple[str, ...]:
    """The target groups a described ECS service registers its tasks in."""
    return tuple(sorted({lb["targetGroupArn"] for lb in service.get("loadBalancers", [])
                         if lb.get("targetGroupArn")}))


def registered_ago(answer: dict, service: dict) -> float | None:
    """Seconds since the service last registered targets for its PRIMARY deployment — its service
    event "(service …) registered N targets in (target-group …)" — by the answer's own Date
    header, so the wait's clock and AWS's need not agree. None when either is missing."""
    date = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    primary = next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)
    if not date or primary is None:
        return None
    since = primary.get("createdAt")
    times = [e["createdAt"] for e in service.get("events", [])
             if _REGISTERED.search(e.get("message", "")) and e.get("createdAt")
             and (since is None or e["createdAt"] >= since)]
    if not times:
        return None
    return max(0.0, (email.utils.parsedate_to_datetime(date) - max(times)).total_seconds())
