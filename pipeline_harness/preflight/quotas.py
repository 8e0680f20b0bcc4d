"""Is there room in the account for what the run makes? Service Quotas' value for each quota the run
draws on (`probes.QUOTAS`), against the account's current use where one listing counts it, and the
run's own need: one VPC, one ALB, Fargate vCPUs for the service's tasks during a rolling deployment
(twice the desired count, ECS's default maximumPercent of 200), no Elastic IP (tasks take a public IP
of their own, the ALB AWS's; the lab has no NAT gateway).
"""

from __future__ import annotations

from collections.abc import Callable

import botocore

from pipeline_harness.core.errors import AWS_ERRORS, first_line
from pipeline_harness.preflight.lines import line
from pipeline_harness.preflight.probes import QUOTA_SERVICE, QUOTAS, Quota
from pipeline_harness.steps import PREREQUISITES, prerequisites
from pipeline_harness.steps.base import CheckResult
from pipeline_harness.targets.context import Context

DEPLOYMENT_PEAK = 2  # ECS's default maximumPercent (200): old and new tasks side by side
_COUNTED = {"DescribeVpcs": "Vpcs", "DescribeAddresses": "Addresses",
            "DescribeLoadBalancers": "LoadBalancers"}
_APPLICATION = {"DescribeLoadBalancers": lambda lb: lb.get("Type") == "application"}


def fargate_vcpus(desired_count: int) -> float:
    return int(prerequisites.TASK_CPU) / 1024 * desired_count * DEPLOYMENT_PEAK


def need(ctx: Context, quota: Quota) -> float:
    """What the run adds: nothing of the prerequisites when they are the user's own."""
    if not ctx.makes_prerequisites:
        return 0
    return {"vpcs": 1, "albs": 1, "elastic-ips": 0,
            "fargate-vcpu": fargate_vcpus(ctx.settings.desired_count)}[quota.key]


def check(ctx: Context) -> list[CheckResult]:
    return [_quota(ctx, quota) for quota in QUOTAS]


def _quota(ctx: Context, quota: Quota) -> CheckResult:
    check_id, title = f"quota.{quota.key}", f"Room for the run in “{quota.title}”"
    reason = ctx.target.gap(QUOTA_SERVICE)
    if reason:
        return line(check_id, PREREQUISITES, title, "skip", f"skipped: {reason}")
    try:
        value = _value(ctx, quota)
        used = _usage(ctx, quota)
    except AWS_ERRORS as err:
        return line(check_id, PREREQUISITES, title, "error", f"could not read it: {first_line(err)}")
    wanted = need(ctx, quota)
    seen = (f"{_n(used)} of {_n(value)} in use" if used is not None
            else f"quota {_n(value)} ({quota.usage_note})")
    if (used or 0) + wanted > value:
        return line(check_id, PREREQUISITES, title, "fail", f"{seen}; the run needs {_n(wanted)} more",
                    f"free some, or ask for more: Service Quotas → {quota.service_code} → {quota.title} "
                    f"({quota.quota_code})")
    return line(check_id, PREREQUISITES, title, "pass", f"{seen}; the run needs {_n(wanted)}")


def _value(ctx: Context, quota: Quota) -> float:
    """The quota applied to the account; AWS's default where the account never had one applied."""
    client = ctx.client(QUOTA_SERVICE)
    codes = {"ServiceCode": quota.service_code, "QuotaCode": quota.quota_code}
    try:
        return float(client.get_service_quota(**codes)["Quota"]["Value"])
    except client.exceptions.NoSuchResourceException:
        return float(client.get_aws_default_service_quota(**codes)["Quota"]["Value"])


def _usage(ctx: Context, quota: Quota) -> int | None:
    if quota.usage is None:
        return None
    service, operation = quota.usage
    client = ctx.client(service)
    keep: Callable[[dict], bool] = _APPLICATION.get(operation, lambda item: True)
    method = botocore.xform_name(operation)
    if client.can_paginate(method):
        pages = client.get_paginator(method).paginate()
    else:
        pages = [getattr(client, method)()]
    return sum(1 for page in pages for item in page.get(_COUNTED[operation], []) if keep(item))


def _n(value: float) -> str:
    return f"{value:g}"
