"""ECS: the cluster, the service the pipeline deploys to, and its task definition family.

A task definition is a family of revisions, and a user may own revisions in a family of the same
name. The family counts as ours only when every revision in it carries the run tag, and teardown
deregisters and deletes only revisions that carry it.
"""

from __future__ import annotations

from typing import Any

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, drifted, tag_map
from pipeline_harness.settings import TAG_RUN_ID
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context

_RULE = NameRule(255, r"[A-Za-z0-9_-]+", "letters, digits, _ and -")
_STATUSES = ("ACTIVE", "INACTIVE")


def _pairs(tags: list[dict] | None) -> dict[str, str]:
    return tag_map(tags, "key", "value")


def _listed(ecs: Any, operation: str, key: str, **params: Any) -> list[str]:
    """Every page of a listing (ListServices answers 10 a page, the others 100)."""
    return [arn for page in ecs.get_paginator(operation).paginate(**params) for arn in page[key]]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


# --- the cluster ----------------------------------------------------------------------------------

def read_cluster(ctx: Context, name: str) -> Found:
    clusters = ctx.client("ecs").describe_clusters(clusters=[name], include=["TAGS"])["clusters"]
    return next((c for c in clusters if c["status"] == "ACTIVE"), MISSING)


def _create_cluster(ctx: Context, name: str, desired: dict) -> dict:
    return ctx.client("ecs").create_cluster(clusterName=name, **desired,
                                            tags=ctx.tag_list("key", "value"))["cluster"]


def _cluster_names(target: Target) -> list[str]:
    pages = target.client("ecs").get_paginator("list_clusters").paginate()
    return [arn.rsplit("/", 1)[-1] for page in pages for arn in page["clusterArns"]]


# --- the task definition family -------------------------------------------------------------------

def _family_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def read_family(ctx: Context, family: str) -> Found:
    """The family's revisions by status (familyPrefix also matches longer families: filtered out)."""
    paginator = ctx.client("ecs").get_paginator("list_task_definitions")
    revisions = {status: [arn for page in paginator.paginate(familyPrefix=family, status=status)
                          for arn in page["taskDefinitionArns"] if _family_of(arn) == family]
                 for status in _STATUSES}
    if not any(revisions.values()):
        return MISSING
    return {"family": family, **revisions}


def _revision_tags(ctx: Context, arn: str) -> dict[str, str]:
    described = ctx.client("ecs").describe_task_definition(taskDefinition=arn, include=["TAGS"])
    return _pairs(described.get("tags"))


def _family_tags(ctx: Context, found: dict) -> dict[str, str]:
    """The tags every revision of the family carries: one revision someone else made, and none."""
    shared: dict[str, str] | None = None
    for arn in (*found["ACTIVE"], *found["INACTIVE"]):
        tags = _revision_tags(ctx, arn)
        shared = tags if shared is None else {k: v for k, v in shared.items() if tags.get(k) == v}
    return shared or {}


def _register(ctx: Context, family: str, desired: dict) -> dict:
    made = ctx.client("ecs").register_task_definition(family=family, **desired,
                                                      tags=ctx.tag_list("key", "value"))
    arn = made["taskDefinition"]["taskDefinitionArn"]
    return {"family": family, "ACTIVE": [arn], "INACTIVE": [], "latest": arn}


def _update_family(ctx: Context, found: dict, desired: dict) -> dict:
    """The newest active revision if it is what `desired` says; otherwise a new revision."""
    active = sorted(found["ACTIVE"], key=lambda arn: int(arn.rsplit(":", 1)[1]))
    if active:
        latest = ctx.client("ecs").describe_task_definition(taskDefinition=active[-1])["taskDefinition"]
        if not drifted(desired, latest):
            return {**found, "latest": active[-1]}
    return {**found, **_register(ctx, found["family"], desired), "INACTIVE": found["INACTIVE"]}


def _delete_family(ctx: Context, found: dict) -> None:
    """Only the revisions the harness registered (tagged) are deregistered, then deleted."""
    ecs = ctx.client("ecs")
    ours = [arn for arn in (*found["ACTIVE"], *found["INACTIVE"]) if TAG_RUN_ID in _revision_tags(ctx, arn)]
    for arn in ours:
        if arn in found["ACTIVE"]:
            ecs.deregister_task_definition(taskDefinition=arn)
    for chunk in _chunks(ours, 10):  # DeleteTaskDefinitions' most
        ecs.delete_task_definitions(taskDefinitions=chunk)


def _family_names(target: Target) -> list[str]:
    pages = target.client("ecs").get_paginator("list_task_definition_families").paginate(status="ACTIVE")
    return [family for page in pages for family in page["families"]]


# --- the service ----------------------------------------------------------------------------------

def read_service(ctx: Context, name: str) -> Found:
    ecs = ctx.client("ecs")
    try:
        services = ecs.describe_services(cluster=ctx.names.cluster, services=[name],
                                         include=["TAGS"])["services"]
    except ecs.exceptions.ClusterNotFoundException:
        return MISSING
    return next((s for s in services if s["status"] == "ACTIVE"), MISSING)


def _create_service(ctx: Context, name: str, desired: dict) -> dict:
    return ctx.client("ecs").create_service(cluster=ctx.names.cluster, serviceName=name, **desired,
                                            tags=ctx.tag_list("key", "value"))["service"]


def _delete_service(ctx: Context, service: dict) -> None:
    ecs, cluster = ctx.client("ecs"), service["clusterArn"]
    ecs.delete_service(cluster=cluster, service=service["serviceName"], force=True)
    if not ctx.target.quirks.deletion_is_instant:
        ecs.get_waiter("services_inactive").wait(cluster=cluster, services=[service["serviceName"]])


def inventory(target: Target) -> set[str]:
    """Every task definition, cluster and service of the account. Deleted clusters and services
    linger as INACTIVE for a while; they are gone, not left."""
    ecs = target.client("ecs")
    found = set(_listed(ecs, "list_task_definitions", "taskDefinitionArns", status="ACTIVE"))
    for chunk in _chunks(_listed(ecs, "list_clusters", "clusterArns"), 100):  # DescribeClusters' most
        for cluster in ecs.describe_clusters(clusters=chunk)["clusters"]:
            if cluster["status"] == "INACTIVE":
                continue
            found.add(cluster["clusterArn"])
            services = _listed(ecs, "list_services", "serviceArns", cluster=cluster["clusterArn"])
            for names in _chunks(services, 10):  # DescribeServices' most
                described = ecs.describe_services(cluster=cluster["clusterArn"], services=names)
                found.update(s["serviceArn"] for s in described["services"] if s["status"] != "INACTIVE")
    return found


_TAG = ("ecs:TagResource",)
CLUSTER = Kind(
    key="cluster", title="ECS cluster", service="ecs", rule=_RULE,
    actions=Actions(read=("ecs:DescribeClusters",), owner=("ecs:DescribeClusters",),
                    create=("ecs:CreateCluster", *_TAG), delete=("ecs:DeleteCluster",),
                    list=("ecs:ListClusters",)),
    read=read_cluster, tags=lambda ctx, cluster: _pairs(cluster.get("tags")), create=_create_cluster,
    delete=lambda ctx, cluster: ctx.client("ecs").delete_cluster(cluster=cluster["clusterArn"]),
    names=_cluster_names, inventory=inventory,
)
TASK_DEFINITION = Kind(
    key="task_family", title="task definition family", service="ecs", rule=_RULE,
    actions=Actions(read=("ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"),
                    owner=("ecs:DescribeTaskDefinition",),
                    create=("ecs:RegisterTaskDefinition", *_TAG),
                    update=("ecs:RegisterTaskDefinition",),
                    delete=("ecs:DeregisterTaskDefinition", "ecs:DeleteTaskDefinitions"),
                    list=("ecs:ListTaskDefinitionFamilies",)),
    read=read_family, tags=_family_tags, create=_register, update=_update_family,
    delete=_delete_family, names=_family_names, inventory=inventory,
)
SERVICE = Kind(
    key="service", title="ECS service", service="ecs", rule=_RULE,
    actions=Actions(read=("ecs:DescribeServices",), owner=("ecs:DescribeServices",),
                    create=("ecs:CreateService", *_TAG), delete=("ecs:DeleteService",),
                    list=("ecs:ListServices",)),
    read=read_service, tags=lambda ctx, service: _pairs(service.get("tags")), create=_create_service,
    delete=_delete_service, inventory=inventory,
)
