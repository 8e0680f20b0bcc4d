"""The prerequisites the tutorial assumes: a VPC, an ALB, an ECS cluster and a service behind it.

The harness makes them on emulator targets; on real AWS only when asked
(provision_prerequisites), otherwise it looks them up and requires them to exist.
"""

from __future__ import annotations

import json

from pipeline_harness import policies
from pipeline_harness.errors import ConfigError
from pipeline_harness.settings import TAG_RUN_ID
from pipeline_harness.steps.base import MISSING, Check, Context, dig

SERVICES = ("ec2", "elbv2", "ecs", "iam")
STEP = 6
KEY = "ecs_stack"
CIDR = "10.77.0.0/16"
SUBNET_CIDRS = ("10.77.1.0/24", "10.77.2.0/24")
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def unprefixed(suffix: str) -> str:
    """The name of a prerequisite the tutorial does not name (VPC, target group, roles…)."""
    return f"dev-php-app-{suffix}"


def _name(ctx: Context, suffix: str) -> str:
    return ctx.settings.prefix + unprefixed(suffix)


def makes_it(ctx: Context) -> bool:
    return ctx.makes_prerequisites


# --- reading --------------------------------------------------------------------------------------

def read(ctx: Context):
    """The cluster, the service and its task definition's container, as one record."""
    ecs = ctx.client("ecs")
    clusters = ecs.describe_clusters(clusters=[ctx.names.cluster])["clusters"]
    cluster = next((c for c in clusters if c["status"] == "ACTIVE"), None)
    if cluster is None:
        return MISSING
    services = ecs.describe_services(cluster=ctx.names.cluster, services=[ctx.names.service])
    service = next((s for s in services["services"] if s["status"] == "ACTIVE"), None)
    task_definition = None
    if service is not None:
        task_definition = ecs.describe_task_definition(
            taskDefinition=service["taskDefinition"])["taskDefinition"]
    return {"cluster": cluster, "service": service, "task_definition": task_definition}


def _ec2_by_name(ctx: Context, describe: str, key: str, name: str) -> dict | None:
    found = getattr(ctx.client("ec2"), describe)(
        Filters=[{"Name": "tag:Name", "Values": [name]}, {"Name": "tag-key", "Values": [TAG_RUN_ID]}])
    return next(iter(found[key]), None)


# --- provisioning ---------------------------------------------------------------------------------

def _tag_spec(ctx: Context, kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}, *ctx.tag_list()]}]


def _network(ctx: Context) -> None:
    ec2 = ctx.client("ec2")
    vpc = _ec2_by_name(ctx, "describe_vpcs", "Vpcs", _name(ctx, "vpc"))
    if vpc is None:
        vpc = ec2.create_vpc(CidrBlock=CIDR, TagSpecifications=_tag_spec(ctx, "vpc", _name(ctx, "vpc")))["Vpc"]
        ctx.ids["vpc"] = vpc["VpcId"]
        _fill_network(ctx)
        return
    ctx.ids["vpc"] = vpc["VpcId"]
    _find_network(ctx)


def _fill_network(ctx: Context) -> None:
    """A new VPC: internet gateway, default route, two subnets in two zones, the ALB's group."""
    ec2, vpc = ctx.client("ec2"), ctx.ids["vpc"]
    igw = ec2.create_internet_gateway(
        TagSpecifications=_tag_spec(ctx, "internet-gateway", _name(ctx, "igw")))["InternetGateway"]
    ctx.ids["igw"] = igw["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=ctx.ids["igw"], VpcId=vpc)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                              {"Name": "association.main", "Values": ["true"]}])
    ec2.create_route(RouteTableId=main["RouteTables"][0]["RouteTableId"],
                     DestinationCidrBlock="0.0.0.0/0", GatewayId=ctx.ids["igw"])
    zones = ec2.describe_availability_zones(
        Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"]
    for i, cidr in enumerate(SUBNET_CIDRS):
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zones[i % len(zones)]["ZoneName"],
            TagSpecifications=_tag_spec(ctx, "subnet", _name(ctx, f"subnet-{i + 1}")))["Subnet"]
        ctx.ids[f"subnet{i}"] = subnet["SubnetId"]
    group = ec2.create_security_group(
        GroupName=_name(ctx, "sg"), Description="pipeline-harness: HTTP to the lab's ALB and tasks",
        VpcId=vpc, TagSpecifications=_tag_spec(ctx, "security-group", _name(ctx, "sg")))
    ctx.ids["sg"] = group["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ctx.ids["sg"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": ctx.settings.container_port,
        "ToPort": ctx.settings.container_port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])


def _find_network(ctx: Context) -> None:
    """An existing VPC of ours (a leftover or a second run): learn its pieces' ids."""
    ec2, vpc = ctx.client("ec2"), ctx.ids["vpc"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    igws = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])["InternetGateways"]
    if igws:
        ctx.ids["igw"] = igws[0]["InternetGatewayId"]
    subnets = sorted(ec2.describe_subnets(Filters=in_vpc)["Subnets"], key=lambda s: s["CidrBlock"])
    for i, subnet in enumerate(subnets):
        ctx.ids[f"subnet{i}"] = subnet["SubnetId"]
    groups = ec2.describe_security_groups(
        Filters=in_vpc + [{"Name": "group-name", "Values": [_name(ctx, "sg")]}])["SecurityGroups"]
    if len(subnets) < 2 or not groups:
        raise ConfigError(f"VPC {vpc} ({_name(ctx, 'vpc')}) is a partial leftover: run "
                          "`pipeline-harness teardown` and provision again")
    ctx.ids["sg"] = groups[0]["GroupId"]


def _load_balancer(ctx: Context) -> None:
    elbv2, subnets = ctx.client("elbv2"), [ctx.ids["subnet0"], ctx.ids["subnet1"]]
    try:  # looked up first: emulators make a second ALB of the same name instead of answering the first
        lb = elbv2.describe_load_balancers(Names=[ctx.names.load_balancer])["LoadBalancers"][0]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        lb = elbv2.create_load_balancer(
            Name=ctx.names.load_balancer, Subnets=subnets, SecurityGroups=[ctx.ids["sg"]],
            Scheme="internet-facing", Type="application", Tags=ctx.tag_list())["LoadBalancers"][0]
    ctx.ids["load_balancer"] = lb["LoadBalancerArn"]
    ctx.ids["dns_name"] = lb["DNSName"]
    try:
        tg = elbv2.create_target_group(
            Name=_name(ctx, "tg"), Protocol="HTTP", Port=ctx.settings.container_port,
            VpcId=ctx.ids["vpc"], TargetType="ip", HealthCheckPath=ctx.settings.health_check_path,
            Tags=ctx.tag_list())["TargetGroups"][0]
    except elbv2.exceptions.DuplicateTargetGroupNameException:
        tg = elbv2.describe_target_groups(Names=[_name(ctx, "tg")])["TargetGroups"][0]
    ctx.ids["target_group"] = tg["TargetGroupArn"]
    try:
        elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, Tags=ctx.tag_list(),
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    except elbv2.exceptions.DuplicateListenerException:
        pass  # the listener on port 80 is there from an earlier run


def _execution_role(ctx: Context) -> str:
    """Fargate pulls the image from ECR and writes logs with this role."""
    iam, name = ctx.client("iam"), _name(ctx, "task-execution-role")
    try:
        arn = iam.create_role(RoleName=name, Tags=ctx.tag_list(),
                              AssumeRolePolicyDocument=json.dumps(policies.trust("ecs-tasks")))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=EXECUTION_POLICY)
    return arn


def task_definition(ctx: Context, execution_role_arn: str) -> dict:
    return {
        "family": _name(ctx, "task"),
        "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512",
        "executionRoleArn": execution_role_arn,
        "containerDefinitions": [{
            "name": ctx.settings.container, "image": f"{ctx.names.repository_uri}:latest",
            "essential": True,
            "portMappings": [{"containerPort": ctx.settings.container_port, "protocol": "tcp"}],
        }],
        "tags": [{"key": k, "value": v} for k, v in ctx.settings.tags.items()],
    }


def _service(ctx: Context) -> None:
    ecs = ctx.client("ecs")
    current = read(ctx)  # looked up first: moto's create_cluster replaces a cluster of that name
    if current is MISSING:
        ecs.create_cluster(clusterName=ctx.names.cluster, tags=ctx.tag_list("key", "value"))
    elif current["service"] is not None:
        ctx.ids["task_definition"] = current["service"]["taskDefinition"]
        return
    family = ecs.register_task_definition(**task_definition(ctx, _execution_role(ctx)))
    ctx.ids["task_definition"] = family["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=ctx.names.cluster, serviceName=ctx.names.service,
        taskDefinition=ctx.ids["task_definition"], desiredCount=ctx.settings.desired_count,
        launchType="FARGATE",
        loadBalancers=[{"targetGroupArn": ctx.ids["target_group"],
                        "containerName": ctx.settings.container,
                        "containerPort": ctx.settings.container_port}],
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": [ctx.ids["subnet0"], ctx.ids["subnet1"]], "securityGroups": [ctx.ids["sg"]],
            "assignPublicIp": "ENABLED"}},
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        tags=ctx.tag_list("key", "value"))


def ensure(ctx: Context) -> dict:
    if not makes_it(ctx):
        return _require_existing(ctx)
    ctx.created.add(KEY)  # before the first create: a failure halfway is still torn down
    _network(ctx)
    _load_balancer(ctx)
    _service(ctx)
    return {"cluster": ctx.names.cluster, "service": ctx.names.service,
            "load_balancer": ctx.names.load_balancer, "url": f"http://{ctx.ids['dns_name']}",
            "vpc": ctx.ids["vpc"]}


def _require_existing(ctx: Context) -> dict:
    found = read(ctx)
    missing = [what for what, there in (
        (f"ECS cluster {ctx.names.cluster}", found is not MISSING),
        (f"ECS service {ctx.names.service}", found is not MISSING and found["service"] is not None),
    ) if not there]
    if missing:
        raise ConfigError(f"the tutorial assumes these already exist, and they don't: "
                          f"{', '.join(missing)} — create them, or pass --provision-prerequisites")
    lbs = ctx.client("elbv2").describe_load_balancers(Names=[ctx.names.load_balancer])
    return {"cluster": ctx.names.cluster, "service": ctx.names.service,
            "load_balancer": ctx.names.load_balancer,
            "url": f"http://{lbs['LoadBalancers'][0]['DNSName']}"}


# --- teardown -------------------------------------------------------------------------------------

def delete(ctx: Context) -> str:
    """Dependencies first: service, task definition, cluster, ALB, target group, network, role."""
    if not makes_it(ctx):
        return "not ours"
    _delete_service(ctx)
    _delete_load_balancer(ctx)
    if "vpc" not in ctx.ids:
        found = _ec2_by_name(ctx, "describe_vpcs", "Vpcs", _name(ctx, "vpc"))
        if found:
            ctx.ids["vpc"] = found["VpcId"]
    if "vpc" in ctx.ids:
        _delete_network(ctx)
    _delete_execution_role(ctx)
    ctx.created.discard(KEY)
    return "deleted"


def _ours(tags: list[dict]) -> bool:
    return any((t.get("key") or t.get("Key")) == TAG_RUN_ID for t in tags)


def _delete_service(ctx: Context) -> None:
    ecs = ctx.client("ecs")
    found = ecs.describe_clusters(clusters=[ctx.names.cluster], include=["TAGS"])["clusters"]
    cluster = next((c for c in found if c["status"] == "ACTIVE"), None)
    if cluster is not None and _ours(cluster.get("tags", [])):
        services = ecs.describe_services(cluster=ctx.names.cluster, services=[ctx.names.service])
        if any(s["status"] == "ACTIVE" for s in services["services"]):
            ecs.delete_service(cluster=ctx.names.cluster, service=ctx.names.service, force=True)
            if not ctx.target.quirks.deletion_is_instant:
                ecs.get_waiter("services_inactive").wait(cluster=ctx.names.cluster,
                                                         services=[ctx.names.service])
        ecs.delete_cluster(cluster=ctx.names.cluster)
    # by family, not through the service: a failure before create_service leaves it unattached
    revisions = ecs.list_task_definitions(familyPrefix=_name(ctx, "task"))["taskDefinitionArns"]
    for arn in revisions:
        ecs.deregister_task_definition(taskDefinition=arn)
    if revisions:
        ecs.delete_task_definitions(taskDefinitions=revisions[:10])


def _delete_load_balancer(ctx: Context) -> None:
    elbv2 = ctx.client("elbv2")
    try:
        lbs = elbv2.describe_load_balancers(Names=[ctx.names.load_balancer])["LoadBalancers"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        lbs = []
    for lb in lbs:
        tags = elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
        if not _ours(tags):
            continue
        elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])  # takes its listeners
        if not ctx.target.quirks.deletion_is_instant:
            elbv2.get_waiter("load_balancers_deleted").wait(LoadBalancerArns=[lb["LoadBalancerArn"]])
    try:
        tgs = elbv2.describe_target_groups(Names=[_name(ctx, "tg")])["TargetGroups"]
    except elbv2.exceptions.TargetGroupNotFoundException:
        tgs = []
    for tg in tgs:
        elbv2.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])


def _delete_network(ctx: Context) -> None:
    ec2, vpc = ctx.client("ec2"), ctx.ids["vpc"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    for group in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]:
        if group["GroupName"] != "default":
            ec2.delete_security_group(GroupId=group["GroupId"])
    for subnet in ec2.describe_subnets(Filters=in_vpc)["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    # by its name, not its attachment: a failure between create and attach leaves it detached
    igw = _ec2_by_name(ctx, "describe_internet_gateways", "InternetGateways", _name(ctx, "igw"))
    if igw:
        if igw.get("Attachments"):
            ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc)
        ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
    ec2.delete_vpc(VpcId=vpc)


def _delete_execution_role(ctx: Context) -> None:
    iam, name = ctx.client("iam"), _name(ctx, "task-execution-role")
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return
    if not _ours(role.get("Tags", [])):
        return
    iam.detach_role_policy(RoleName=name, PolicyArn=EXECUTION_POLICY)
    iam.delete_role(RoleName=name)


# --- checks ---------------------------------------------------------------------------------------

def _service_judge(found: dict, ctx: Context):
    service = found["service"]
    if service is None:
        return False, f"service `{ctx.names.service}` ACTIVE in `{ctx.names.cluster}`", "no such service"
    lbs = [lb.get("containerName") for lb in service.get("loadBalancers", [])]
    return bool(lbs), "an ACTIVE service behind the ALB's target group", (
        f"`{service['serviceName']}` {service['status']}, load balancers {lbs or 'none'}")


def _container_judge(found: dict, ctx: Context):
    containers = [c["name"] for c in dig(found, "task_definition", "containerDefinitions", default=[])]
    return ctx.settings.container in containers, f"container `{ctx.settings.container}`", (
        f"containers {containers}")


_NEEDS = (("ecs", None),)
CHECKS = [
    Check("ecs.service", STEP, "ECS service exists, active, behind the ALB",
          "Check cluster and service names match exactly; ensure ECS service exists and is active "
          "(Common Issues: Deploy stage fails)", read, _service_judge, _NEEDS),
    Check("ecs.container-name", STEP, "Task definition has container php-app-container",
          "imagedefinitions.json container name must match the task definition "
          "(Common Issues: old image still running)", read, _container_judge, _NEEDS),
]
