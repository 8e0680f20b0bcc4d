"""A real-AWS nightly run as botocore Stubber timelines (every request and response checked against
the AWS API models) plus `responses` for GitHub's REST API and the ALB."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import responses
from botocore.stub import Stubber

from pipeline_harness.settings import TAG_CREATED_AT, TAG_RUN_ID
from pipeline_harness.targets.base import Target
from pipeline_harness.waits import events
from tests.played import Run

ACCOUNT, REGION, RUN_ID = "123456789012", "us-east-1", "1a2b3c4d5e6f"
PREFIX = "n1a2b3c4d-"
REPO, TOKEN = "octo-org/lab-app", "ghp_test"
BRANCH = f"pipeline-harness/run-{RUN_ID}"
CONNECTION = (f"arn:aws:codestar-connections:{REGION}:{ACCOUNT}:connection/"
              "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab")
COMMIT = "3f2c9a1d0b7e4c21a9f0e8d7c6b5a4f3e2d1c0b9"
SHORT = COMMIT[:7]
BASE_COMMIT, BASE_TREE, NEW_TREE = "b" * 40, "c" * 40, "d" * 40
EXECUTION = "11111111-2222-3333-4444-555555555555"
PIPELINE = f"{PREFIX}dev-php-app-pipeline"
PROJECT = f"{PREFIX}dev-php-app-build"
BUILD_NUMBER = 42
CLUSTER, SERVICE = f"{PREFIX}dev-cluster", f"{PREFIX}dev-php-app-alb-service"
REPOSITORY = f"{PREFIX}my-ecs-php-app"
URI = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPOSITORY}"
BUCKET = f"dev-pipeline-artifacts-{ACCOUNT}-n1a2b3c4d"
LB = (f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{PREFIX}dev-php-app-alb/"
      "50dc6c495c0c9188")
TG = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{PREFIX}dev-php-app-tg/73e2d6bc24d8a067"
DNS = "n1a2b3c4d-dev-php-app-alb-1234567890.us-east-1.elb.amazonaws.com"
HEALTH_URL = f"http://{DNS}/health.php"
TD = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{PREFIX}dev-php-app-task"
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
# the run as its account records it: its execution, build, image, deployment, task and ALB
RUN = Run(account=ACCOUNT, region=REGION, pipeline=PIPELINE, project=PROJECT, repository=REPOSITORY,
          cluster=CLUSTER, service=SERVICE, load_balancer=f"{PREFIX}dev-php-app-alb", load_balancer_arn=LB,
          dns=DNS, target_group_arn=TG, task_definition_arn=f"{TD}:2", commit=COMMIT,
          build_number=BUILD_NUMBER, execution=EXECUTION, started=T0)
DIGEST = RUN.digest  # the index the build pushed
BUILD_ID = RUN.build_id
TAGS = [{"Key": TAG_RUN_ID, "Value": RUN_ID}, {"Key": TAG_CREATED_AT, "Value": "2026-11-26T02:00:00Z"}]
API = f"https://api.github.com/repos/{REPO}"
SERVICES = ("sts", "ecr", "codestar-connections", "s3", "iam", "logs", "codebuild", "ec2", "elbv2",
            "ecs", "codepipeline", "events", "sqs", "service-quotas")
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/pipeline-harness-nightly"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/pipeline-harness-nightly/pipeline-harness-nightly-42"


class Timeline:
    """One Stubber per client, and the log of every call in the order the flow made them."""

    def __init__(self, target: Target):
        self.calls: list[str] = []
        self.stubs = {}
        for service in SERVICES:
            client = target.client(service)
            # a Stubber answers before the target's counter sees a call, so count here
            client.meta.events.register("provide-client-params", self._record)
            self.stubs[service] = Stubber(client)
            self.stubs[service].activate()

    def _record(self, model, **_):
        self.calls.append(f"{model.service_model.service_name}.{model.name}")

    def taking(self, clock, seconds: float) -> Timeline:
        """Each AWS call moves the simulated clock on by `seconds`, as real calls take time."""
        def tick(**_):
            clock.now += seconds

        for stub in self.stubs.values():
            stub.client.meta.events.register("provide-client-params", tick)
        return self

    def add(self, service, operation, response=None, params=None):
        self.stubs[service].add_response(operation, response or {}, params)

    def error(self, service, operation, code, message="", status=400):
        self.stubs[service].add_client_error(operation, code, message, status)

    def assert_done(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()

    def deletes(self) -> list[str]:
        """The calls that remove something, in order: what teardown did."""
        verbs = ("Delete", "Detach", "Deregister")
        return [c for c in self.calls if c.split(".", 1)[1].startswith(verbs)]


# --- GitHub -----------------------------------------------------------------------------------------

def github_push(mock, files_seen: list | None = None):
    """The Git Data API answers for one push: blobs, tree, commit, ref."""
    mock.get(API, json={"default_branch": "main"})
    mock.get(f"{API}/git/ref/heads/main", json={"ref": "refs/heads/main", "object": {"sha": BASE_COMMIT}})
    mock.get(f"{API}/git/commits/{BASE_COMMIT}", json={"sha": BASE_COMMIT, "tree": {"sha": BASE_TREE}})
    mock.post(f"{API}/git/blobs", json={"sha": "e" * 40}, status=201)

    def tree(request):
        body = json.loads(request.body)
        if files_seen is not None:
            files_seen.extend(entry["path"] for entry in body["tree"])
        assert body["base_tree"] == BASE_TREE
        return 201, {}, json.dumps({"sha": NEW_TREE})

    mock.add_callback(responses.POST, f"{API}/git/trees", callback=tree)
    mock.post(f"{API}/git/commits", json={"sha": COMMIT}, status=201,
              match=[responses.matchers.json_params_matcher(
                  {"message": f"pipeline-harness nightly run {RUN_ID}", "tree": NEW_TREE,
                   "parents": [BASE_COMMIT]})])
    mock.post(f"{API}/git/refs", json={"ref": f"refs/heads/{BRANCH}"}, status=201,
              match=[responses.matchers.json_params_matcher(
                  {"ref": f"refs/heads/{BRANCH}", "sha": COMMIT})])


def github_delete(mock, status=204):
    mock.delete(f"{API}/git/refs/heads/{BRANCH}", status=status)


# --- provisioning Steps 1-6 and the prerequisites ---------------------------------------------------

def _role(name):
    return {"Path": "/", "RoleName": name, "RoleId": "AROA" + "X" * 17,
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "CreateDate": T0, "Tags": TAGS,
            "AssumeRolePolicyDocument": "%7B%7D"}


def _stages():
    def action(category, provider):
        return {"name": category, "actionTypeId": {"category": category, "owner": "AWS",
                                                   "provider": provider, "version": "1"}}
    return [{"name": "Source", "actions": [action("Source", "CodeStarSourceConnection")]},
            {"name": "Build", "actions": [action("Build", "CodeBuild")]},
            {"name": "Deploy", "actions": [action("Deploy", "ECS")]}]


DECLARATION = {"name": PIPELINE,
               "roleArn": f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}dev-codepipeline-service-role",
               "artifactStore": {"type": "S3", "location": BUCKET}, "stages": _stages(),
               "pipelineType": "V2", "version": 1}
REPOSITORY_RECORD = {"repositoryArn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{REPOSITORY}",
                     "registryId": ACCOUNT, "repositoryName": REPOSITORY, "repositoryUri": URI,
                     "imageScanningConfiguration": {"scanOnPush": True}, "imageTagMutability": "MUTABLE"}


EVENTS = f"{PREFIX}dev-php-app-events"
NO_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{EVENTS}"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{EVENTS}"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{EVENTS}"
RULE_RECORD = {"Name": EVENTS, "Arn": RULE_ARN, "State": "ENABLED", "EventPattern": json.dumps(
    events.run_pattern(pipeline=PIPELINE, repository=REPOSITORY, cluster=CLUSTER, service=SERVICE,
                       region=REGION, account=ACCOUNT))}
ROLES = {"pipeline": f"{PREFIX}dev-codepipeline-service-role",
         "codebuild": f"{PREFIX}dev-codebuild-service-role",
         "execution": f"{PREFIX}dev-php-app-task-execution-role"}
LOG_GROUP = f"/aws/codebuild/{PROJECT}"
LOG_GROUP_RECORD = {"logGroupName": LOG_GROUP,
                    "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}:*"}
TASK_LOG_GROUP = f"/ecs/{PREFIX}dev-php-app-task"
TASK_LOG_GROUP_RECORD = {"logGroupName": TASK_LOG_GROUP,
                         "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{TASK_LOG_GROUP}:*"}
ECS_TAGS = [{"key": k["Key"], "value": k["Value"]} for k in TAGS]
NETWORK = f"{PREFIX}dev-php-app"
VPC = {"VpcId": "vpc-0abc", "Tags": [{"Key": "Name", "Value": f"{NETWORK}-vpc"}, *TAGS]}
SUBNETS = [{"SubnetId": "subnet-0001", "CidrBlock": "10.77.1.0/24"},
           {"SubnetId": "subnet-0002", "CidrBlock": "10.77.2.0/24"}]
GATEWAY = {"InternetGatewayId": "igw-0abc", "Attachments": [{"VpcId": "vpc-0abc", "State": "available"}]}
SECURITY_GROUP = {"GroupName": f"{NETWORK}-sg", "GroupId": "sg-0abc"}


def _absent(t: Timeline):
    """Every kind the run makes, read once before anything is created: none is someone else's."""
    t.error("ecr", "describe_repositories", "RepositoryNotFoundException")
    t.error("s3", "get_bucket_location", "NoSuchBucket", status=404)
    for _ in ("pipeline", "codebuild"):  # the two service roles
        t.error("iam", "get_role", "NoSuchEntity", status=404)
    t.add("logs", "describe_log_groups", {"logGroups": []})
    t.add("codebuild", "batch_get_projects", {"projects": [], "projectsNotFound": [PROJECT]})
    t.add("ec2", "describe_vpcs", {"Vpcs": []})
    t.error("elbv2", "describe_target_groups", "TargetGroupNotFound")
    t.error("elbv2", "describe_load_balancers", "LoadBalancerNotFound")
    t.error("iam", "get_role", "NoSuchEntity", status=404)
    t.add("logs", "describe_log_groups", {"logGroups": []})
    t.add("ecs", "describe_clusters", {"clusters": [], "failures": [{"arn": CLUSTER, "reason": "MISSING"}]})
    for _ in ("ACTIVE", "INACTIVE"):
        t.add("ecs", "list_task_definitions", {"taskDefinitionArns": []})
    t.error("ecs", "describe_services", "ClusterNotFoundException")
    t.error("codepipeline", "get_pipeline", "PipelineNotFoundException")
    t.error("sqs", "get_queue_url", NO_QUEUE)
    t.error("events", "describe_rule", "ResourceNotFoundException")


def provision(t: Timeline):
    _absent(t)
    t.error("ecr", "describe_repositories", "RepositoryNotFoundException")
    t.add("ecr", "create_repository", {"repository": REPOSITORY_RECORD})
    t.add("codestar-connections", "get_connection", {"Connection": {
        "ConnectionName": "github-connection", "ConnectionArn": CONNECTION, "ProviderType": "GitHub",
        "OwnerAccountId": ACCOUNT, "ConnectionStatus": "AVAILABLE"}}, {"ConnectionArn": CONNECTION})
    t.error("s3", "get_bucket_location", "NoSuchBucket", status=404)
    t.add("s3", "create_bucket", {"Location": f"/{BUCKET}"},
          {"Bucket": BUCKET, "CreateBucketConfiguration": {"Tags": TAGS}})
    for operation in ("put_bucket_tagging", "put_public_access_block", "put_bucket_versioning"):
        t.add("s3", operation)
    t.error("iam", "get_role", "NoSuchEntity", status=404)
    t.add("iam", "create_role", {"Role": _role(ROLES["pipeline"])})
    t.add("iam", "put_role_policy")
    t.add("iam", "attach_role_policy")
    t.error("iam", "get_role", "NoSuchEntity", status=404)
    t.add("iam", "create_role", {"Role": _role(ROLES["codebuild"])})
    t.add("iam", "put_role_policy")
    t.add("logs", "describe_log_groups", {"logGroups": []})
    t.add("logs", "create_log_group")
    t.add("logs", "describe_log_groups", {"logGroups": [LOG_GROUP_RECORD]})
    t.add("codebuild", "batch_get_projects", {"projects": [], "projectsNotFound": [PROJECT]})
    t.add("codebuild", "create_project", {"project": {
        "name": PROJECT, "arn": f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{PROJECT}"}})
    _provision_prerequisites(t)
    t.error("codepipeline", "get_pipeline", "PipelineNotFoundException")
    t.add("codepipeline", "create_pipeline", {"pipeline": DECLARATION})
    _provision_events(t)


def _provision_events(t: Timeline):
    """The run's queue, and its rule delivering the pipeline's, image's and service's events to it."""
    t.error("sqs", "get_queue_url", NO_QUEUE)
    t.add("sqs", "create_queue", {"QueueUrl": QUEUE_URL})
    t.add("sqs", "get_queue_url", {"QueueUrl": QUEUE_URL})
    t.add("sqs", "get_queue_attributes", {"Attributes": {"QueueArn": QUEUE_ARN}})
    t.error("events", "describe_rule", "ResourceNotFoundException")
    t.add("events", "put_rule", {"RuleArn": RULE_ARN})
    t.add("events", "describe_rule", RULE_RECORD)
    t.add("events", "list_targets_by_rule", {})  # none yet: AWS leaves the list out
    t.add("events", "put_targets", {"FailedEntryCount": 0}, {"Rule": EVENTS, "Targets": [
        {"Id": "run-queue", "Arn": QUEUE_ARN}]})
    t.add("events", "describe_rule", RULE_RECORD)
    t.add("events", "list_targets_by_rule", {"Targets": [{"Id": "run-queue", "Arn": QUEUE_ARN}]})


def _provision_prerequisites(t: Timeline):
    t.add("ec2", "describe_vpcs", {"Vpcs": []})
    t.add("ec2", "create_vpc", {"Vpc": VPC})
    t.add("ec2", "create_internet_gateway", {"InternetGateway": {"InternetGatewayId": "igw-0abc"}})
    t.add("ec2", "attach_internet_gateway")
    t.add("ec2", "describe_route_tables", {"RouteTables": [{"RouteTableId": "rtb-0abc"}]})
    t.add("ec2", "create_route", {"Return": True})
    t.add("ec2", "describe_availability_zones",
          {"AvailabilityZones": [{"ZoneName": "us-east-1a"}, {"ZoneName": "us-east-1b"}]})
    t.add("ec2", "create_subnet", {"Subnet": SUBNETS[0]})
    t.add("ec2", "create_subnet", {"Subnet": SUBNETS[1]})
    t.add("ec2", "create_security_group", {"GroupId": "sg-0abc"})
    t.add("ec2", "authorize_security_group_ingress", {"Return": True})
    t.error("elbv2", "describe_target_groups", "TargetGroupNotFound")
    t.add("elbv2", "create_target_group", {"TargetGroups": [{"TargetGroupArn": TG}]})
    t.error("elbv2", "describe_load_balancers", "LoadBalancerNotFound")
    t.add("elbv2", "create_load_balancer",
          {"LoadBalancers": [{"LoadBalancerArn": LB, "DNSName": DNS}]})
    t.add("elbv2", "describe_listeners", {"Listeners": []})
    listener = LB.replace(":loadbalancer/", ":listener/") + "/1"
    t.add("elbv2", "create_listener", {"Listeners": [{"ListenerArn": listener}]})
    t.error("iam", "get_role", "NoSuchEntity", status=404)
    t.add("iam", "create_role", {"Role": _role(ROLES["execution"])})
    t.add("iam", "attach_role_policy")
    t.add("logs", "describe_log_groups", {"logGroups": []})
    t.add("logs", "create_log_group")
    t.add("logs", "describe_log_groups", {"logGroups": [TASK_LOG_GROUP_RECORD]})
    t.add("ecs", "describe_clusters", {"clusters": [], "failures": [{"arn": CLUSTER, "reason": "MISSING"}]})
    t.add("ecs", "create_cluster", {"cluster": {"clusterName": CLUSTER}})
    for _ in ("ACTIVE", "INACTIVE"):
        t.add("ecs", "list_task_definitions", {"taskDefinitionArns": []})
    t.add("ecs", "register_task_definition", {"taskDefinition": {"taskDefinitionArn": f"{TD}:1"}})
    t.add("ecs", "describe_services", {"services": [], "failures": [{"arn": SERVICE, "reason": "MISSING"}]})
    t.add("ecs", "create_service", {"service": {"serviceName": SERVICE}})


# --- teardown: the registry of kinds backwards, each read, found ours by its tag, deleted ---------

def _role_read(t: Timeline, role: str, inline: list[str], attached: list[str]):
    t.add("iam", "get_role", {"Role": _role(role)})
    t.add("iam", "list_role_policies", {"PolicyNames": inline})
    for name in inline:
        t.add("iam", "get_role_policy", {"RoleName": role, "PolicyName": name, "PolicyDocument": "{}"})
    t.add("iam", "list_attached_role_policies", {"AttachedPolicies": [
        {"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn} for arn in attached]})


def _role_delete(t: Timeline, role: str, inline: list[str], attached: list[str]):
    _role_read(t, role, inline, attached)
    t.add("iam", "list_role_policies", {"PolicyNames": inline})
    for name in inline:
        t.add("iam", "delete_role_policy", params={"RoleName": role, "PolicyName": name})
    t.add("iam", "list_attached_role_policies", {"AttachedPolicies": [
        {"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn} for arn in attached]})
    for arn in attached:
        t.add("iam", "detach_role_policy", params={"RoleName": role, "PolicyArn": arn})
    t.add("iam", "delete_role", params={"RoleName": role})


def teardown(t: Timeline):
    t.add("events", "describe_rule", RULE_RECORD)
    t.add("events", "list_targets_by_rule", {"Targets": [{"Id": "run-queue", "Arn": QUEUE_ARN}]})
    t.add("events", "list_tags_for_resource", {"Tags": TAGS})
    t.add("events", "remove_targets", {"FailedEntryCount": 0}, {"Rule": EVENTS, "Ids": ["run-queue"]})
    t.add("events", "delete_rule", params={"Name": EVENTS})
    t.add("sqs", "get_queue_url", {"QueueUrl": QUEUE_URL})
    t.add("sqs", "get_queue_attributes", {"Attributes": {"QueueArn": QUEUE_ARN}})
    t.add("sqs", "list_queue_tags", {"Tags": {k["Key"]: k["Value"] for k in TAGS}})
    t.add("sqs", "delete_queue", params={"QueueUrl": QUEUE_URL})
    t.add("codepipeline", "get_pipeline", {"pipeline": DECLARATION, "metadata": {
        "pipelineArn": f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{PIPELINE}"}})
    t.add("codepipeline", "list_tags_for_resource",
          {"tags": [{"key": k["Key"], "value": k["Value"]} for k in TAGS]})
    t.add("codepipeline", "delete_pipeline", params={"name": PIPELINE})
    _teardown_prerequisites(t)
    t.add("codebuild", "batch_get_projects", {"projects": [{"name": PROJECT, "tags": ECS_TAGS}]})
    t.add("codebuild", "delete_project", params={"name": PROJECT})
    t.add("logs", "describe_log_groups", {"logGroups": [LOG_GROUP_RECORD]})
    t.add("logs", "list_tags_for_resource", {"tags": {k["Key"]: k["Value"] for k in TAGS}})
    t.add("logs", "delete_log_group", params={"logGroupName": LOG_GROUP})
    _role_delete(t, ROLES["codebuild"], ["CodeBuildCustomPolicy"], [])
    _role_delete(t, ROLES["pipeline"], ["CodePipelineCustomPolicy"],
                 ["arn:aws:iam::aws:policy/AmazonECS_FullAccess"])
    t.add("s3", "get_bucket_location", {})  # us-east-1 answers no LocationConstraint
    t.add("s3", "get_public_access_block", {"PublicAccessBlockConfiguration": {}})
    t.add("s3", "get_bucket_versioning", {"Status": "Enabled"})
    t.add("s3", "get_bucket_tagging", {"TagSet": TAGS})
    t.add("s3", "list_object_versions", {"Versions": [{"Key": "SourceArti/a.zip", "VersionId": "v1"}],
                                         "IsTruncated": False})
    t.add("s3", "delete_objects", {"Deleted": [{"Key": "SourceArti/a.zip"}]})
    t.add("s3", "delete_bucket", params={"Bucket": BUCKET})
    _connection_is_the_users(t)
    t.add("ecr", "describe_repositories", {"repositories": [REPOSITORY_RECORD]})
    t.add("ecr", "list_tags_for_resource", {"tags": TAGS})
    t.add("ecr", "delete_repository", {"repository": REPOSITORY_RECORD},
          {"repositoryName": REPOSITORY, "force": True})


def _connection_is_the_users(t: Timeline):
    """The connection given by ARN carries no run tag: read, and left alone."""
    t.add("codestar-connections", "get_connection", {"Connection": {
        "ConnectionName": "github-connection", "ConnectionArn": CONNECTION, "ProviderType": "GitHub",
        "ConnectionStatus": "AVAILABLE"}}, {"ConnectionArn": CONNECTION})
    t.add("codestar-connections", "list_tags_for_resource", {"Tags": []})


def _teardown_prerequisites(t: Timeline):
    service = {"serviceName": SERVICE, "status": "ACTIVE", "tags": ECS_TAGS,
               "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"}
    t.add("ecs", "describe_services", {"services": [service]})
    t.add("ecs", "delete_service", {"service": {"serviceName": SERVICE}},
          {"cluster": service["clusterArn"], "service": SERVICE, "force": True})
    t.add("ecs", "describe_services", {"services": [{"serviceName": SERVICE, "status": "INACTIVE"}],
                                       "failures": []})
    t.add("ecs", "list_task_definitions", {"taskDefinitionArns": [f"{TD}:1", f"{TD}:2"]})
    t.add("ecs", "list_task_definitions", {"taskDefinitionArns": []})
    for _ in ("whose family", "whose revisions"):  # ours as a family, then revision by revision
        for revision in (1, 2):
            t.add("ecs", "describe_task_definition", {"taskDefinition": {
                "taskDefinitionArn": f"{TD}:{revision}"}, "tags": ECS_TAGS})
    t.add("ecs", "deregister_task_definition", {"taskDefinition": {}}, {"taskDefinition": f"{TD}:1"})
    t.add("ecs", "deregister_task_definition", {"taskDefinition": {}}, {"taskDefinition": f"{TD}:2"})
    t.add("ecs", "delete_task_definitions", {"taskDefinitions": [], "failures": []},
          {"taskDefinitions": [f"{TD}:1", f"{TD}:2"]})
    cluster_arn = service["clusterArn"]
    t.add("ecs", "describe_clusters", {"clusters": [{"clusterName": CLUSTER, "clusterArn": cluster_arn,
                                                     "status": "ACTIVE", "tags": ECS_TAGS}]})
    t.add("ecs", "delete_cluster", {"cluster": {"clusterName": CLUSTER}}, {"cluster": cluster_arn})
    t.add("logs", "describe_log_groups", {"logGroups": [TASK_LOG_GROUP_RECORD]})
    t.add("logs", "list_tags_for_resource", {"tags": {k["Key"]: k["Value"] for k in TAGS}})
    t.add("logs", "delete_log_group", params={"logGroupName": TASK_LOG_GROUP})
    _role_delete(t, ROLES["execution"], [],
                 ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"])
    t.add("elbv2", "describe_load_balancers", {"LoadBalancers": [{"LoadBalancerArn": LB, "DNSName": DNS}]})
    t.add("elbv2", "describe_tags", {"TagDescriptions": [{"ResourceArn": LB, "Tags": TAGS}]})
    t.add("elbv2", "delete_load_balancer", params={"LoadBalancerArn": LB})
    t.error("elbv2", "describe_load_balancers", "LoadBalancerNotFound")  # the deletion waiter
    t.add("elbv2", "describe_target_groups", {"TargetGroups": [{"TargetGroupArn": TG}]})
    t.add("elbv2", "describe_tags", {"TagDescriptions": [{"ResourceArn": TG, "Tags": TAGS}]})
    t.add("elbv2", "delete_target_group", params={"TargetGroupArn": TG})
    t.add("ec2", "describe_vpcs", {"Vpcs": [VPC]})
    t.add("ec2", "describe_subnets", {"Subnets": SUBNETS})
    t.add("ec2", "describe_security_groups", {"SecurityGroups": [SECURITY_GROUP]})
    t.add("ec2", "describe_internet_gateways", {"InternetGateways": [GATEWAY]})
    t.add("ec2", "describe_security_groups", {"SecurityGroups": [
        {"GroupName": "default", "GroupId": "sg-0def"}, SECURITY_GROUP]})
    t.add("ec2", "delete_security_group", params={"GroupId": "sg-0abc"})
    t.add("ec2", "describe_subnets", {"Subnets": SUBNETS})
    t.add("ec2", "delete_subnet", params={"SubnetId": "subnet-0001"})
    t.add("ec2", "delete_subnet", params={"SubnetId": "subnet-0002"})
    t.add("ec2", "describe_internet_gateways", {"InternetGateways": [GATEWAY]})
    t.add("ec2", "detach_internet_gateway", params={"InternetGatewayId": "igw-0abc", "VpcId": "vpc-0abc"})
    t.add("ec2", "delete_internet_gateway", params={"InternetGatewayId": "igw-0abc"})
    t.add("ec2", "delete_vpc", params={"VpcId": "vpc-0abc"})


EXPECTED_DELETES = [
    "events.DeleteRule", "sqs.DeleteQueue",
    "codepipeline.DeletePipeline",
    "ecs.DeleteService", "ecs.DeregisterTaskDefinition", "ecs.DeregisterTaskDefinition",
    "ecs.DeleteTaskDefinitions", "ecs.DeleteCluster", "logs.DeleteLogGroup",
    "iam.DetachRolePolicy", "iam.DeleteRole",
    "elbv2.DeleteLoadBalancer", "elbv2.DeleteTargetGroup",
    "ec2.DeleteSecurityGroup", "ec2.DeleteSubnet", "ec2.DeleteSubnet", "ec2.DetachInternetGateway",
    "ec2.DeleteInternetGateway", "ec2.DeleteVpc",
    "codebuild.DeleteProject", "logs.DeleteLogGroup",
    "iam.DeleteRolePolicy", "iam.DeleteRole",
    "iam.DeleteRolePolicy", "iam.DetachRolePolicy", "iam.DeleteRole",
    "s3.DeleteObjects", "s3.DeleteBucket",
    "ecr.DeleteRepository",
]
# what teardown reports, per kind of the registry (the connection given by ARN is the user's)
EXPECTED_OUTCOMES = {
    "event_rule": "deleted", "event_queue": "deleted",
    "pipeline": "deleted", "service": "deleted", "task_family": "deleted", "cluster": "deleted",
    "task_log_group": "deleted",
    "execution_role": "deleted", "load_balancer": "deleted", "target_group": "deleted",
    "network": "deleted", "codebuild_project": "deleted", "log_group": "deleted",
    "codebuild_role": "deleted", "pipeline_role": "deleted", "artifact_bucket": "deleted",
    "connection_name": "not ours", "ecr_repository": "deleted",
}


# --- Step 7: what the pipeline, ECR, ECS and the ALB answer -----------------------------------------

def _summary(revision):
    return {"pipelineExecutionSummaries": [{"pipelineExecutionId": EXECUTION, "status": "InProgress",
                                            "sourceRevisions": [{"actionName": "Source",
                                                                 "revisionId": revision}]}]}


def _execution(status, summary=None):
    execution = {"pipelineName": PIPELINE, "pipelineExecutionId": EXECUTION, "status": status}
    if summary:
        execution["statusSummary"] = summary
    return {"pipelineExecution": execution}


def pipeline_runs(t: Timeline, end: str = "Succeeded"):
    """First look: only the CreatePipeline run of another commit; then ours, running, then `end`.

    Between the looks the wait listens to the run's queue; here it cannot be read, so the waits poll."""
    t.error("sqs", "receive_message", NO_QUEUE)
    t.add("codepipeline", "list_pipeline_executions", _summary("9" * 40))
    t.add("codepipeline", "list_pipeline_executions", _summary(COMMIT))  # ours, InProgress
    t.add("codepipeline", "get_pipeline_execution", _execution(end))


def _action_details():
    spans = {"Source": (0, 12), "Build": (12, 252), "Deploy": (252, 452)}
    providers = {"Source": "CodeStarSourceConnection", "Build": "CodeBuild", "Deploy": "ECS"}
    return {"actionExecutionDetails": [{
        "pipelineExecutionId": EXECUTION, "stageName": stage, "actionName": stage,
        "startTime": T0 + timedelta(seconds=begin), "lastUpdateTime": T0 + timedelta(seconds=end),
        "status": "Succeeded",
        "input": {"actionTypeId": {"category": stage, "owner": "AWS", "provider": providers[stage],
                                   "version": "1"}},
        "output": {"executionResult": {
            "externalExecutionId": BUILD_ID if stage == "Build" else f"{stage}-1"}},
    } for stage, (begin, end) in spans.items()]}


def pipeline_succeeded(t: Timeline):
    pipeline_runs(t)
    t.add("codepipeline", "list_action_executions", _action_details())  # stage durations
    t.add("codepipeline", "list_action_executions", _action_details())  # the build's id
    t.add("codebuild", "batch_get_builds", {"builds": [{"id": BUILD_ID, "buildNumber": BUILD_NUMBER}]},
          {"ids": [BUILD_ID]})


def pipeline_failed(t: Timeline, stage: str, code: str, message: str, build=None):
    """An execution that failed in `stage`; the wait reads the state (and the build) to explain it."""
    pipeline_runs(t, end="Failed")
    t.add("codepipeline", "get_pipeline", {"pipeline": DECLARATION})
    states = []
    for name in ("Source", "Build", "Deploy"):
        latest = {"status": "Failed" if name == stage else "Succeeded"}
        if name == stage:
            latest["errorDetails"] = {"code": code, "message": message}
            if build:
                latest["externalExecutionId"] = BUILD_ID
        states.append({"stageName": name, "latestExecution": {"pipelineExecutionId": EXECUTION,
                                                              "status": latest["status"]},
                       "actionStates": [{"actionName": name, "latestExecution": latest}]})
    t.add("codepipeline", "get_pipeline_state", {"pipelineName": PIPELINE, "stageStates": states})
    if build:
        phase, log_line = build
        t.add("codebuild", "batch_get_builds", {"builds": [{
            "id": BUILD_ID, "buildNumber": BUILD_NUMBER,
            "phases": [{"phaseType": "BUILD", "phaseStatus": "FAILED",
                        "contexts": [{"statusCode": "YAML_FILE_ERROR", "message": phase}]}],
            "logs": {"groupName": f"/aws/codebuild/{PROJECT}", "streamName": "0a1b2c3d"}}]})
        t.add("logs", "get_log_events", {"events": [{"timestamp": 1, "message": log_line}]})


# what DescribeImages lists after a multi-arch push: the index (sized as its largest image), the two
# platform images, and buildx's attestation manifest
IMAGE_SIZES = {"amd64": 191_234_567, "arm64": 178_901_234, "attestation": 1_420}
STORED_BYTES = sum(IMAGE_SIZES.values())


def image_tagged(t: Timeline, described: bool = True):
    t.add("ecr", "batch_get_image", {"images": [
        {"registryId": ACCOUNT, "repositoryName": REPOSITORY,
         "imageId": {"imageDigest": DIGEST, "imageTag": tag}, "imageManifest": RUN.index,
         "imageManifestMediaType": "application/vnd.oci.image.index.v1+json"}
        for tag in (SHORT, "latest", str(BUILD_NUMBER))], "failures": []})
    if not described:  # the role may not describe images
        t.error("ecr", "describe_images", "AccessDeniedException")
        return
    manifest = "application/vnd.oci.image.manifest.v1+json"
    t.add("ecr", "describe_images", {"imageDetails": [
        {"imageDigest": DIGEST, "imageTags": [SHORT, "latest", str(BUILD_NUMBER)],
         "imageSizeInBytes": IMAGE_SIZES["amd64"],
         "imageManifestMediaType": "application/vnd.oci.image.index.v1+json"},
        *({"imageDigest": entry["digest"], "imageSizeInBytes": IMAGE_SIZES[name],
           "imageManifestMediaType": manifest}
          for entry, name in zip(json.loads(RUN.index)["manifests"], ("amd64", "arm64", "attestation"),
                                 strict=True))]},
          {"repositoryName": REPOSITORY})


def _deployment(status, revision, rollout_state, running=1):
    return {"id": f"ecs-svc/{revision}", "status": status, "taskDefinition": f"{TD}:{revision}",
            "desiredCount": 1, "runningCount": running, "rolloutState": rollout_state}


def _service(*deployments, events=()):
    return {"services": [{"serviceName": SERVICE, "status": "ACTIVE", "deployments": list(deployments),
                          "events": [{"id": str(i), "createdAt": T0, "message": m}
                                     for i, m in enumerate(events)]}], "failures": []}


def _task_definition(t, revision, image):
    t.add("ecs", "describe_task_definition", {"taskDefinition": {
        "taskDefinitionArn": f"{TD}:{revision}",
        "containerDefinitions": [{"name": "php-app-container", "image": image}]}})


def rolled_out(t: Timeline):
    t.add("ecs", "describe_services", _service(_deployment("PRIMARY", 2, "COMPLETED")))
    _task_definition(t, 2, f"{URI}:{SHORT}")
    task = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{CLUSTER}/0123"
    t.add("ecs", "list_tasks", {"taskArns": [task]})
    t.add("ecs", "describe_tasks", {"tasks": [{"taskArn": task, "lastStatus": "RUNNING", "containers": [
        {"name": "php-app-container", "image": f"{URI}:{SHORT}", "imageDigest": DIGEST}]}]})


ROLLBACK_EVENT = f"(service {SERVICE}) rolling back to deployment ecs-svc/1."


def rolled_back(t: Timeline):
    t.add("ecs", "describe_services", _service(_deployment("PRIMARY", 2, "IN_PROGRESS", running=0),
                                               _deployment("ACTIVE", 1, "COMPLETED")))
    _task_definition(t, 2, f"{URI}:{SHORT}")
    t.add("ecs", "describe_services", _service(_deployment("PRIMARY", 1, "IN_PROGRESS"),
                                               _deployment("ACTIVE", 2, "FAILED", running=0),
                                               events=(ROLLBACK_EVENT,)))
    _task_definition(t, 1, f"{URI}:latest")


def alb_serves(mock, version=SHORT):
    # as PHP's json_encode writes it
    mock.get(HEALTH_URL, body=f'{{"status":"ok","version":"{version}","architecture":"aarch64"}}\n')


# --- Step 7's chain of evidence, read after the waits: what the run's account holds --------------

# the chain's reads of each client, in the order it makes them
CHAIN = (("codepipeline", ("list_pipeline_executions", "get_pipeline_execution", "get_pipeline",
                           "list_action_executions")),
         ("codebuild", ("batch_get_builds",)),
         ("ecr", ("describe_images", "batch_get_image", "get_download_url_for_layer")),
         ("ecs", ("describe_services", "describe_task_definition", "list_tasks", "describe_tasks")),
         ("elbv2", ("describe_load_balancers", "describe_listeners", "describe_rules",
                    "describe_target_health")))


def evidence_holds(t: Timeline, mock, run: Run = RUN):
    """What the chain of evidence reads after the waits: `run` (by default, the run the waits saw)."""
    answers = run.answers()
    for service, methods in CHAIN:
        for method in methods:
            for response, params in answers[(service, method)]:
                t.add(service, method, response, params)
    run.serve(mock)


def teardown_of_nothing(t: Timeline):
    """Teardown after a run that made nothing: each kind is looked for, found absent, left."""
    t.error("events", "describe_rule", "ResourceNotFoundException")
    t.error("sqs", "get_queue_url", NO_QUEUE)
    t.error("codepipeline", "get_pipeline", "PipelineNotFoundException")
    t.error("ecs", "describe_services", "ClusterNotFoundException")
    for _ in ("ACTIVE", "INACTIVE"):
        t.add("ecs", "list_task_definitions", {"taskDefinitionArns": []})
    t.add("ecs", "describe_clusters", {"clusters": [], "failures": []})
    t.add("logs", "describe_log_groups", {"logGroups": []})
    t.error("iam", "get_role", "NoSuchEntity", status=404)
    t.error("elbv2", "describe_load_balancers", "LoadBalancerNotFound")
    t.error("elbv2", "describe_target_groups", "TargetGroupNotFound")
    t.add("ec2", "describe_vpcs", {"Vpcs": []})
    t.add("codebuild", "batch_get_projects", {"projects": [], "projectsNotFound": [PROJECT]})
    t.add("logs", "describe_log_groups", {"logGroups": []})
    t.error("iam", "get_role", "NoSuchEntity", status=404)
    t.error("iam", "get_role", "NoSuchEntity", status=404)
    t.error("s3", "get_bucket_location", "NoSuchBucket", status=404)
    _connection_is_the_users(t)
    t.error("ecr", "describe_repositories", "RepositoryNotFoundException")


# --- the preflight: what a well set-up sandbox answers ----------------------------------------------

def preflight_region(t: Timeline, *, codebuild: bool = True):
    """One short read per service; a region without CodeBuild has no endpoint for it at all."""
    if codebuild:
        t.add("codebuild", "list_projects", {})  # no projects: AWS leaves the list out
    t.add("codepipeline", "list_pipelines", {"pipelines": []})
    t.add("codestar-connections", "list_connections", {"Connections": []})
    t.add("ec2", "describe_availability_zones",
          {"AvailabilityZones": [{"ZoneName": "us-east-1a"}, {"ZoneName": "us-east-1b"}]})
    t.add("ecr", "describe_repositories", {"repositories": []})
    t.add("ecs", "list_clusters", {"clusterArns": []})
    t.add("elbv2", "describe_load_balancers", {"LoadBalancers": []})
    t.add("events", "list_rules", {"Rules": []})
    t.add("iam", "list_roles", {"Roles": [], "IsTruncated": False})
    t.add("logs", "describe_log_groups", {"logGroups": []})
    t.add("s3", "list_buckets", {"Buckets": []})
    t.add("sqs", "list_queues", {})
    t.add("sts", "get_caller_identity", {"Account": ACCOUNT, "Arn": CALLER, "UserId": "AROA1:s"})


def preflight_simulator(t: Timeline, needs, denied=frozenset(), chunk=20):
    """IAM's policy simulator, one call per resource and chunk of actions: each allowed by the
    nightly policy's statement, except the (action, resource) pairs in `denied`."""
    t.add("sts", "get_caller_identity", {"Account": ACCOUNT, "Arn": CALLER, "UserId": "AROA1:s"})
    by_resource, context = {}, {}
    for need in needs:  # a request several steps make is asked once
        if need.action not in by_resource.get(need.resource, []):
            by_resource.setdefault(need.resource, []).append(need.action)
        context.update({need.resource: need.context} if need.context else {})
    for resource, actions in by_resource.items():
        entries = [{"ContextKeyName": k, "ContextKeyValues": [v], "ContextKeyType": "string"}
                   for k, v in context.get(resource, ())]
        for start in range(0, len(actions), chunk):
            asked = actions[start:start + chunk]
            results = [{"EvalActionName": a, "EvalResourceName": resource,
                        "EvalDecision": "implicitDeny" if (a, resource) in denied else "allowed",
                        "MatchedStatements": [] if (a, resource) in denied else [{
                            "SourcePolicyId": "pipeline-harness-nightly-1",
                            "SourcePolicyType": "IAM Policy"}]}
                       for a in asked]
            params = {"PolicySourceArn": ROLE_ARN, "ActionNames": asked, "ResourceArns": [resource],
                      **({"ContextEntries": entries} if entries else {})}
            t.add("iam", "simulate_principal_policy", {"EvaluationResults": results, "IsTruncated": False},
                  params)


def preflight_connection(t: Timeline, status: str = "AVAILABLE"):
    t.add("codestar-connections", "get_connection", {"Connection": {
        "ConnectionName": "github-connection", "ConnectionArn": CONNECTION, "ProviderType": "GitHub",
        "OwnerAccountId": ACCOUNT, "ConnectionStatus": status}}, {"ConnectionArn": CONNECTION})


def preflight_repository(mock, push: bool = True):
    mock.get(API, json={"full_name": REPO, "default_branch": "main",
                        "permissions": {"admin": False, "maintain": False, "push": push, "triage": True,
                                        "pull": True}})


QUOTA_VALUES = {"L-F678F1CE": 5.0, "L-0263D0A3": 5.0, "L-53DA6B97": 50.0, "L-3032A538": 6.0}


def preflight_quotas(t: Timeline, vpcs_in_use: int = 1, applied=tuple(QUOTA_VALUES)):
    """Service Quotas' values (AWS's default where none was applied), and what the account uses."""
    for code, service in (("L-F678F1CE", "vpc"), ("L-0263D0A3", "ec2"),
                          ("L-53DA6B97", "elasticloadbalancing"), ("L-3032A538", "fargate")):
        quota = {"ServiceCode": service, "QuotaCode": code, "Value": QUOTA_VALUES[code]}
        if code in applied:
            t.add("service-quotas", "get_service_quota", {"Quota": quota},
                  {"ServiceCode": service, "QuotaCode": code})
        else:
            t.error("service-quotas", "get_service_quota", "NoSuchResourceException")
            t.add("service-quotas", "get_aws_default_service_quota", {"Quota": quota})
        if code == "L-F678F1CE":
            t.add("ec2", "describe_vpcs", {"Vpcs": [{"VpcId": f"vpc-{n}"} for n in range(vpcs_in_use)]})
        elif code == "L-0263D0A3":
            t.add("ec2", "describe_addresses", {"Addresses": [{"PublicIp": "198.51.100.7"}]})
        elif code == "L-53DA6B97":
            t.add("elbv2", "describe_load_balancers", {"LoadBalancers": [
                {"LoadBalancerArn": LB, "Type": "application"},
                {"LoadBalancerArn": "nlb", "Type": "network"}]})
