"""EC2: the network the prerequisites run in — a VPC with an internet gateway and default route,
two subnets in two zones, and the security group of the ALB and tasks.

EC2 names are tags, not identifiers: two VPCs may share one. So the network is found by its Name
tag *and* the harness's run tag; someone else's VPC of the same name is never seen, let alone
changed, and the harness makes its own beside it.
"""

from __future__ import annotations

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, tag_map
from pipeline_harness.settings import TAG_RUN_ID
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context


def _ours_named(ctx: Context, describe: str, key: str, name: str) -> list[dict]:
    found = getattr(ctx.client("ec2"), describe)(
        Filters=[{"Name": "tag:Name", "Values": [name]}, {"Name": "tag-key", "Values": [TAG_RUN_ID]}])
    return list(found[key])


def read(ctx: Context, stem: str) -> Found:
    """The network of that name: VPC, gateway, subnets (by CIDR) and group, or MISSING."""
    vpcs = _ours_named(ctx, "describe_vpcs", "Vpcs", f"{stem}-vpc")
    if not vpcs:
        return MISSING
    ec2, vpc = ctx.client("ec2"), vpcs[0]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    subnets = sorted(ec2.describe_subnets(Filters=in_vpc)["Subnets"], key=lambda s: s["CidrBlock"])
    groups = ec2.describe_security_groups(
        Filters=[*in_vpc, {"Name": "group-name", "Values": [f"{stem}-sg"]}])["SecurityGroups"]
    gateways = _ours_named(ctx, "describe_internet_gateways", "InternetGateways", f"{stem}-igw")
    return {"Name": stem, "VpcId": vpc["VpcId"], "Tags": vpc.get("Tags", []),
            "Subnets": [s["SubnetId"] for s in subnets], "SubnetCidrs": [s["CidrBlock"] for s in subnets],
            "SecurityGroupId": groups[0]["GroupId"] if groups else None,
            "InternetGateway": gateways[0] if gateways else None}


def _tag_spec(ctx: Context, kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}, *ctx.tag_list()]}]


def _create(ctx: Context, stem: str, desired: dict) -> dict:
    vpc = ctx.client("ec2").create_vpc(CidrBlock=desired["cidr"],
                                       TagSpecifications=_tag_spec(ctx, "vpc", f"{stem}-vpc"))["Vpc"]
    return _update(ctx, {"Name": stem, "VpcId": vpc["VpcId"], "Tags": vpc.get("Tags", []),
                         "Subnets": [], "SubnetCidrs": [], "SecurityGroupId": None,
                         "InternetGateway": None}, desired)


def _update(ctx: Context, network: dict, desired: dict) -> dict:
    """Whatever piece is missing (a run killed halfway), made now: a leftover of ours converges."""
    ec2, stem, vpc = ctx.client("ec2"), network["Name"], network["VpcId"]
    gateway = network["InternetGateway"]
    if gateway is None:
        gateway = ec2.create_internet_gateway(
            TagSpecifications=_tag_spec(ctx, "internet-gateway", f"{stem}-igw"))["InternetGateway"]
    if not any(a["VpcId"] == vpc for a in gateway.get("Attachments", [])):
        ec2.attach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc)
        main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                  {"Name": "association.main", "Values": ["true"]}])
        ec2.create_route(RouteTableId=main["RouteTables"][0]["RouteTableId"],
                         DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway["InternetGatewayId"])
    subnets = dict(zip(network["SubnetCidrs"], network["Subnets"], strict=True))
    zones = ec2.describe_availability_zones(
        Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"]
    for i, cidr in enumerate(desired["subnets"]):
        if cidr not in subnets:
            subnets[cidr] = ec2.create_subnet(
                VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zones[i % len(zones)]["ZoneName"],
                TagSpecifications=_tag_spec(ctx, "subnet", f"{stem}-subnet-{i + 1}"))["Subnet"]["SubnetId"]
    group = network["SecurityGroupId"] or _security_group(ctx, stem, vpc, desired["port"])
    return {**network, "InternetGateway": gateway, "SecurityGroupId": group,
            "Subnets": [subnets[c] for c in desired["subnets"]], "SubnetCidrs": list(desired["subnets"])}


def _security_group(ctx: Context, stem: str, vpc: str, port: int) -> str:
    ec2 = ctx.client("ec2")
    group = ec2.create_security_group(
        GroupName=f"{stem}-sg", Description="pipeline-harness: HTTP to the lab's ALB and tasks",
        VpcId=vpc, TagSpecifications=_tag_spec(ctx, "security-group", f"{stem}-sg"))["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return str(group)


def _delete(ctx: Context, network: dict) -> None:
    """Dependencies first: groups and subnets in the VPC, the gateway (also a detached one), the VPC."""
    ec2, vpc = ctx.client("ec2"), network["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    for group in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]:
        if group["GroupName"] != "default":
            ec2.delete_security_group(GroupId=group["GroupId"])
    for subnet in ec2.describe_subnets(Filters=in_vpc)["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    for gateway in _ours_named(ctx, "describe_internet_gateways", "InternetGateways",
                               f"{network['Name']}-igw"):
        for attachment in gateway.get("Attachments", []):
            ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"],
                                        VpcId=attachment["VpcId"])
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    ec2.delete_vpc(VpcId=vpc)


def _names(target: Target) -> list[str]:
    """The stems of the harness's networks: only tagged VPCs are looked at, names being shared."""
    vpcs = target.client("ec2").describe_vpcs(Filters=[{"Name": "tag-key", "Values": [TAG_RUN_ID]}])
    names = (tag_map(vpc.get("Tags")).get("Name", "") for vpc in vpcs["Vpcs"])
    return [name.removesuffix("-vpc") for name in names if name.endswith("-vpc")]


def inventory(target: Target) -> set[str]:
    ec2 = target.client("ec2")
    return ({v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
            | {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
            | {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
            | {i["InternetGatewayId"] for i in ec2.describe_internet_gateways()["InternetGateways"]})


NETWORK = Kind(
    key="network", title="VPC", service="ec2",
    rule=NameRule(240, r"[\w .:/=+@-]+", "letters, digits, spaces and _ . : / = + - @"),
    actions=Actions(read=("ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
                          "ec2:DescribeInternetGateways"),
                    owner=("ec2:DescribeVpcs",),
                    create=("ec2:CreateVpc", "ec2:CreateTags", "ec2:CreateInternetGateway",
                            "ec2:AttachInternetGateway", "ec2:DescribeRouteTables", "ec2:CreateRoute",
                            "ec2:DescribeAvailabilityZones", "ec2:CreateSubnet", "ec2:CreateSecurityGroup",
                            "ec2:AuthorizeSecurityGroupIngress"),
                    update=("ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:CreateRoute",
                            "ec2:CreateSubnet", "ec2:CreateSecurityGroup"),
                    delete=("ec2:DeleteSecurityGroup", "ec2:DeleteSubnet", "ec2:DetachInternetGateway",
                            "ec2:DeleteInternetGateway", "ec2:DeleteVpc"),
                    list=("ec2:DescribeVpcs",)),
    read=read, tags=lambda ctx, network: tag_map(network["Tags"]), create=_create, update=_update,
    delete=_delete, names=_names, inventory=inventory,
)
