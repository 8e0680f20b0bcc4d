"""What the preflight reads, declared once: each service's cheapest read (does the region serve it?),
the service quotas it looks up, and the IAM actions all its reads need (`READS`, which the nightly
role's policy grants). Kept free of the preflight's other imports, since iam/files.py reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_harness.iam import iam_action

# botocore service -> (operation, parameters): one short page of a listing, or an identity read.
# A region that lacks a service has no endpoint for it at all, which only a call finds out: botocore's
# endpoint data is no guide (botocore 1.44 lists codeconnections in no region and codebuild not in
# ca-west-1, where both are served), so every served service is asked once.
REGION_PROBES: dict[str, tuple[str, dict]] = {
    "sts": ("GetCallerIdentity", {}),
    "ecr": ("DescribeRepositories", {"maxResults": 1}),
    "codestar-connections": ("ListConnections", {"MaxResults": 1}),
    "s3": ("ListBuckets", {"MaxBuckets": 1}),
    "iam": ("ListRoles", {"MaxItems": 1}),
    "logs": ("DescribeLogGroups", {"limit": 1}),
    "codebuild": ("ListProjects", {}),
    "ec2": ("DescribeAvailabilityZones", {}),
    "elbv2": ("DescribeLoadBalancers", {"PageSize": 1}),
    "ecs": ("ListClusters", {"maxResults": 1}),
    "codepipeline": ("ListPipelines", {"maxResults": 1}),
    "events": ("ListRules", {"Limit": 1}),
    "sqs": ("ListQueues", {"MaxResults": 1}),
}

QUOTA_SERVICE = "service-quotas"


@dataclass(frozen=True)
class Quota:
    """A service quota the run needs room in, and how the account's current use of it is read."""

    key: str
    title: str
    service_code: str
    quota_code: str
    usage: tuple[str, str] | None = None  # (service, operation) whose listing counts what is in use
    usage_note: str = ""  # why no usage is read, where none is


# the Service Quotas codes, as `aws service-quotas list-service-quotas --service-code X` names them
QUOTAS = (
    Quota("vpcs", "VPCs per Region", "vpc", "L-F678F1CE", ("ec2", "DescribeVpcs")),
    Quota("elastic-ips", "EC2-VPC Elastic IPs", "ec2", "L-0263D0A3", ("ec2", "DescribeAddresses")),
    Quota("albs", "Application Load Balancers per Region", "elasticloadbalancing", "L-53DA6B97",
          ("elbv2", "DescribeLoadBalancers")),
    Quota("fargate-vcpu", "Fargate On-Demand vCPU resource count", "fargate", "L-3032A538",
          usage_note="no cheap read gives the account's running Fargate vCPUs (every cluster's tasks)"),
)

_CALLS = (
    *(f"{service}.{operation}" for service, (operation, _) in REGION_PROBES.items()),
    *(f"{q.usage[0]}.{q.usage[1]}" for q in QUOTAS if q.usage),
    # the quota as applied to the account, or AWS's default where none was ever applied
    "service-quotas.GetServiceQuota", "service-quotas.GetAWSDefaultServiceQuota",
    "iam.SimulatePrincipalPolicy",  # may the nightly role do what the run does?
    "codestar-connections.GetConnection",  # the connection the pipeline will use
)
READS = tuple(sorted({action for call in _CALLS if (action := iam_action(call))}))
