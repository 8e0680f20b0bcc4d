"""Links `deployment` and `tasks`: the service's PRIMARY deployment COMPLETED, was created during the
execution's Deploy action, which deployed to the graded cluster and service, and its task
definition runs the commit's image; every running task of the service runs that image.

Which call proves what:
- ListActionExecutions (the execution link's read): the Deploy action's cluster and service as it
  ran (`input.configuration`), its `startTime` and `lastUpdateTime`; where the target does not list
  action executions, the declaration (GetPipeline) still proves a Deploy to another service;
- DescribeServices (the prerequisites' read): the PRIMARY deployment, its `rolloutState`,
  `createdAt`, task definition and counts, and the service's target groups;
- DescribeTaskDefinition (the prerequisites' read, when the PRIMARY runs the service's task
  definition): the container's image, `<repository>:C[:7]` or `<repository>@<digest>` of the commit
  image;
- ListTasks and DescribeTasks: each running task's container `imageDigest` — the commit image's
  index or one of its platform images — and its private address, which the ALB link compares
  with the target group's healthy targets.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_harness.grading.evidence import execution as execution_link
from pipeline_harness.grading.evidence import image as image_link
from pipeline_harness.grading.evidence.execution import Execution
from pipeline_harness.grading.evidence.link import Judging, Link, at, gap, graded_at, reads, within
from pipeline_harness.kinds.base import MISSING
from pipeline_harness.steps import prerequisites
from pipeline_harness.steps.base import dig
from pipeline_harness.targets.context import Context
from pipeline_harness.waits.rollout import split_reference

DEPLOYMENT = ("the service's PRIMARY deployment COMPLETED, was created by the execution's Deploy action "
              "on the graded service, and runs the commit's image")
TASKS = "every running task of the service runs the image the pipeline built"
MAX_TASKS = 100  # one DescribeTasks call; the tutorial's service runs one
THROUGH_THE_PIPELINE = ("deploy only through the pipeline — no `aws ecs update-service` by hand (a "
                        f"forced deployment is one too): {execution_link.RUN_AGAIN}")


@dataclass(frozen=True)
class Deployed:
    service: dict
    primary: dict

    @property
    def desired(self) -> int:
        return self.primary.get("desiredCount", 0)


@dataclass(frozen=True)
class Running:
    """The service's running tasks: (task ARN, private address, the container's image digest)."""

    tasks: tuple[tuple[str, str | None, str | None], ...]
    port: int | None  # the container port the target group reaches them on


def _named(value: str | None, name: str) -> bool:
    """A cluster or service given by name or by ARN is the one of this name."""
    return bool(value) and (value == name or str(value).endswith(f"/{name}"))


def _targets(configuration: dict, cluster: str, service: str) -> bool:
    return _named(configuration.get("ClusterName", "default"), cluster) and \
        _named(configuration.get("ServiceName"), service)


def _where(configuration: dict) -> str:
    cluster, service = configuration.get("ClusterName", "default"), configuration.get("ServiceName")
    return f"cluster {cluster}, service {service}"


def _configured(action: dict) -> dict:
    """The configuration an action execution ran with."""
    return dig(action, "input", "configuration", default={})


def _deploy_action(ctx: Context, judging: Judging, ran: Execution) -> dict | None:
    """The execution's ECS Deploy action that deployed to the graded service; None (the link says
    why) when there is none, or the target does not list action executions."""
    cluster, service = ctx.names.cluster, ctx.names.service
    graded = f"the graded service is {service} in cluster {cluster}"
    todo = (f"point the Deploy stage at cluster {cluster}, service {service} (Step 6), then "
            f"{execution_link.RUN_AGAIN}")
    if ran.actions is None:
        declared = [a for s in ran.declaration.get("stages", []) for a in s.get("actions", [])
                    if dig(a, "actionTypeId", "provider") == "ECS"]
        if not declared:
            judging.breaks("the pipeline has no Amazon ECS Deploy action", todo)
        elif not any(_targets(a.get("configuration", {}), cluster, service) for a in declared):
            judging.breaks("the pipeline's Deploy action deploys to "
                           f"{_where(declared[0]['configuration'])}; {graded}", todo)
        judging.gap(gap(ctx, ("codepipeline", "ListActionExecutions")))
        return None
    deploys = ran.ran("ECS")
    if not deploys:
        judging.breaks(f"no Amazon ECS Deploy action ran in execution {ran.id}",
                       "let the Deploy stage run (no condition that skips it, no disabled transition), then "
                       + execution_link.RUN_AGAIN)
        return None
    action = next((a for a in deploys if _targets(_configured(a), cluster, service)), None)
    if action is None:
        judging.breaks(f"execution {ran.id}'s Deploy action deployed to {_where(_configured(deploys[0]))}; "
                       f"{graded}", todo)
        return None
    judging.compare(action.get("status") == "Succeeded", "",
                    f"execution {ran.id}'s Deploy action ended {action.get('status')}",
                    f"fix what failed in the Deploy stage, then {execution_link.RUN_AGAIN}")
    return action


@reads("deployment", DEPLOYMENT)
def deployment(ctx: Context, judging: Judging) -> Link:
    ran: Execution | None = judging.facts(ctx.read(execution_link.execution))
    if ran is None:
        return judging.link()
    missing = gap(ctx, ("ecs", "DescribeServices"), ("ecs", "DescribeTaskDefinition"))
    if missing:
        judging.gap(missing)
        return judging.link()
    service = ctx.read(prerequisites.read_service)
    if not judging.compare(service is not MISSING, "", f"there is no ACTIVE service {ctx.names.service} in "
                           f"cluster {ctx.names.cluster}", "create the service the tutorial assumes"):
        return judging.link()
    action = _deploy_action(ctx, judging, ran)
    primary = next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)
    if primary is None:
        judging.breaks(f"service {ctx.names.service} has no PRIMARY deployment", THROUGH_THE_PIPELINE)
        return judging.link()
    _rolled_out(ctx, judging, service, primary)
    if action is not None:
        _created_by(ctx, judging, ran, action, primary)
    _runs_the_commit(ctx, judging, ran, primary)
    return judging.link(Deployed(service, primary))


def _rolled_out(ctx: Context, judging: Judging, service: dict, primary: dict) -> None:
    workloads = ctx.target.quirks.runs_no_workloads
    if workloads:  # its deployments never finish there
        judging.gap(f"{ctx.target.name}: {workloads}")
        return
    state, others = primary.get("rolloutState"), len(service.get("deployments", [])) - 1
    running, desired = primary.get("runningCount", 0), primary.get("desiredCount", 0)
    done = state == "COMPLETED" or (state is None and not others and running == desired)
    judging.compare(done, f"PRIMARY deployment {primary.get('id')} COMPLETED",
                    f"the service's PRIMARY deployment {primary.get('id')} is {state or 'not finished'} "
                    f"({running}/{desired} tasks running"
                    + (f", {others} other deployment(s) still there)" if others else ")"),
                    "wait until the deployment completes; if the circuit breaker rolled it back, fix "
                    "what made the new tasks fail (the service events below say), then "
                    + execution_link.RUN_AGAIN)


def _created_by(ctx: Context, judging: Judging, ran: Execution, action: dict, primary: dict) -> None:
    created, begin, end = primary.get("createdAt"), action.get("startTime"), action.get("lastUpdateTime")
    later = ""
    if ctx.as_of and created and created > ctx.read(graded_at):
        later = " — after --as-of: the service was deployed again since"
    judging.compare(within(created, begin, end),
                    f"created at {at(created)} by execution {ran.id}'s Deploy action",
                    f"the service's PRIMARY deployment {primary.get('id')} was created at "
                    f"{at(created)}{later}; execution {ran.id}'s Deploy action ran from {at(begin)} to "
                    f"{at(end)}: the pipeline did not make it", THROUGH_THE_PIPELINE)


def _container_image(ctx: Context, primary: dict) -> str | None:
    service = ctx.read(prerequisites.read_service)
    if primary.get("taskDefinition") == service.get("taskDefinition"):
        definition = ctx.read(prerequisites.read_task_definition)
    else:
        definition = ctx.client("ecs").describe_task_definition(
            taskDefinition=primary["taskDefinition"])["taskDefinition"]
    containers = [] if definition is MISSING else definition.get("containerDefinitions", [])
    return next((c.get("image") for c in containers if c.get("name") == ctx.settings.container), None)


def _runs_the_commit(ctx: Context, judging: Judging, ran: Execution, primary: dict) -> None:
    if not ran.commit:  # the execution link says why there is none to compare with
        judging.rests_on(ctx.read(execution_link.execution))
        return
    image = _container_image(ctx, primary)
    built = f"{ctx.names.repository_uri}:{ran.short}"
    repository, tag, digest = split_reference(image or "")
    if repository != ctx.names.repository_uri:
        matches = False
    elif digest is None:
        matches = tag == ran.short
    else:  # pinned by digest: it must be the commit image's
        pushed = ctx.read(image_link.pushed)
        if not judging.has(pushed):
            return
        matches = digest in pushed.facts.digests and tag in (None, ran.short)
    definition = str(primary.get("taskDefinition", "")).rsplit("/", 1)[-1]
    judging.compare(matches, f"{definition} runs {image}",
                    f"the PRIMARY deployment's task definition {definition} runs "
                    + (f"`{image}`" if image else f"no container {ctx.settings.container}")
                    + f"; the pipeline built `{built}`",
                    "the Deploy stage deploys the image imagedefinitions.json names, in the container "
                    f"{ctx.settings.container}: {THROUGH_THE_PIPELINE}")


# --- the running tasks ------------------------------------------------------------------------------

def _address(task: dict) -> str | None:
    """The task's private IPv4 address (awsvpc: its ENI's), what an `ip` target group registers."""
    for attachment in task.get("attachments", []):
        if attachment.get("type") != "ElasticNetworkInterface":
            continue
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address":
                return detail.get("value")
    return next((i.get("privateIpv4Address") for c in task.get("containers", [])
                 for i in c.get("networkInterfaces", []) if i.get("privateIpv4Address")), None)


def _digest(task: dict, container: str) -> str | None:
    """The image digest the task's container runs (ECS resolves the tag when it starts the task)."""
    return next((c.get("imageDigest") for c in task.get("containers", []) if c.get("name") == container),
                None)


def _port(service: dict, container: str) -> int | None:
    return next((lb.get("containerPort") for lb in service.get("loadBalancers", [])
                 if lb.get("containerName") == container), None)


@reads("tasks", TASKS)
def tasks(ctx: Context, judging: Judging) -> Link:
    deployed, pushed = ctx.read(deployment), ctx.read(image_link.pushed)
    judging.rests_on(deployed, pushed)
    workloads = ctx.target.quirks.runs_no_workloads
    missing = f"{ctx.target.name}: {workloads}" if workloads else \
        gap(ctx, ("ecs", "ListTasks"), ("ecs", "DescribeTasks"))
    if missing:
        judging.gap(missing)
        return judging.link()
    if deployed.facts is None or pushed.facts is None:
        return judging.link()
    ecs, cluster, name = ctx.client("ecs"), ctx.names.cluster, ctx.names.service
    listed = ecs.list_tasks(cluster=cluster, serviceName=name, desiredStatus="RUNNING", maxResults=MAX_TASKS)
    arns = listed.get("taskArns", [])
    described = ecs.describe_tasks(cluster=cluster, tasks=arns).get("tasks", []) if arns else []
    running = [t for t in described if t.get("lastStatus") == "RUNNING"]
    container = ctx.settings.container
    found = Running(tuple((t["taskArn"], _address(t), _digest(t, container)) for t in running),
                    _port(deployed.facts.service, container))
    judging.compare(not listed.get("nextToken"), "", f"service {name} runs more than {MAX_TASKS} tasks; the "
                    f"grader judges at most {MAX_TASKS}", "run the tutorial's one task")
    if not judging.compare(bool(running), f"{len(running)} running task(s)",
                           f"no task of service {name} runs (desired count {deployed.facts.desired})",
                           "set the service's desired tasks to at least 1 (the tutorial's service runs "
                           "one): an ALB with no task behind it serves nothing of the pipeline's"):
        return judging.link(found)
    _judge_digests(judging, found, pushed.facts)
    return judging.link(found)


def _judge_digests(judging: Judging, found: Running, pushed: image_link.Pushed) -> None:
    run = sorted({digest or "no image digest" for _, _, digest in found.tasks})
    wrong = [arn for arn, _, digest in found.tasks if digest not in pushed.digests]
    images = f" (its platform images {', '.join(sorted(pushed.listed))})" if pushed.listed else ""
    judging.compare(not wrong, f"every one on {', '.join(d[:19] + '…' for d in run)}",
                    f"the running tasks run {', '.join(run)}; the image the pipeline built for "
                    f"{pushed.tag} is {pushed.digest}{images}",
                    "run the image the pipeline built: " + THROUGH_THE_PIPELINE)
