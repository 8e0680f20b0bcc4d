"""Elastic Load Balancing: the ALB the tutorial tests the app through, and its target group."""

from __future__ import annotations

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, tag_map
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context

_RULE = NameRule(32, r"(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?",
                 "letters, digits and - (not first or last)")


def _tags_of(ctx: Context, arn: str) -> dict[str, str]:
    described = ctx.client("elbv2").describe_tags(ResourceArns=[arn])["TagDescriptions"]
    return tag_map(described[0]["Tags"] if described else [])


def read_target_group(ctx: Context, name: str) -> Found:
    elbv2 = ctx.client("elbv2")
    try:
        return elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]
    except elbv2.exceptions.TargetGroupNotFoundException:
        return MISSING


def _create_target_group(ctx: Context, name: str, desired: dict) -> dict:
    return ctx.client("elbv2").create_target_group(Name=name, **desired,
                                                   Tags=ctx.tag_list())["TargetGroups"][0]


def _delete_target_group(ctx: Context, group: dict) -> None:
    ctx.client("elbv2").delete_target_group(TargetGroupArn=group["TargetGroupArn"])


def read_load_balancer(ctx: Context, name: str) -> Found:
    elbv2 = ctx.client("elbv2")
    try:
        return elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        return MISSING


def _create_load_balancer(ctx: Context, name: str, desired: dict) -> dict:
    made = ctx.client("elbv2").create_load_balancer(
        Name=name, **{k: v for k, v in desired.items() if k != "Listener"},
        Tags=ctx.tag_list())["LoadBalancers"][0]
    return _update_load_balancer(ctx, made, desired)


def _update_load_balancer(ctx: Context, balancer: dict, desired: dict) -> dict:
    """The listener the app is reached through; a leftover ALB of ours may lack it."""
    elbv2, listener = ctx.client("elbv2"), desired["Listener"]
    ports = {entry["Port"] for entry in
             elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]}
    if listener["Port"] not in ports:
        elbv2.create_listener(LoadBalancerArn=balancer["LoadBalancerArn"], Tags=ctx.tag_list(), **listener)
    return balancer


def _delete_load_balancer(ctx: Context, balancer: dict) -> None:
    elbv2, arn = ctx.client("elbv2"), balancer["LoadBalancerArn"]
    elbv2.delete_load_balancer(LoadBalancerArn=arn)  # its listeners go with it
    if not ctx.target.quirks.deletion_is_instant:
        elbv2.get_waiter("load_balancers_deleted").wait(LoadBalancerArns=[arn])


def _balancers(target: Target) -> list[dict]:
    pages = target.client("elbv2").get_paginator("describe_load_balancers").paginate()
    return [lb for page in pages for lb in page["LoadBalancers"]]


def _groups(target: Target) -> list[dict]:
    pages = target.client("elbv2").get_paginator("describe_target_groups").paginate()
    return [tg for page in pages for tg in page["TargetGroups"]]


def inventory(target: Target) -> set[str]:
    elbv2, found = target.client("elbv2"), set()
    for balancer in _balancers(target):
        found.add(balancer["LoadBalancerArn"])
        listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
        found.update(listener["ListenerArn"] for listener in listeners)
    return found | {group["TargetGroupArn"] for group in _groups(target)}


_DESCRIBE_TAGS = ("elasticloadbalancing:DescribeTags",)
TARGET_GROUP = Kind(
    key="target_group", title="target group", service="elbv2", rule=_RULE,
    actions=Actions(read=("elasticloadbalancing:DescribeTargetGroups",), owner=_DESCRIBE_TAGS,
                    create=("elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags"),
                    delete=("elasticloadbalancing:DeleteTargetGroup",),
                    list=("elasticloadbalancing:DescribeTargetGroups",)),
    read=read_target_group, tags=lambda ctx, group: _tags_of(ctx, group["TargetGroupArn"]),
    create=_create_target_group, delete=_delete_target_group,
    names=lambda target: [group["TargetGroupName"] for group in _groups(target)], inventory=inventory,
)
LOAD_BALANCER = Kind(
    key="load_balancer", title="load balancer", service="elbv2", rule=_RULE,
    actions=Actions(read=("elasticloadbalancing:DescribeLoadBalancers",), owner=_DESCRIBE_TAGS,
                    create=("elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:AddTags",
                            "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:CreateListener"),
                    update=("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:CreateListener"),
                    delete=("elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteListener"),
                    list=("elasticloadbalancing:DescribeLoadBalancers",)),
    read=read_load_balancer, tags=lambda ctx, balancer: _tags_of(ctx, balancer["LoadBalancerArn"]),
    create=_create_load_balancer, update=_update_load_balancer, delete=_delete_load_balancer,
    names=lambda target: [balancer["LoadBalancerName"] for balancer in _balancers(target)],
    inventory=inventory,
)
