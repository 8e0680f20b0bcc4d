"""Everything of the kinds the harness creates, listed per service — to prove nothing is left."""

from __future__ import annotations

from pipeline_harness.targets.base import Target


def _s3(target):
    return {b["Name"] for b in target.client("s3").list_buckets().get("Buckets", [])}


def _iam(target):
    iam = target.client("iam")
    found = set()
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            name = role["RoleName"]
            found.add(f"role/{name}")
            found.update(f"role/{name}/inline/{p}"
                         for p in iam.list_role_policies(RoleName=name)["PolicyNames"])
            found.update(f"role/{name}/attached/{p['PolicyName']}" for p in
                         iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])
    for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
        found.update(f"policy/{p['PolicyName']}" for p in page["Policies"])
    return found


def _ecr(target):
    pages = target.client("ecr").get_paginator("describe_repositories").paginate()
    return {r["repositoryName"] for page in pages for r in page["repositories"]}


def _codebuild(target):
    return set(target.client("codebuild").list_projects()["projects"])


def _codepipeline(target):
    return {p["name"] for p in target.client("codepipeline").list_pipelines()["pipelines"]}


def _logs(target):
    pages = target.client("logs").get_paginator("describe_log_groups").paginate()
    return {g["logGroupName"] for page in pages for g in page["logGroups"]}


def _ecs(target):
    """Deleted clusters and services linger as INACTIVE for a while; they are gone, not left."""
    ecs = target.client("ecs")
    found = set(ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"])
    arns = ecs.list_clusters()["clusterArns"]
    clusters = ecs.describe_clusters(clusters=arns)["clusters"] if arns else []
    for cluster in (c for c in clusters if c["status"] != "INACTIVE"):
        found.add(cluster["clusterArn"])
        services = ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]
        for chunk in (services[i:i + 10] for i in range(0, len(services), 10)):
            described = ecs.describe_services(cluster=cluster["clusterArn"], services=chunk)
            found.update(s["serviceArn"] for s in described["services"] if s["status"] != "INACTIVE")
    return found


def _elbv2(target):
    elbv2 = target.client("elbv2")
    found = {lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]}
    return found | {tg["TargetGroupArn"] for tg in elbv2.describe_target_groups()["TargetGroups"]}


def _ec2(target):
    ec2 = target.client("ec2")
    return ({v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
            | {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
            | {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
            | {i["InternetGatewayId"] for i in ec2.describe_internet_gateways()["InternetGateways"]})


LISTERS = {"s3": _s3, "iam": _iam, "ecr": _ecr, "codebuild": _codebuild,
           "codepipeline": _codepipeline, "logs": _logs, "ecs": _ecs, "elbv2": _elbv2, "ec2": _ec2}


def inventory(target: Target) -> dict[str, set[str]]:
    """Per served service, the identifiers of every resource of the kinds the harness makes."""
    return {service: lister(target) for service, lister in LISTERS.items()
            if not target.gap(service)}


def difference(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, set[str]]:
    """What `after` holds that `before` did not, per service (empty services left out)."""
    return {s: after[s] - before.get(s, set()) for s in after if after[s] - before.get(s, set())}
