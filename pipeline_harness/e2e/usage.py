"""What a nightly run kept running, and for how long — from the run's own timings and the settings the
resources were made with — and an ESTIMATE of what that costs, from a small price table.

The window is from the start of provisioning to the end of teardown: nothing the run makes can run
longer, so the ALB, Fargate and public IPv4 hours are upper bounds (the service's task, say, runs only
once its first image is pulled). CodeBuild minutes and CodePipeline action minutes are the pipeline's
own stage durations, rounded up to whole minutes per stage; ECR storage is what the repository held
after the image was pushed (every image manifest, shared layers counted once per image: an upper bound),
kept until teardown. Nothing here reads a bill: Cost Explorer would, a day later.
"""

from __future__ import annotations

import math
from typing import Any

from pipeline_harness.e2e.run_report import Timed
from pipeline_harness.settings import Settings
from pipeline_harness.steps import prerequisites

HOURS_PER_MONTH = 730  # AWS's pricing pages price a month as 730 hours
# On-demand list prices in us-east-1 (US East, N. Virginia), in US dollars, as the AWS pricing pages
# state them (aws.amazon.com/elasticloadbalancing/pricing, /fargate/pricing, /codebuild/pricing,
# /vpc/pricing (public IPv4 and NAT gateway), /ecr/pricing, /codepipeline/pricing), looked up on the
# date below. Other regions differ; the estimate says which table it used.
PRICES: dict[str, Any] = {
    "region": "us-east-1",
    "date": "2026-12-07",
    "currency": "USD",
    "alb_hour": 0.0225,  # per ALB-hour, "each hour or partial hour"; LCUs not counted (a few requests)
    "fargate_vcpu_hour": 0.04048,  # Linux/x86 (the task definition names no ARM platform)
    "fargate_gb_hour": 0.004445,
    "public_ipv4_hour": 0.005,  # every public IPv4 address, in use or not
    "nat_gateway_hour": 0.045,
    "codebuild_minute": {"BUILD_GENERAL1_SMALL": 0.005, "BUILD_GENERAL1_MEDIUM": 0.01,
                         "BUILD_GENERAL1_LARGE": 0.02},
    "codepipeline_v2_action_minute": 0.002,  # V1 is billed per active pipeline per month instead
    "ecr_gb_month": 0.10,
}
_INDEX_TYPES = frozenset({"application/vnd.oci.image.index.v1+json",
                          "application/vnd.docker.distribution.manifest.list.v2+json"})


def stored_bytes(images: list[dict]) -> int:
    """What a repository's images take: each image manifest's size; an index (a manifest list) is
    reported as its largest image, which is counted already."""
    return sum(int(image.get("imageSizeInBytes", 0)) for image in images
               if image.get("imageManifestMediaType") not in _INDEX_TYPES)


def of_run(phases: list, waits: list, stages: dict[str, dict], stored: int | None, settings: Settings,
           made_prerequisites: bool) -> dict:
    """The run's usage figures and their estimated cost; `phases` and `waits` are the report's Timed."""
    timed = {t.name: t for t in (*phases, *waits)}
    window = _window(timed.get("provision"), timed.get("teardown"))
    hours = window / 3600
    usage: dict[str, Any] = {"window_seconds": round(window, 1),
                             **_service(hours, settings, made_prerequisites),
                             "nat_gateway_hours": 0.0, "elastic_ip_hours": 0.0}  # the lab makes neither
    build = stages.get("Build", {}).get("seconds")
    usage["codebuild_minutes"] = {settings.codebuild_compute_type: _minutes(build)} if build else {}
    usage["codepipeline_action_minutes"] = sum(_minutes(s["seconds"]) for s in stages.values())
    kept = _window(timed.get("ecr-tags"), timed.get("teardown"), start_at_end=True) / 3600
    usage["ecr"] = {"stored_bytes": stored, "gb_months": None if stored is None else _round(
        stored / 1e9 * kept / HOURS_PER_MONTH, 9)}
    usage["estimate_usd"] = estimate(usage, settings.pipeline_type)
    usage["prices"] = {"region": PRICES["region"], "date": PRICES["date"], "currency": PRICES["currency"],
                       "note": f"an estimate from on-demand list prices of {PRICES['region']}, not a bill; "
                               f"the run was in {settings.region}"}
    return usage


def _service(hours: float, settings: Settings, made: bool) -> dict:
    """The ALB, the Fargate service and their public addresses: the run's only when it made them."""
    tasks = settings.desired_count if made else 0
    vcpu, memory_gb = int(prerequisites.TASK_CPU) / 1024, int(prerequisites.TASK_MEMORY) / 1024
    # an internet-facing ALB has a public address in each of its subnets' zones; each task one of its own
    addresses = (len(prerequisites.SUBNET_CIDRS) + tasks) if made else 0
    return {"alb_hours": _round(hours if made else 0.0),
            "fargate": {"tasks": tasks, "vcpu": vcpu, "memory_gb": memory_gb,
                        "vcpu_hours": _round(tasks * vcpu * hours),
                        "gb_hours": _round(tasks * memory_gb * hours)},
            "public_ipv4_hours": _round(addresses * hours)}


def estimate(usage: dict, pipeline_type: str) -> dict:
    """US dollars per item and in total, from PRICES; an item without a price is left out and named."""
    p, fargate = PRICES, usage["fargate"]
    cost = {
        "alb": math.ceil(usage["alb_hours"]) * p["alb_hour"],
        "fargate": (fargate["vcpu_hours"] * p["fargate_vcpu_hour"]
                    + fargate["gb_hours"] * p["fargate_gb_hour"]),
        "public_ipv4": usage["public_ipv4_hours"] * p["public_ipv4_hour"],
        "nat_gateway": usage["nat_gateway_hours"] * p["nat_gateway_hour"],
        "codebuild": sum(minutes * p["codebuild_minute"].get(kind, 0.0)
                         for kind, minutes in usage["codebuild_minutes"].items()),
        "codepipeline": usage["codepipeline_action_minutes"] * p["codepipeline_v2_action_minute"]
        if pipeline_type == "V2" else 0.0,
        "ecr": (usage["ecr"]["gb_months"] or 0.0) * p["ecr_gb_month"],
    }
    result: dict[str, Any] = {item: round(value, 4) for item, value in cost.items()}
    result["total"] = round(sum(cost.values()), 4)
    unpriced = sorted(kind for kind in usage["codebuild_minutes"] if kind not in p["codebuild_minute"])
    if unpriced:
        result["unpriced"] = [f"CodeBuild {kind}" for kind in unpriced]
    return result


def _window(first: Timed | None, last: Timed | None, start_at_end: bool = False) -> float:
    """Seconds from `first`'s start (or end) to `last`'s end; 0 when either never ran."""
    if first is None or last is None or first.at is None or last.at is None:
        return 0.0
    start = first.at + (first.seconds or 0.0) if start_at_end else first.at
    return max(last.at + (last.seconds or 0.0) - start, 0.0)


def _minutes(seconds: float) -> int:
    """Whole minutes, rounded up, as CodeBuild bills build time and CodePipeline action time."""
    return math.ceil(seconds / 60)


def _round(value: float, digits: int = 4) -> float:
    return round(value, digits)
