"""What a pipeline run leaves in an account's dynamic APIs — its execution, its build, the image it
pushed, the deployment, the tasks, the listener and the target health — as botocore Stubber answers
(each validated against the AWS API model), for the reads Step 7's chain of evidence makes.

`Run` is one run, honest by default: the pipeline built commit C in build N, pushed the image tagged
C[:7], `latest` and N while that build ran, and its Deploy action created the service's deployment,
whose task runs that image behind the ALB. A forgery is `dataclasses.replace(run, ...)` with what the
student did by hand. `Played` answers an operation only where a run gives it answers, each operation
from its own queue: on a moto account, moto serves the rest (the lab's declarations), so the grade
is the whole account's.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import responses
from botocore.exceptions import StubAssertionError, UnStubbedResponseError
from botocore.stub import Stubber

from pipeline_harness.waits.ecr_tags import ACCEPTED_MEDIA_TYPES, IMAGE_TYPES, OCI_INDEX

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
PAGE = 100


class Played(Stubber):
    """A Stubber that answers only `operations` (API names; None: every operation of the client),
    each from a queue of its own; the client's other calls go to its endpoint."""

    def __init__(self, client, operations: frozenset[str] | None = None):
        super().__init__(client)
        self.operations = operations
        self.queues: dict[str, deque] = defaultdict(deque)
        self._service = client.meta.service_model.service_id.hyphenize()

    def _moved(self) -> None:
        entry = self._queue.pop()
        self.queues[entry["operation_name"]].append(entry)

    def add_response(self, method, service_response, expected_params=None):
        super().add_response(method, service_response, expected_params)
        self._moved()

    def add_client_error(self, method, service_error_code="", service_message="", http_status_code=400,
                         **kwargs):
        super().add_client_error(method, service_error_code, service_message, http_status_code, **kwargs)
        self._moved()

    def _events(self) -> list[str]:
        if self.operations is None:
            return ["*"]
        return sorted(self.operations)

    def activate(self):
        for operation in self._events():
            self.client.meta.events.register_first(f"before-parameter-build.{self._service}.{operation}",
                                                   self._expected, unique_id=f"played-params-{operation}")
            self.client.meta.events.register(f"before-call.{self._service}.{operation}", self._answer,
                                             unique_id=f"played-{operation}")

    def deactivate(self):
        for operation in self._events():
            self.client.meta.events.unregister(f"before-parameter-build.{self._service}.{operation}",
                                               unique_id=f"played-params-{operation}")
            self.client.meta.events.unregister(f"before-call.{self._service}.{operation}",
                                               unique_id=f"played-{operation}")

    def _head(self, model) -> dict:
        queue = self.queues.get(model.name)
        if not queue:
            raise UnStubbedResponseError(operation_name=model.name, reason="the run has no answer (left)")
        return queue[0]

    def _expected(self, model, params, context, **_):
        expected = self._head(model)["expected_params"]
        if expected is not None and expected != params:
            raise StubAssertionError(operation_name=model.name,
                                     reason=f"expected parameters {expected}, received {params}")

    def _answer(self, model, params, context, **_):
        self._head(model)
        return self.queues[model.name].popleft()["response"]

    def assert_no_pending_responses(self):
        left = {op: len(q) for op, q in self.queues.items() if q}
        if left:
            raise AssertionError(f"answers not asked for: {left}")


def _sha(text: str | bytes) -> str:
    return "sha256:" + hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def _json(document: dict) -> str:
    return json.dumps(document, separators=(",", ":"))


@dataclass(frozen=True)
class Image:
    """One platform image: the architecture its own config states."""

    architecture: str
    variant: str = ""  # a second image of the same architecture differs by its content

    @property
    def config(self) -> bytes:
        return _json({"architecture": self.architecture, "os": "linux",
                      "config": {"Cmd": ["apache2-foreground"]},
                      "rootfs": {"type": "layers", "diff_ids": [_sha(self.architecture + self.variant)]},
                      "history": [{"created_by": "COPY sample_app/ /var/www/html/"}]}).encode()

    @property
    def manifest(self) -> str:
        return _json({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                      "config": {"mediaType": OCI_CONFIG, "digest": _sha(self.config),
                                 "size": len(self.config)},
                      "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                  "digest": _sha(self.architecture + self.variant + "layer"), "size": 1000}]})

    @property
    def digest(self) -> str:
        return _sha(self.manifest)


HONEST_IMAGES = (Image("amd64"), Image("arm64"))
# the index's entries: (which image, the architecture the index labels it with)
HONEST_INDEX = ((0, "amd64"), (1, "arm64"))


@dataclass(frozen=True)
class Run:
    """One pipeline run and what it left; every knob's default is what the pipeline does."""

    account: str = "123456789012"
    region: str = "us-east-1"
    pipeline: str = "dev-php-app-pipeline"
    project: str = "dev-php-app-build"
    repository: str = "my-ecs-php-app"
    cluster: str = "dev-cluster"
    service: str = "dev-php-app-alb-service"
    container: str = "php-app-container"
    port: int = 80
    load_balancer: str = "dev-php-app-alb"
    load_balancer_arn: str = ""
    dns: str = "dev-php-app-alb-1234567890.us-east-1.elb.amazonaws.com"
    target_group_arn: str = ""
    task_definition_arn: str = ""
    commit: str = "3f2c9a1d0b7e4c21a9f0e8d7c6b5a4f3e2d1c0b9"
    build_number: int = 42
    execution: str = "11111111-2222-3333-4444-555555555555"
    started: datetime = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    version: int = 1  # the pipeline version the execution ran
    current_version: int = 1  # GetPipeline's, where the run answers it
    status: str = "Succeeded"  # the execution's
    action_status: tuple[tuple[str, str], ...] = ()  # (stage, status) of actions that did not succeed
    build_status: str = "SUCCEEDED"
    # what the student did, or the pipeline did not
    newer: tuple[dict, ...] = ()  # summaries listed before the graded one (running, or later)
    ran: tuple[str, ...] = ("Source", "Build", "Deploy")  # the stages whose action ran
    build_project: str = ""  # the project the Build action ran ("" : the graded one)
    initiator: str = ""  # the build's initiator ("": codepipeline/<pipeline>)
    deployed_to: tuple[str, str] | None = None  # the Deploy action's (cluster, service); None: graded
    pushed_after: timedelta = timedelta(seconds=200)  # from the execution's start: within the build
    tags: tuple[str, ...] | None = None  # the commit image's tags (None: C[:7], latest, N)
    images: tuple[Image, ...] = HONEST_IMAGES
    index_entries: tuple[tuple[int, str], ...] = HONEST_INDEX
    deployment_after: timedelta = timedelta(seconds=260)  # createdAt, from the start: in Deploy
    rollout: str = "COMPLETED"
    task_image: str = ""  # the task definition's image ("": <uri>:C[:7])
    desired: int = 1
    task_digests: tuple[str, ...] | None = None  # what the running tasks run (None: the index)
    task_ip: str = "10.0.1.25"
    listener_default: dict | None = None  # the port-80 listener's default action (None: forward)
    rules: tuple[dict, ...] = ()  # the listener's rules ahead of its default (Priority, Conditions, Actions)
    healthy: tuple[str, ...] | None = None  # the target group's healthy IPs (None: the tasks')
    app_status: int = 200
    unserved_config: int | None = None  # the image whose config blob URL answers 503
    artifacts: dict[str, tuple[str, str]] = field(default_factory=dict)  # artifact → (bucket, key)

    # --- derived -----------------------------------------------------------------------------------
    @property
    def short(self) -> str:
        return self.commit[:7]

    @property
    def uri(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{self.repository}"

    def at(self, seconds: float) -> datetime:
        return self.started + timedelta(seconds=seconds)

    @property
    def finished(self) -> datetime:
        return self.at(455)

    @property
    def build_id(self) -> str:
        return f"{self.build_project or self.project}:0a1b2c3d-0000-1111-2222-333333333333"

    @property
    def tg(self) -> str:
        return self.target_group_arn or (f"arn:aws:elasticloadbalancing:{self.region}:{self.account}:"
                                         "targetgroup/dev-php-app-tg/73e2d6bc24d8a067")

    @property
    def lb_arn(self) -> str:
        return self.load_balancer_arn or (f"arn:aws:elasticloadbalancing:{self.region}:{self.account}:"
                                          f"loadbalancer/app/{self.load_balancer}/50dc6c495c0c9188")

    @property
    def td(self) -> str:
        return self.task_definition_arn or (f"arn:aws:ecs:{self.region}:{self.account}:"
                                            "task-definition/dev-php-app-task:8")

    @property
    def listed_images(self) -> tuple[Image, ...]:
        """The images the index lists, each once: an index listing a manifest twice lists one image."""
        listed = [self.images[i] for i, _ in self.index_entries]
        return tuple({image.digest: image for image in listed}.values())

    @property
    def index(self) -> str:
        platforms = [{"mediaType": OCI_MANIFEST, "digest": self.images[i].digest,
                      "size": len(self.images[i].manifest),
                      "platform": {"os": "linux", "architecture": label}} for i, label in self.index_entries]
        attestation = {"mediaType": OCI_MANIFEST, "digest": _sha("attestation"), "size": 566,
                       "platform": {"os": "unknown", "architecture": "unknown"},
                       "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
        return _json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [*platforms, attestation]})

    @property
    def digest(self) -> str:
        return _sha(self.index)

    def layer_url(self, digest: str) -> str:
        return (f"https://prod-{self.region}-starport-layer-bucket.s3.{self.region}.amazonaws.com/"
                f"{self.account}/{self.repository}/{digest.split(':')[1]}?X-Amz-Signature=0f1e")

    # --- the answers, per operation ---------------------------------------------------------------
    def declaration(self) -> dict:
        def action(category, provider, configuration):
            return {"name": category, "runOrder": 1, "configuration": configuration,
                    "actionTypeId": {"category": category, "owner": "AWS", "provider": provider,
                                     "version": "1"}}
        return {"name": self.pipeline,
                "roleArn": f"arn:aws:iam::{self.account}:role/dev-codepipeline-service-role",
                "artifactStore": {"type": "S3", "location": f"dev-pipeline-artifacts-{self.account}"},
                "version": self.current_version, "stages": [
                    {"name": "Source", "actions": [action("Source", "CodeStarSourceConnection", {
                        "ConnectionArn": f"arn:aws:codeconnections:{self.region}:{self.account}:"
                                         "connection/0a1b",
                        "FullRepositoryId": "student/my-ecs-php-app", "BranchName": "main"})]},
                    {"name": "Build", "actions": [action("Build", "CodeBuild",
                                                          {"ProjectName": self.project})]},
                    {"name": "Deploy", "actions": [action("Deploy", "ECS", {
                        "ClusterName": self.cluster, "ServiceName": self.service,
                        "FileName": "imagedefinitions.json"})]}]}

    def summary(self) -> dict:
        return {"pipelineExecutionId": self.execution, "status": self.status, "startTime": self.started,
                "lastUpdateTime": self.finished, "trigger": {"triggerType": "Webhook"},
                "sourceRevisions": [{"actionName": "Source", "revisionId": self.commit,
                                     "revisionSummary": "Update index.php"}]}

    def _action(self, stage: str, provider: str, begin: float, end: float, configuration: dict,
                external: str, outputs: tuple[str, ...] = ()) -> dict:
        detail = {"pipelineExecutionId": self.execution, "actionExecutionId": f"{stage}-0001",
                  "pipelineVersion": self.version, "stageName": stage, "actionName": stage,
                  "startTime": self.at(begin), "lastUpdateTime": self.at(end),
                  "status": dict(self.action_status).get(stage, "Succeeded"),
                  "input": {"actionTypeId": {"category": stage, "owner": "AWS", "provider": provider,
                                             "version": "1"}, "configuration": configuration},
                  "output": {"executionResult": {"externalExecutionId": external}}}
        located = [{"name": name, "s3location": {"bucket": bucket, "key": key}}
                   for name in outputs if name in self.artifacts for bucket, key in [self.artifacts[name]]]
        if located:
            detail["output"]["outputArtifacts"] = located
        return detail

    def action_executions(self) -> list[dict]:
        cluster, service = self.deployed_to or (self.cluster, self.service)
        every = {
            "Source": self._action("Source", "CodeStarSourceConnection", 0, 12, {"BranchName": "main"},
                                   self.commit, ("SourceArtifact", "source_out")),
            "Build": self._action("Build", "CodeBuild", 12, 252,
                                  {"ProjectName": self.build_project or self.project}, self.build_id,
                                  ("BuildArtifact", "image_defs")),
            "Deploy": self._action("Deploy", "ECS", 252, 452,
                                   {"ClusterName": cluster, "ServiceName": service,
                                    "FileName": "imagedefinitions.json"}, "ecs-deploy-1"),
        }
        return [every[stage] for stage in self.ran]

    def build(self) -> dict:
        return {"id": self.build_id,
                "arn": f"arn:aws:codebuild:{self.region}:{self.account}:build/{self.build_id}",
                "buildNumber": self.build_number, "startTime": self.at(15), "endTime": self.at(250),
                "buildStatus": self.build_status, "resolvedSourceVersion": self.commit,
                "projectName": self.build_project or self.project,
                "initiator": self.initiator or f"codepipeline/{self.pipeline}"}

    def image_detail(self) -> dict:
        tags = self.tags if self.tags is not None else (self.short, "latest", str(self.build_number))
        return {"registryId": self.account, "repositoryName": self.repository, "imageDigest": self.digest,
                "imageTags": list(tags), "imagePushedAt": self.started + self.pushed_after,
                "imageManifestMediaType": OCI_INDEX, "imageSizeInBytes": 191_234_567}

    def service_record(self, base: dict | None = None) -> dict:
        """The service as DescribeServices shows it: `base` (moto's answer) with the run's deployment."""
        created = self.started + self.deployment_after
        running = self.desired if self.rollout == "COMPLETED" else 0
        return {**(base or {
            "serviceArn": f"arn:aws:ecs:{self.region}:{self.account}:service/{self.cluster}/{self.service}",
            "serviceName": self.service, "status": "ACTIVE", "launchType": "FARGATE",
            "clusterArn": f"arn:aws:ecs:{self.region}:{self.account}:cluster/{self.cluster}",
            "loadBalancers": [{"targetGroupArn": self.tg, "containerName": self.container,
                               "containerPort": self.port}],
            "deploymentController": {"type": "ECS"}}),
            "taskDefinition": self.td, "desiredCount": self.desired, "runningCount": running,
            "deployments": [{"id": "ecs-svc/8141926084426591337", "status": "PRIMARY",
                             "taskDefinition": self.td, "desiredCount": self.desired, "runningCount": running,
                             "pendingCount": 0,
                             "createdAt": created, "updatedAt": created + timedelta(seconds=150),
                             "rolloutState": self.rollout, "launchType": "FARGATE"}],
            "events": [{"id": "e1", "createdAt": created,
                        "message": f"(service {self.service}) has reached a steady state."}]}

    def task(self, index: int, digest: str) -> dict:
        arn = f"arn:aws:ecs:{self.region}:{self.account}:task/{self.cluster}/0123456789abcdef{index}"
        return {"taskArn": arn, "lastStatus": "RUNNING", "desiredStatus": "RUNNING",
                "taskDefinitionArn": self.td,
                "attachments": [{"id": "eni-attachment-1", "type": "ElasticNetworkInterface",
                                 "status": "ATTACHED",
                                 "details": [{"name": "subnetId", "value": "subnet-0001"},
                                             {"name": "privateIPv4Address", "value": self._ip(index)}]}],
                "containers": [{"name": self.container, "image": f"{self.uri}:{self.short}",
                                "imageDigest": digest, "lastStatus": "RUNNING"}]}

    def _ip(self, index: int) -> str:
        head, last = self.task_ip.rsplit(".", 1)
        return f"{head}.{int(last) + index}"

    @property
    def running_digests(self) -> tuple[str, ...]:
        if self.task_digests is not None:
            return self.task_digests
        return (self.digest,) * self.desired

    def answers(self, base_service: dict | None = None) -> dict[tuple[str, str], list]:
        """(service, client method) → [(answer, expected parameters)] in the order asked."""
        executions = {"pipelineExecutionSummaries": [*self.newer, self.summary()]}
        execution = {"pipelineExecution": {"pipelineName": self.pipeline, "pipelineVersion": self.version,
                                           "pipelineExecutionId": self.execution, "status": self.status,
                                           "artifactRevisions": [{"name": "SourceArtifact",
                                                                  "revisionId": self.commit}]}}
        manifests = {"images": [{"registryId": self.account, "repositoryName": self.repository,
                                 "imageId": {"imageDigest": image.digest}, "imageManifest": image.manifest,
                                 "imageManifestMediaType": OCI_MANIFEST} for image in self.listed_images],
                     "failures": []}
        platform_ids = [{"imageDigest": image.digest} for image in self.listed_images]
        tasks = [self.task(i, d) for i, d in enumerate(self.running_digests)]
        image = self.task_image or f"{self.uri}:{self.short}"
        healthy = self.healthy if self.healthy is not None else tuple(self._ip(i) for i in range(len(tasks)))
        default = self.listener_default or {"Type": "forward", "TargetGroupArn": self.tg}
        listener = f"{self.lb_arn.replace(':loadbalancer/', ':listener/')}/9f3e"
        repository = {"repositoryName": self.repository}
        played: dict[tuple[str, str], list[tuple[dict, dict | None]]] = {
            ("codepipeline", "list_pipeline_executions"): [
                (executions, {"pipelineName": self.pipeline, "maxResults": PAGE})],
            ("codepipeline", "get_pipeline_execution"): [
                (execution, {"pipelineName": self.pipeline, "pipelineExecutionId": self.execution})],
            ("codepipeline", "get_pipeline"): [
                ({"pipeline": self.declaration(), "metadata": {
                    "pipelineArn": f"arn:aws:codepipeline:{self.region}:{self.account}:{self.pipeline}",
                    "created": self.started - timedelta(days=1),
                    "updated": self.started - timedelta(days=1)}},
                 {"name": self.pipeline})],
            ("codepipeline", "list_action_executions"): [
                ({"actionExecutionDetails": self.action_executions()},
                 {"pipelineName": self.pipeline, "filter": {"pipelineExecutionId": self.execution},
                  "maxResults": PAGE})],
            ("codebuild", "batch_get_builds"): [({"builds": [self.build()]},
                                                 {"ids": [self.build_id]})],
            ("ecr", "describe_images"): [({"imageDetails": [self.image_detail()]},
                                          {**repository, "imageIds": [{"imageTag": self.short}]})],
            ("ecr", "batch_get_image"): [
                ({"images": [{"registryId": self.account, "repositoryName": self.repository,
                              "imageId": {"imageDigest": self.digest}, "imageManifest": self.index,
                              "imageManifestMediaType": OCI_INDEX}], "failures": []},
                 {**repository, "imageIds": [{"imageDigest": self.digest}],
                  "acceptedMediaTypes": ACCEPTED_MEDIA_TYPES}),
                (manifests, {**repository, "imageIds": platform_ids, "acceptedMediaTypes": IMAGE_TYPES})],
            ("ecr", "get_download_url_for_layer"): [
                ({"downloadUrl": self.layer_url(_sha(image.config)), "layerDigest": _sha(image.config)},
                 {**repository, "layerDigest": _sha(image.config)}) for image in self.listed_images],
            ("ecs", "describe_services"): [
                ({"services": [self.service_record(base_service)], "failures": []},
                 {"cluster": self.cluster, "services": [self.service], "include": ["TAGS"]})],
            ("ecs", "describe_task_definition"): [
                ({"taskDefinition": {"taskDefinitionArn": self.td, "family": "dev-php-app-task",
                                     "containerDefinitions": [{"name": self.container, "image": image}]}},
                 {"taskDefinition": self.td})],
            ("ecs", "list_tasks"): [
                ({"taskArns": [t["taskArn"] for t in tasks]},
                 {"cluster": self.cluster, "serviceName": self.service, "desiredStatus": "RUNNING",
                  "maxResults": PAGE})],
            ("ecs", "describe_tasks"): [({"tasks": tasks, "failures": []},
                                         {"cluster": self.cluster, "tasks": [t["taskArn"] for t in tasks]})]
            if tasks else [],
            ("elbv2", "describe_load_balancers"): [
                ({"LoadBalancers": [{"LoadBalancerArn": self.lb_arn, "DNSName": self.dns,
                                     "Scheme": "internet-facing", "LoadBalancerName": self.load_balancer,
                                     "Type": "application"}]},
                 {"Names": [self.load_balancer]})],
            ("elbv2", "describe_listeners"): [
                ({"Listeners": [{"ListenerArn": listener, "LoadBalancerArn": self.lb_arn, "Port": 80,
                                 "Protocol": "HTTP", "DefaultActions": [default]}]},
                 {"LoadBalancerArn": self.lb_arn})],
            ("elbv2", "describe_rules"): [
                ({"Rules": [*({"RuleArn": listener.replace(":listener/", ":listener-rule/") + f"/{n}",
                               "IsDefault": False, **rule} for n, rule in enumerate(self.rules, 1)),
                            {"RuleArn": listener.replace(":listener/", ":listener-rule/") + "/0",
                             "Priority": "default", "Conditions": [], "Actions": [default],
                             "IsDefault": True}]},
                 {"ListenerArn": listener})],
            ("elbv2", "describe_target_health"): [
                ({"TargetHealthDescriptions": [{"Target": {"Id": ip, "Port": self.port},
                                                "TargetHealth": {"State": "healthy"}} for ip in healthy]},
                 {"TargetGroupArn": self.tg})],
        }
        return played

    def serve(self, mock: responses.RequestsMock) -> None:
        """The registry's blob URLs (each image's config) and the app behind the ALB."""
        for image in self.listed_images:
            unserved = self.unserved_config is not None and image == self.images[self.unserved_config]
            mock.get(self.layer_url(_sha(image.config)), body=b"Slow Down" if unserved else image.config,
                     status=503 if unserved else 200)
        mock.get(f"http://{self.dns}/", status=self.app_status, body=f"<h1>PHP app</h1> version {self.short}")


CHAIN_READS = frozenset({
    ("codepipeline", "ListPipelineExecutions"), ("codepipeline", "GetPipelineExecution"),
    ("codepipeline", "ListActionExecutions"), ("codebuild", "BatchGetBuilds"), ("ecr", "DescribeImages"),
    ("ecr", "BatchGetImage"), ("ecr", "GetDownloadUrlForLayer"), ("ecs", "DescribeServices"),
    ("ecs", "ListTasks"), ("ecs", "DescribeTasks"), ("elbv2", "DescribeListeners"),
    ("elbv2", "DescribeRules"), ("elbv2", "DescribeTargetHealth")})


def play(target, answers: dict, operations: frozenset[tuple[str, str]] | None = None) -> dict[str, Played]:
    """A Played per service of `answers` on the target's clients, activated: with `operations`, only
    those (service, API name) are answered and the rest goes to the target's endpoint."""
    stubs: dict[str, Played] = {}
    for (service, method), given in answers.items():
        if service not in stubs:
            client = target.client(service)
            ours = None if operations is None else frozenset(op for s, op in operations if s == service)
            stubs[service] = Played(client, ours)
        operation = stubs[service].client.meta.method_to_api_mapping[method]
        if operations is not None and (service, operation) not in operations:
            continue
        for response, params in given:
            stubs[service].add_response(method, response, params)
    for stub in stubs.values():
        stub.activate()
    return stubs
