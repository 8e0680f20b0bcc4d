"""Resources someone else made under the names the lab uses, with plain boto3 — not the harness's
code — and everything a person could read back about each: tags, policies, revisions, attachments.

`make(target, kind key, names)` makes the look-alike; `describe(...)` reads it back as plain data, so
a test can prove the harness left it exactly as it was.
"""

from __future__ import annotations

import json

from pipeline_harness.kinds import BY_KEY
from pipeline_harness.settings import Names
from pipeline_harness.targets.base import Target

# a tag with an empty value too: AWS allows it, and moto then answers the tag without a Value
OWNER = [{"Key": "owner", "Value": "someone-else"}, {"Key": "team", "Value": ""}]
_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
_INLINE = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})
_READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
_EXECUTION = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def _default_network(target: Target) -> tuple[str, list[str]]:
    ec2 = target.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    return vpc, sorted(s["SubnetId"] for s in subnets)[:2]


# --- makers -------------------------------------------------------------------------------------

def _repository(target: Target, name: str) -> None:
    ecr = target.client("ecr")
    ecr.create_repository(repositoryName=name, tags=OWNER, imageTagMutability="IMMUTABLE")
    ecr.put_image(repositoryName=name, imageTag="v1", imageManifest=json.dumps(
        {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "config": {"digest": "sha256:" + "c" * 64, "size": 1,
                    "mediaType": "application/vnd.docker.container.image.v1+json"},
         "layers": []}))


def _bucket(target: Target, name: str) -> None:
    s3 = target.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": OWNER})
    s3.put_object(Bucket=name, Key="keep/me.txt", Body=b"someone's data")


def _role(target: Target, name: str) -> None:
    iam = target.client("iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=_TRUST, Tags=OWNER)
    iam.put_role_policy(RoleName=name, PolicyName="TheirOwn", PolicyDocument=_INLINE)
    iam.attach_role_policy(RoleName=name, PolicyArn=_READ_ONLY)


def _log_group(target: Target, name: str) -> None:
    logs = target.client("logs")
    logs.create_log_group(logGroupName=name, tags={"owner": "someone-else"})
    logs.put_retention_policy(logGroupName=name, retentionInDays=7)


def _project(target: Target, name: str) -> None:
    account = target.account
    target.client("codebuild").create_project(
        name=name, source={"type": "S3", "location": "their-sources/app.zip"},
        artifacts={"type": "NO_ARTIFACTS"}, tags=[{"key": "owner", "value": "someone-else"}],
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:6.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=f"arn:aws:iam::{account}:role/their-build-role")


def _network(target: Target, stem: str) -> None:
    """A VPC of the same name, with a gateway, a subnet and a group named like the harness's."""
    ec2 = target.client("ec2")

    def named(kind: str, name: str) -> list[dict]:
        return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}, *OWNER]}]

    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16",
                         TagSpecifications=named("vpc", f"{stem}-vpc"))["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway(TagSpecifications=named("internet-gateway", f"{stem}-igw"))
    ec2.attach_internet_gateway(InternetGatewayId=gateway["InternetGateway"]["InternetGatewayId"], VpcId=vpc)
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.1.0/24",
                      TagSpecifications=named("subnet", f"{stem}-subnet-1"))
    ec2.create_security_group(GroupName=f"{stem}-sg", Description="theirs", VpcId=vpc,
                              TagSpecifications=named("security-group", f"{stem}-sg"))


def _target_group(target: Target, name: str) -> None:
    vpc, _ = _default_network(target)
    target.client("elbv2").create_target_group(Name=name, Protocol="HTTP", Port=8080, VpcId=vpc,
                                               TargetType="instance", Tags=OWNER)


def _load_balancer(target: Target, name: str) -> None:
    _, subnets = _default_network(target)
    elbv2 = target.client("elbv2")
    balancer = elbv2.create_load_balancer(Name=name, Subnets=subnets, Tags=OWNER)["LoadBalancers"][0]
    elbv2.create_listener(LoadBalancerArn=balancer["LoadBalancerArn"], Protocol="HTTP", Port=8080,
                          DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {
                              "StatusCode": "200", "ContentType": "text/plain", "MessageBody": "theirs"}}])


def _cluster(target: Target, name: str) -> None:
    target.client("ecs").create_cluster(clusterName=name, tags=[{"key": "owner", "value": "someone-else"}])


def _task_family(target: Target, family: str) -> None:
    """Three revisions of their own, the first already deregistered."""
    ecs = target.client("ecs")
    for image in ("nginx:1.25", "nginx:1.26", "nginx:1.27"):
        ecs.register_task_definition(family=family, containerDefinitions=[
            {"name": "web", "image": image, "memory": 128}], tags=[{"key": "owner", "value": "someone-else"}])
    ecs.deregister_task_definition(taskDefinition=f"{family}:1")


def _service(target: Target, name: str, cluster: str) -> None:
    ecs = target.client("ecs")
    _cluster(target, cluster)
    task = ecs.register_task_definition(family="their-web", containerDefinitions=[
        {"name": "web", "image": "nginx:1.27", "memory": 128}])["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=task, desiredCount=0,
                       tags=[{"key": "owner", "value": "someone-else"}])


def _pipeline(target: Target, name: str) -> None:
    account = target.account
    bucket = f"their-artifacts-{account}"
    target.client("s3").create_bucket(Bucket=bucket)
    target.client("iam").create_role(RoleName="their-pipeline-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "codepipeline.amazonaws.com"}}]}))
    target.client("codepipeline").create_pipeline(pipeline={
        "name": name, "roleArn": f"arn:aws:iam::{account}:role/their-pipeline-role",
        "artifactStore": {"type": "S3", "location": bucket},
        "stages": [{"name": "Source", "actions": [{
            "name": "Source", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3",
                                              "version": "1"},
            "configuration": {"S3Bucket": bucket, "S3ObjectKey": "app.zip"},
            "outputArtifacts": [{"name": "App"}]}]},
            {"name": "Approve", "actions": [{
                "name": "Approve", "actionTypeId": {"category": "Approval", "owner": "AWS",
                                                   "provider": "Manual", "version": "1"}}]}]},
        tags=[{"key": "owner", "value": "someone-else"}])


def _queue(target: Target, name: str) -> None:
    target.client("sqs").create_queue(QueueName=name, tags={"owner": "someone-else"},
                                      Attributes={"MessageRetentionPeriod": "600"})


def _rule(target: Target, name: str) -> None:
    events = target.client("events")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["aws.s3"]}), Tags=OWNER)
    queue = target.client("sqs").create_queue(QueueName="their-inbox")["QueueUrl"]
    arn = target.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    events.put_targets(Rule=name, Targets=[{"Id": "theirs", "Arn": arn["Attributes"]["QueueArn"]}])


# --- describers: everything a person could read back ---------------------------------------------

def _describe_repository(target: Target, name: str) -> dict:
    ecr = target.client("ecr")
    repository = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    return {"repository": repository,
            "tags": ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"],
            "images": ecr.describe_images(repositoryName=name)["imageDetails"]}


def _describe_bucket(target: Target, name: str) -> dict:
    s3 = target.client("s3")
    objects = s3.list_object_versions(Bucket=name)
    return {"tags": s3.get_bucket_tagging(Bucket=name)["TagSet"],
            "versioning": s3.get_bucket_versioning(Bucket=name).get("Status"),
            "objects": [(v["Key"], v["VersionId"], v["ETag"]) for v in objects.get("Versions", [])]}


def _describe_role(target: Target, name: str) -> dict:
    iam = target.client("iam")
    role = iam.get_role(RoleName=name)["Role"]
    role.pop("RoleLastUsed", None)  # moves whenever the role is used, by anyone
    policies = {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}
    return {"role": role, "inline": policies, "tags": iam.list_role_tags(RoleName=name)["Tags"],
            "attached": iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}


def _describe_log_group(target: Target, name: str) -> dict:
    logs = target.client("logs")
    group = next(g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
                 if g["logGroupName"] == name)
    return {"group": group, "tags": logs.list_tags_log_group(logGroupName=name)["tags"]}


def _describe_project(target: Target, name: str) -> dict:
    return target.client("codebuild").batch_get_projects(names=[name])["projects"][0]


def _describe_network(target: Target, stem: str) -> dict:
    ec2 = target.client("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:owner", "Values": ["someone-else"]}])["Vpcs"]
    vpc = [{"Name": "vpc-id", "Values": [v["VpcId"] for v in vpcs]}]
    return {"vpcs": vpcs, "subnets": ec2.describe_subnets(Filters=vpc)["Subnets"],
            "groups": ec2.describe_security_groups(Filters=vpc)["SecurityGroups"],
            "gateways": ec2.describe_internet_gateways(
                Filters=[{"Name": "tag:owner", "Values": ["someone-else"]}])["InternetGateways"]}


def _describe_target_group(target: Target, name: str) -> dict:
    elbv2 = target.client("elbv2")
    group = elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]
    return {"group": group, "tags": _tags_of(elbv2, group["TargetGroupArn"])}


def _tags_of(elbv2, arn: str) -> list[dict]:
    return elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"]


def _describe_load_balancer(target: Target, name: str) -> dict:
    elbv2 = target.client("elbv2")
    balancer = elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]
    arn = balancer["LoadBalancerArn"]
    return {"balancer": balancer, "tags": _tags_of(elbv2, arn),
            "listeners": elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]}


def _describe_cluster(target: Target, name: str) -> dict:
    ecs = target.client("ecs")
    cluster = ecs.describe_clusters(clusters=[name], include=["TAGS"])["clusters"]
    return {"cluster": cluster, "services": ecs.list_services(cluster=name)["serviceArns"]}


def _describe_task_family(target: Target, family: str) -> dict:
    ecs = target.client("ecs")
    revisions = {status: ecs.list_task_definitions(familyPrefix=family, status=status)["taskDefinitionArns"]
                 for status in ("ACTIVE", "INACTIVE")}
    described = [ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
                 for arns in revisions.values() for arn in arns]
    for answer in described:
        answer.pop("ResponseMetadata", None)
    return {"revisions": revisions, "described": described}


def _describe_service(target: Target, name: str, cluster: str) -> dict:
    services = target.client("ecs").describe_services(cluster=cluster, services=[name], include=["TAGS"])
    return {"services": services["services"], "cluster": _describe_cluster(target, cluster)}


def _describe_queue(target: Target, name: str) -> dict:
    sqs = target.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return {"attributes": sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"],
            "tags": sqs.list_queue_tags(QueueUrl=url).get("Tags")}


def _describe_rule(target: Target, name: str) -> dict:
    events = target.client("events")
    rule = events.describe_rule(Name=name)
    rule.pop("ResponseMetadata", None)
    return {"rule": rule, "targets": events.list_targets_by_rule(Rule=name).get("Targets"),
            "tags": events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]}


def _describe_pipeline(target: Target, name: str) -> dict:
    client = target.client("codepipeline")
    found = client.get_pipeline(name=name)
    return {"pipeline": found["pipeline"],
            "tags": client.list_tags_for_resource(resourceArn=found["metadata"]["pipelineArn"])["tags"]}


MAKERS = {
    "ecr_repository": _repository, "artifact_bucket": _bucket, "pipeline_role": _role,
    "codebuild_role": _role, "execution_role": _role, "log_group": _log_group, "task_log_group": _log_group,
    "codebuild_project": _project, "network": _network, "target_group": _target_group,
    "load_balancer": _load_balancer, "cluster": _cluster, "task_family": _task_family,
    "pipeline": _pipeline, "event_queue": _queue, "event_rule": _rule,
}
DESCRIBERS = {
    "ecr_repository": _describe_repository, "artifact_bucket": _describe_bucket,
    "pipeline_role": _describe_role, "codebuild_role": _describe_role, "execution_role": _describe_role,
    "log_group": _describe_log_group, "task_log_group": _describe_log_group,
    "codebuild_project": _describe_project,
    "network": _describe_network, "target_group": _describe_target_group,
    "load_balancer": _describe_load_balancer, "cluster": _describe_cluster,
    "task_family": _describe_task_family, "pipeline": _describe_pipeline,
    "event_queue": _describe_queue, "event_rule": _describe_rule,
}


def make(target: Target, key: str, names: Names) -> None:
    """Someone else's resource of this kind under the run's name (a service comes in its cluster)."""
    if key == "service":
        _service(target, names.service, names.cluster)
    else:
        MAKERS[key](target, BY_KEY[key].name(names))


def describe(target: Target, key: str, names: Names) -> dict:
    if key == "service":
        return _describe_service(target, names.service, names.cluster)
    return DESCRIBERS[key](target, BY_KEY[key].name(names))


def kinds_with_look_alikes() -> set[str]:
    return {*MAKERS, "service"}
