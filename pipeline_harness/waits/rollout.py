"""Wait for the ECS rollout of an image: PRIMARY on it, COMPLETED, every running task on it.

boto3's `services_stable` only asks "one deployment, running == desired", so a circuit-breaker
rollback to the old task definition ends "stable". Like amazon-ecs-deploy-task-definition, this
wait also asks whether the deployment that carries the new image is still the PRIMARY one and
whether its rolloutState is FAILED — both are failures here, reported with the service events.
A rollback that finished before the wait began is gone from describe_services: the first look
then asks the service's deployment history (deployments.py), where the target serves it.

The schedule sleeps through what the target group's health checks make certain: once the new
tasks run, none can be healthy before (healthy threshold − 1) × interval; before they run, not
sooner than that from now.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline_harness.core import diagnosis
from pipeline_harness.targets.base import Target
from pipeline_harness.waits import deployments
from pipeline_harness.waits import events as events_mod
from pipeline_harness.waits.declared import Asked, Declared, Option
from pipeline_harness.waits.deployments import History, Rollback
from pipeline_harness.waits.health_checks import HealthChecks, registered_ago, target_groups
from pipeline_harness.waits.model import FAILURE, SUCCESS, Acceptor, EventSource, Outcome, Wait, run
from pipeline_harness.waits.schedules import NEAR, ROLLOUT, Clock, Pace, Policy, Sleep
from pipeline_harness.waits.tally import Tally

EVENTS_SHOWN = 3
# service event messages that say a deployment failed or went back: worth a look at the history
_ROLLBACK_WORDS = ("rolling back", "circuit breaker", "deployment failed")
TASKS_RUNNING = "the new tasks running"


def split_reference(reference: str) -> tuple[str, str | None, str | None]:
    """repository, tag, digest of an image reference such as uri:tag or uri@sha256:…"""
    rest, _, digest = reference.partition("@")
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        rest, tag = rest.rsplit(":", 1)
        return rest, tag, digest or None
    return rest, None, digest or None


def image_matches(expected: str, image: str | None, digest: str | None = None) -> bool:
    """Does an image reference (and the digest it resolved to) satisfy `expected`?

    `expected` may be a full reference (uri:tag or uri@sha256:…), a bare tag, or a bare digest.
    """
    if not image:
        return False
    repository, tag, pinned = split_reference(image)
    if expected.startswith("sha256:"):
        return expected in (pinned, digest)
    if "/" not in expected and "@" not in expected:
        return tag == expected
    want_repository, want_tag, want_digest = split_reference(expected)
    if want_digest:
        return repository == want_repository and want_digest in (pinned, digest)
    return repository == want_repository and tag == want_tag


@dataclass(frozen=True)
class Deployment:
    id: str
    status: str  # PRIMARY | ACTIVE | INACTIVE
    task_definition: str
    rollout_state: str | None
    running: int
    desired: int
    image: str | None = None  # of the lab's container; None when not looked up or absent
    new: bool = False  # its task definition runs the expected image
    failed: int = 0  # its consecutively failed tasks: the circuit breaker trips at a threshold
    rolled_back_to: bool = False  # the circuit breaker is rolling the service back to it

    def __str__(self) -> str:
        td = self.task_definition.rsplit("/", 1)[-1]
        text = (f"{self.status} {td} ({self.image or 'image not read'}) "
                f"{self.rollout_state or 'no rolloutState'} {self.running}/{self.desired} running")
        text += f", {self.failed} failed" if self.failed else ""
        return text + (", the circuit breaker rolling back to it" if self.rolled_back_to else "")


@dataclass(frozen=True)
class RolloutView:
    """What one look saw of the service; tasks are read only once the service itself looks done."""

    service_status: str | None  # None: the service does not exist
    deployments: tuple[Deployment, ...] = ()
    events: tuple[str, ...] = ()
    tasks: tuple[tuple[str, str | None], ...] | None = None  # (image, digest) of running tasks
    container_found: bool = True
    new_was_primary: bool = False
    target_groups: tuple[str, ...] = ()
    rollback: Rollback | None = None  # from the deployment history: the new image rolled back
    registered_ago: float | None = None  # seconds since the PRIMARY's tasks joined the target group
    controller: str = "ECS"  # the service's deployment controller: ECS, CODE_DEPLOY or EXTERNAL

    @property
    def primary(self) -> Deployment | None:
        return next((d for d in self.deployments if d.status == "PRIMARY"), None)

    def __str__(self) -> str:
        if self.service_status is None:
            return "no such service in that cluster (or no such cluster)"
        controller = "" if self.controller == "ECS" else f" ({self.controller} deployment controller)"
        text = (f"service {self.service_status}{controller}; deployments: "
                + "; ".join(map(str, self.deployments)))
        if self.tasks is not None:
            text += f"; running tasks on {', '.join(i for i, _ in self.tasks) or 'nothing'}"
        if self.rollback is not None:
            text += f"; rolled back: {self.rollback}"
        return text


class _Probe:
    """describe_services each look; task definitions once per ARN; tasks only when nearly done;
    the deployment history when the new image is nowhere to be seen and may have been rolled back."""

    def __init__(self, tally: Tally, cluster: str, service: str, container: str, image: str):
        self.tally, self.cluster, self.service = tally, cluster, service
        self.container, self.image = container, image
        self.images: dict[str, str | None] = {}
        self.new_was_primary = False
        self.history = History(tally, cluster, service)
        self.events_seen: set[str] | None = None  # service event ids, from the first look on

    def __call__(self) -> RolloutView:
        ecs = self.tally.client("ecs")
        try:
            answer = ecs.describe_services(cluster=self.cluster, services=[self.service])
        except ecs.exceptions.ClusterNotFoundException:
            return RolloutView(None)
        found = [s for s in answer.get("services", []) if s.get("status") != "MISSING"]
        if not found:
            return RolloutView(None)
        service = found[0]
        raw = service.get("deployments", [])
        rolling_back = any(deployments.rolled_back_to(d) for d in raw)
        shown = tuple(self._deployment(d, rolling_back) for d in raw)
        primary = next((d for d in shown if d.status == "PRIMARY"), None)
        self.new_was_primary |= bool(primary and primary.new)
        view = RolloutView(
            service["status"], shown,
            tuple(e["message"] for e in service.get("events", [])[:EVENTS_SHOWN]),
            container_found=primary is None or primary.image is not None,
            new_was_primary=self.new_was_primary, target_groups=target_groups(service),
            registered_ago=registered_ago(answer, service),
            controller=service.get("deploymentController", {}).get("type", "ECS"))
        if self._history_may_tell(view, service.get("events", [])):
            view = dataclasses.replace(view, rollback=self.history.rollback_of(self._carries))
        if _service_done(view):
            view = dataclasses.replace(view, tasks=self._tasks())
        return view

    def _history_may_tell(self, view: RolloutView, events: list[dict]) -> bool:
        """On the first look, or when the service reports a failure or rollback since the last:
        and only while no deployment in sight carries the new image."""
        first, seen = self.events_seen is None, self.events_seen or set()
        fresh = [e for e in events if str(e.get("id")) not in seen]
        self.events_seen = seen | {str(e.get("id")) for e in events}
        news = any(w in e.get("message", "").lower() for e in fresh for w in _ROLLBACK_WORDS)
        return (first or news) and view.controller == "ECS" and not any(d.new for d in view.deployments)

    def _carries(self, container_image: dict) -> bool:
        return (container_image.get("containerName") == self.container
                and image_matches(self.image, container_image.get("image"),
                                  container_image.get("imageDigest")))

    def _deployment(self, raw: dict, rolling_back: bool) -> Deployment:
        arn = raw["taskDefinition"]
        # the old deployment's image only matters if it is PRIMARY again or has FAILED; while the
        # circuit breaker rolls back, any deployment's may be the new image given up on
        matters = raw["status"] == "PRIMARY" or raw.get("rolloutState") == "FAILED" or rolling_back
        if matters and arn not in self.images:
            self.images[arn] = self._image_of(arn)
        image = self.images.get(arn)
        return Deployment(raw["id"], raw["status"], arn, raw.get("rolloutState"),
                          raw.get("runningCount", 0), raw.get("desiredCount", 0), image,
                          new=image_matches(self.image, image) or _digest_pending(self.image, image),
                          failed=raw.get("failedTasks", 0), rolled_back_to=deployments.rolled_back_to(raw))

    def _image_of(self, task_definition: str) -> str | None:
        described = self.tally.client("ecs").describe_task_definition(taskDefinition=task_definition)
        containers = described["taskDefinition"].get("containerDefinitions", [])
        return next((c.get("image") for c in containers if c["name"] == self.container), None)

    def _tasks(self) -> tuple[tuple[str, str | None], ...]:
        ecs = self.tally.client("ecs")
        arns = ecs.list_tasks(cluster=self.cluster, serviceName=self.service,
                              desiredStatus="RUNNING").get("taskArns", [])
        if not arns:
            return ()
        described = ecs.describe_tasks(cluster=self.cluster, tasks=arns).get("tasks", [])
        return tuple((c.get("image", ""), c.get("imageDigest"))
                     for t in described if t.get("lastStatus") == "RUNNING"
                     for c in t.get("containers", []) if c.get("name") == self.container)


def _digest_pending(expected: str, image: str | None) -> bool:
    # a digest can't be read off a task definition that names a tag: the running tasks decide
    return expected.startswith("sha256:") and bool(image) and "@" not in (image or "")


def _service_done(view: RolloutView) -> bool:
    primary = view.primary
    return (primary is not None and primary.new and len(view.deployments) == 1
            and primary.rollout_state in (None, "COMPLETED") and primary.running == primary.desired)


def rolled_back(view: RolloutView) -> bool:
    """The circuit breaker gave up on the new image: its deployment FAILED, PRIMARY went back, the
    breaker is rolling back to another deployment while the new image's is only ACTIVE, or the
    history shows its deployment rolled back."""
    if view.rollback is not None or any(d.new and d.rollout_state == "FAILED" for d in view.deployments):
        return True
    primary = view.primary
    if primary is None or primary.new:
        return False
    return view.new_was_primary or (primary.rolled_back_to and any(d.new for d in view.deployments))


def tasks_running(view: RolloutView) -> bool:
    """The new deployment's tasks are all RUNNING: only their ALB health checks are left."""
    primary = view.primary
    return primary is not None and primary.new and 0 < primary.desired <= primary.running


def failing(view: RolloutView) -> bool:
    """The new image's tasks have begun to fail: the circuit breaker may trip at any moment."""
    return any(d.new and d.failed > 0 for d in view.deployments)


def _pace(health: HealthChecks) -> Callable[[RolloutView], Pace]:
    """Until the new tasks run, success is at least one soonest-healthy span away; once they run,
    that span from when they joined the target group; once the service is done, near. While the
    new tasks fail, a failure may come within any span."""
    def pace(view: RolloutView) -> Pace:
        if view.service_status is None:
            return Pace()
        if _service_done(view):
            return NEAR
        soonest = health.soonest_healthy(view.target_groups)
        if tasks_running(view):
            return Pace(quiet=soonest, since=TASKS_RUNNING, near=True, ago=view.registered_ago,
                        failing=failing(view))
        return Pace(quiet=soonest, failing=failing(view), ahead=TASKS_RUNNING)
    return pace


def _nothing_runs_it(view: RolloutView) -> bool:
    """The new image's deployment is done with no task to run: vacuously "every task on it"."""
    primary = view.primary
    return _service_done(view) and primary is not None and primary.desired == 0


def _verdict(expected: str) -> Callable[[RolloutView], bool]:
    def every_task_new(view: RolloutView) -> bool:
        primary = view.primary
        return (_service_done(view) and primary is not None and view.tasks is not None
                and len(view.tasks) >= primary.desired
                and all(image_matches(expected, image, digest) for image, digest in view.tasks))
    return every_task_new


def _acceptors(expected: str, container: str) -> tuple[Acceptor, ...]:
    return (
        Acceptor(FAILURE, lambda v: v.service_status in (None, "INACTIVE", "DRAINING"),
                 "the service is missing or inactive — "
                 + diagnosis.DEPLOY_PERMISSION.describe()),
        Acceptor(FAILURE, lambda v: v.controller != "ECS",
                 "the service's deployments are not ECS rolling updates, so the pipeline's Amazon ECS "
                 "Deploy action cannot update it (ECS refuses a new task definition on a CODE_DEPLOY or "
                 "EXTERNAL service) — recreate the service with the rolling update (ECS) deployment "
                 "controller, the default, which the tutorial's Amazon ECS Deploy action needs"),
        Acceptor(FAILURE, rolled_back,
                 "the deployment circuit breaker rolled back the new image"),
        Acceptor(FAILURE, lambda v: not v.container_found,
                 f"the service's task definition has no container {container!r} — "
                 + diagnosis.OLD_IMAGE_RUNNING.describe()),
        Acceptor(FAILURE, _nothing_runs_it,
                 "the new image's deployment completed with a desired count of 0: no task runs it and "
                 "the ALB has nothing to serve — set the service's desired tasks to at least 1"),
        Acceptor(SUCCESS, _verdict(expected),
                 "PRIMARY deployment COMPLETED on the new image with every task on it"),
    )


def rollout_wait(target: Target, cluster: str, service: str, image: str, *,
                 container: str = "php-app-container", policy: Policy = ROLLOUT,
                 events: EventSource | None = None) -> Wait:
    tally = Tally(target)
    return Wait(
        name="rollout", probe=_Probe(tally, cluster, service, container, image),
        acceptors=_acceptors(image, container), policy=policy, show=str,
        expected=(f"service {service} in cluster {cluster}: one PRIMARY deployment, COMPLETED, "
                  f"running == desired, container {container} on {image} in every running task"),
        hint=diagnosis.OLD_IMAGE_RUNNING.describe(), pace=_pace(HealthChecks(tally)),
        explain=_explain, events=events, wakes=events_mod.wakes_rollout(cluster, service),
        may_fail=events_mod.may_fail_rollout,
        spent=lambda: tally.calls,
    )


def _explain(view: RolloutView) -> str:
    parts = [f"rolled back: {view.rollback}"] if view.rollback is not None else []
    if view.events:
        parts.append("service events: " + " | ".join(view.events))
    return "; ".join(parts)


def wait_for_rollout(target: Target, cluster: str, service: str, image: str, *,
                     container: str = "php-app-container", policy: Policy = ROLLOUT,
                     clock: Clock = time.monotonic, sleep: Sleep = time.sleep,
                     events: EventSource | None = None) -> Outcome:
    wait = rollout_wait(target, cluster, service, image, container=container, policy=policy,
                        events=events)
    return run(wait, clock=clock, sleep=sleep)


def _run(asked: Asked) -> tuple[Outcome, dict[str, Any]]:
    target, watched = asked.aws()
    outcome = wait_for_rollout(target, watched.cluster, watched.service, asked.values["image"],
                               container=watched.container, policy=asked.policy, events=asked.events)
    return outcome, {}


DECLARED = Declared(name="rollout", policy=ROLLOUT, run=_run, options=(
    Option(flag="--image", required=True,
           help="expected image: uri:tag, uri@sha256:…, a tag or a digest"),
))
