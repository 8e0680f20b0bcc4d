"""The prerequisites the tutorial assumes ("ECS cluster and service already deployed"): a network,
an ALB with its target group, an ECS cluster and a Fargate service behind the ALB.

The harness makes them on emulator targets, and on real AWS only when asked
(provision_prerequisites); otherwise they are the user's, and must already exist.
"""

from __future__ import annotations

from pipeline_harness import iam as iam_policies
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.kinds import ecs, elbv2, iam, logs
from pipeline_harness.kinds.base import MISSING, Found
from pipeline_harness.kinds.ec2 import NETWORK
from pipeline_harness.steps.base import Check, Resource, Step, Verdict, dig, reader
from pipeline_harness.targets.context import Context

NUMBER = 0  # before Step 1 in the tutorial: what it assumes is already deployed
CIDR = "10.77.0.0/16"
SUBNET_CIDRS = ("10.77.1.0/24", "10.77.2.0/24")
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
# the Fargate task's size (CPU units, MiB): the smallest Fargate runs; the run's cost follows from it
TASK_CPU, TASK_MEMORY = "256", "512"


def _made(ctx: Context) -> bool:
    return ctx.makes_prerequisites


def _network(ctx: Context) -> dict:
    return {"cidr": CIDR, "subnets": SUBNET_CIDRS, "port": ctx.settings.container_port}


def _target_group(ctx: Context) -> dict:
    return {"Protocol": "HTTP", "Port": ctx.settings.container_port, "TargetType": "ip",
            "VpcId": ctx.found[NETWORK.key]["VpcId"], "HealthCheckPath": ctx.settings.health_check_path}


def _load_balancer(ctx: Context) -> dict:
    network = ctx.found[NETWORK.key]
    return {"Subnets": network["Subnets"], "SecurityGroups": [network["SecurityGroupId"]],
            "Scheme": "internet-facing", "Type": "application",
            "Listener": {"Protocol": "HTTP", "Port": 80, "DefaultActions": [{
                "Type": "forward", "TargetGroupArn": ctx.found[elbv2.TARGET_GROUP.key]["TargetGroupArn"]}]}}


def _execution_role(ctx: Context) -> dict:
    """Fargate pulls the image from ECR and writes logs with this role."""
    return {"trust": iam_policies.trust("ecs-tasks"), "inline": {}, "managed": [EXECUTION_POLICY]}


def task_definition(ctx: Context) -> dict:
    return {
        "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
        "cpu": TASK_CPU, "memory": TASK_MEMORY,
        "executionRoleArn": ctx.found[iam.EXECUTION_ROLE.key]["Role"]["Arn"],
        "containerDefinitions": [{
            "name": ctx.settings.container, "image": f"{ctx.names.repository_uri}:latest",
            "essential": True,
            "portMappings": [{"containerPort": ctx.settings.container_port, "protocol": "tcp"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": logs.TASK_LOG_GROUP.name(ctx.names), "awslogs-region": ctx.names.region,
                "awslogs-stream-prefix": "app"}},
        }],
    }


def _service(ctx: Context) -> dict:
    network = ctx.found[NETWORK.key]
    return {
        "taskDefinition": ctx.found[ecs.TASK_DEFINITION.key]["latest"],
        "desiredCount": ctx.settings.desired_count, "launchType": "FARGATE",
        "loadBalancers": [{"targetGroupArn": ctx.found[elbv2.TARGET_GROUP.key]["TargetGroupArn"],
                           "containerName": ctx.settings.container,
                           "containerPort": ctx.settings.container_port}],
        "networkConfiguration": {"awsvpcConfiguration": {
            "subnets": network["Subnets"], "securityGroups": [network["SecurityGroupId"]],
            "assignPublicIp": "ENABLED"}},
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    }


RESOURCES = (
    Resource(NETWORK, _network, _made),
    Resource(elbv2.TARGET_GROUP, _target_group, _made),
    Resource(elbv2.LOAD_BALANCER, _load_balancer, _made),
    Resource(iam.EXECUTION_ROLE, _execution_role, _made),
    Resource(logs.TASK_LOG_GROUP, lambda ctx: {}, _made),
    Resource(ecs.CLUSTER, lambda ctx: {}, _made),
    Resource(ecs.TASK_DEFINITION, task_definition, _made),
    Resource(ecs.SERVICE, _service, _made),
)


def handle(ctx: Context) -> dict:
    """The user's own cluster, service and ALB must exist when the harness does not make them."""
    balancer = ctx.found.get(elbv2.LOAD_BALANCER.key) or ctx.read(read_load_balancer)
    if not _made(ctx):
        missing = [what for what, found in (
            (f"ECS cluster {ctx.names.cluster}", ctx.read(read_cluster)),
            (f"ECS service {ctx.names.service}", ctx.read(read_service)),
            (f"load balancer {ctx.names.load_balancer}", balancer)) if found is MISSING]
        if missing:
            raise ConfigError(f"the tutorial assumes these already exist, and they don't: "
                              f"{', '.join(missing)} — create them, or pass --provision-prerequisites")
    handle = {"cluster": ctx.names.cluster, "service": ctx.names.service,
              "load_balancer": ctx.names.load_balancer, "url": f"http://{balancer['DNSName']}"}
    if NETWORK.key in ctx.found:
        handle["vpc"] = ctx.found[NETWORK.key]["VpcId"]
    return handle


# --- checks ---------------------------------------------------------------------------------------

read_cluster = reader(ecs.CLUSTER)
read_service = reader(ecs.SERVICE)
read_load_balancer = reader(elbv2.LOAD_BALANCER)


def read_task_definition(ctx: Context) -> Found:
    """The task definition the service runs (not the family's newest: that is what ECS deploys)."""
    service = ctx.read(read_service)
    if service is MISSING:
        return MISSING
    return ctx.client("ecs").describe_task_definition(
        taskDefinition=service["taskDefinition"])["taskDefinition"]


def _service_judge(service: dict, ctx: Context) -> Verdict:
    lbs = [lb.get("containerName") for lb in service.get("loadBalancers", [])]
    # the pipeline's Amazon ECS Deploy action can't give a CODE_DEPLOY or EXTERNAL service a new
    # task definition: only rolling updates (ECS, the default) take it
    controller = service.get("deploymentController", {}).get("type", "ECS")
    return Verdict(
        passed=bool(lbs) and controller == "ECS",
        expected="an ACTIVE service behind the ALB's target group, on rolling updates (deployment "
        "controller ECS, which the Deploy stage's Amazon ECS action needs)",
        found=f"`{service['serviceName']}` {service['status']}, load balancers {lbs or 'none'}, "
        f"deployment controller {controller}")


def _container_judge(definition: dict, ctx: Context) -> Verdict:
    containers = [c["name"] for c in dig(definition, "containerDefinitions", default=[])]
    return Verdict(passed=ctx.settings.container in containers,
                   expected=f"container `{ctx.settings.container}`", found=f"containers {containers}")


_NEEDS = (("ecs", None),)
CHECKS = (
    Check(id="ecs.service", step=NUMBER,
          title="ECS service `dev-php-app-alb-service` in cluster `dev-cluster` exists, "
          "active, behind the ALB",
          hint="Check cluster and service names match exactly; ensure ECS service exists and is active "
          "(Common Issues: Deploy stage fails)", read=read_service, judge=_service_judge, needs=_NEEDS),
    Check(id="ecs.container-name", step=NUMBER, title="Task definition has container `php-app-container`",
          hint="imagedefinitions.json container name must match the task definition "
          "(Common Issues: old image still running)", read=read_task_definition, judge=_container_judge,
          needs=_NEEDS),
)

STEP = Step(name="prerequisites", number=NUMBER, title="ECS cluster, service and ALB", resources=RESOURCES,
            checks=CHECKS, outputs=handle)
