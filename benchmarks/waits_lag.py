"""Detection lag and API calls of the Step 7 waits against boto3's waiters / fixed 15 s polling.

Everything runs on a simulated clock over the tutorial's timelines ("Build stage takes 3-5
minutes", "Deploy stage takes 1-2 minutes", "new tasks take 2-3 minutes to become healthy") and a
circuit-breaker rollback. AWS answers come from botocore Stubbers filled just in time from the
timeline, so every request and response is checked against the real API models. boto3's waiters
are driven by their own acceptors, loaded from botocore's waiter model, with their own delay.

    python benchmarks/waits_lag.py [--runs 300] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
from dataclasses import dataclass
from datetime import datetime, timezone

import boto3
import botocore.session
import botocore.waiter
import responses
from botocore.stub import Stubber

from pipeline_harness.targets.base import Target
from pipeline_harness.waits import ecr_tags, http, pipeline, rollout
from pipeline_harness.waits.model import WaitError, run
from pipeline_harness.waits.policies import (ECR_TAGS, HTTP, PIPELINE, ROLLOUT, Policy,
                                             SimulatedClock)

FIXED_15 = Policy("fixed-15s", deadline=3600, expected_from=0, expected_until=3600, dense=15, jitter=0)
ACCOUNT = "123456789012"
URI = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app"
NEW_TD = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/dev-php-app:8"
OLD_TD = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/dev-php-app:7"
NEW_IMAGE, OLD_IMAGE = f"{URI}:3f2c9a1", f"{URI}:1a2b3c4"
EXECUTION = "11111111-2222-3333-4444-555555555555"
PREVIOUS = "00000000-2222-3333-4444-555555555555"
URL = "http://dev-php-app-alb.example/"
AT = datetime(2026, 11, 2, tzinfo=timezone.utc)


@dataclass
class Result:
    lag: float  # seconds from the condition becoming true to the verdict
    calls: int
    verdict: str  # success | failure | timeout
    looks: int  # polls; a look of ours may make several calls (an HTTP look: up to N requests)


class Stubbed:
    """A target whose answers come from `timeline(operation, params, now)` at the moment of the call.

    Built once (boto3 clients are slow to make) and reset for every simulated run.
    """

    SERVICES = ("codepipeline", "ecr", "ecs")

    def __init__(self):
        session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
        self.target = Target(name="simulated", region="us-east-1", session=session)
        self.stubbers = {}
        for service in self.SERVICES:
            client = self.target.client(service)
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
            # emitted before the Stubber checks its queue on before-parameter-build
            client.meta.events.register(
                f"provide-client-params.{client.meta.service_model.service_id.hyphenize()}",
                self._answer(service))

    def reset(self, clock: SimulatedClock, timeline) -> Target:
        self.clock, self.timeline, self.calls = clock, timeline, 0
        return self.target

    def _answer(self, service):
        def queue(params, model, **_):
            self.calls += 1
            method = botocore.xform_name(model.name)
            self.stubbers[service].add_response(method, self.timeline(model.name, params, self.clock.now))
        return queue


STUBBED = None


def _ours(make_wait, timeline, condition_at) -> Result:
    global STUBBED
    STUBBED = STUBBED or Stubbed()
    clock = SimulatedClock()
    target = STUBBED.reset(clock, timeline)
    try:
        outcome = run(make_wait(target, clock), clock=clock, sleep=clock.sleep)
    except WaitError as err:
        outcome = err.outcome
        if outcome.state == "failure" and outcome.acceptor is None:
            raise  # the simulation itself is broken: a read failed
    return Result(clock.now - condition_at, STUBBED.calls, outcome.state, outcome.attempts)


def _boto3_waiter(service, waiter_name, timeline, condition_at, operation) -> Result:
    """boto3's waiter loop (call, first matching acceptor decides, sleep `delay`) on the timeline."""
    config = botocore.waiter.SingleWaiterConfig(
        botocore.session.get_session().get_waiter_model(service)._waiter_config[waiter_name])
    now, calls = 0.0, 0
    for _ in range(config.max_attempts):
        calls += 1
        answer = timeline(operation, {}, now)
        state = next((a.state for a in config.acceptors if a.matcher_func(answer)), "retry")
        if state != "retry":
            return Result(now - condition_at, calls, state, calls)
        now += config.delay
    return Result(now - condition_at, calls, "timeout", calls)


# --- timelines -------------------------------------------------------------------------------

def pipeline_timeline(build_at, deploy_at, done_at):
    """Source until build_at, Build until deploy_at, Deploy until done_at; the stages not reached
    yet still show the previous execution."""
    def stage(name, begin, end, now):
        if now < begin:
            return {"stageName": name,
                    "latestExecution": {"pipelineExecutionId": PREVIOUS, "status": "Succeeded"}}
        status = "Succeeded" if now >= end else "InProgress"
        return {"stageName": name,
                "latestExecution": {"pipelineExecutionId": EXECUTION, "status": status}}

    def answer(operation, params, now):
        if operation == "ListPipelineExecutions":
            return {"pipelineExecutionSummaries": [{"pipelineExecutionId": EXECUTION, "status": "InProgress",
                    "sourceRevisions": [{"actionName": "Source", "revisionId": "3f2c9a1" + "0" * 33}]}]}
        if operation == "GetPipelineState":
            return {"pipelineName": params["name"], "stageStates": [
                stage("Source", 0, build_at, now), stage("Build", build_at, deploy_at, now),
                stage("Deploy", deploy_at, done_at, now)]}
        status = "Succeeded" if now >= done_at else "InProgress"
        return {"pipelineExecution": {"pipelineExecutionId": EXECUTION, "status": status}}
    return answer


def ecr_timeline(pushed_at):
    import json
    index = json.dumps({"schemaVersion": 2, "mediaType": ecr_tags.OCI_INDEX, "manifests": [
        {"digest": "sha256:" + c * 64, "size": 1, "platform": {"os": "linux", "architecture": a},
         "mediaType": "application/vnd.oci.image.manifest.v1+json"} for c, a in (("1", "amd64"), ("2", "arm64"))]})

    def answer(operation, params, now):
        ids = params["imageIds"]
        if now < pushed_at:
            return {"images": [], "failures": [{"imageId": i, "failureCode": "ImageNotFound",
                                                "failureReason": "Requested image not found"} for i in ids]}
        return {"images": [{"imageId": {"imageDigest": "sha256:" + "a" * 64, **i}, "imageManifest": index,
                            "imageManifestMediaType": ecr_tags.OCI_INDEX} for i in ids], "failures": []}
    return answer


def _deployment(status, td, state, running=2):
    return {"id": f"ecs-svc/{td[-1]}", "status": status, "taskDefinition": td, "desiredCount": 2,
            "runningCount": running, "rolloutState": state}


def ecs_timeline(done_at, rollback_at=None, running_at=None):
    """Rollout: new PRIMARY IN_PROGRESS until done_at, its tasks RUNNING (health checks pending)
    from running_at. Rollback: FAILED at rollback_at, then the old task definition is PRIMARY
    again and alone at done_at."""
    def service(now):
        if rollback_at is None:
            if now >= done_at:
                return [_deployment("PRIMARY", NEW_TD, "COMPLETED")]
            running = 2 if now >= running_at else 0
            return [_deployment("PRIMARY", NEW_TD, "IN_PROGRESS", running),
                    _deployment("ACTIVE", OLD_TD, "COMPLETED")]
        if now >= done_at:
            return [_deployment("PRIMARY", OLD_TD, "COMPLETED")]
        if now >= rollback_at:
            return [_deployment("PRIMARY", OLD_TD, "IN_PROGRESS"), _deployment("ACTIVE", NEW_TD, "FAILED", 0)]
        return [_deployment("PRIMARY", NEW_TD, "IN_PROGRESS", 0), _deployment("ACTIVE", OLD_TD, "COMPLETED")]

    def answer(operation, params, now):
        if operation == "DescribeServices":
            return {"services": [{"serviceName": "dev-php-app-alb-service", "status": "ACTIVE",
                                  "desiredCount": 2, "runningCount": 2, "deployments": service(now),
                                  "events": [{"id": "1", "createdAt": AT, "message": "(service) event"}]}],
                    "failures": []}
        if operation == "DescribeTaskDefinition":
            image = NEW_IMAGE if params["taskDefinition"] == NEW_TD else OLD_IMAGE
            return {"taskDefinition": {"taskDefinitionArn": params["taskDefinition"],
                                       "containerDefinitions": [{"name": "php-app-container", "image": image}]}}
        if operation == "ListTasks":
            return {"taskArns": ["arn:aws:ecs:us-east-1:1:task/dev-cluster/a", "arn:aws:ecs:us-east-1:1:task/dev-cluster/b"]}
        image = OLD_IMAGE if rollback_at is not None else NEW_IMAGE
        return {"tasks": [{"taskArn": t, "lastStatus": "RUNNING",
                           "containers": [{"name": "php-app-container", "image": image}]} for t in params["tasks"]]}
    return answer


def target_health_timeline(healthy_at):
    def answer(operation, params, now):
        state = "healthy" if now >= healthy_at else "initial"
        return {"TargetHealthDescriptions": [{"Target": {"Id": "10.0.1.7", "Port": 80},
                                              "TargetHealth": {"State": state}}]}
    return answer


def _http_ours(policy, healthy_at) -> Result:
    """The app answers the old version, a mixed fleet in the last 30 s, then only the new one."""
    clock = SimulatedClock()
    requests_made = []

    def answer(request):
        requests_made.append(clock.now)
        mixed = healthy_at - 30 <= clock.now < healthy_at and len(requests_made) % 2
        new = clock.now >= healthy_at or mixed
        return 200, {}, f"version {'3f2c9a1' if new else '1a2b3c4'}"

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, URL, callback=answer)
        try:
            outcome = http.wait_for_version(URL, "3f2c9a1", policy=policy, clock=clock, sleep=clock.sleep)
        except WaitError as err:
            outcome = err.outcome
    return Result(clock.now - healthy_at, len(requests_made), outcome.state, outcome.attempts)


# --- scenarios -------------------------------------------------------------------------------

def _rollout(target, clock):
    return rollout.rollout_wait(target, "dev-cluster", "dev-php-app-alb-service", NEW_IMAGE, policy=ROLLOUT)


def scenarios(rng: random.Random):
    """(name, baseline name, draw → (ours, baseline)) for each row of the table."""
    def pipeline_row():
        build = rng.uniform(5, 15)
        deploy = build + rng.uniform(180, 300)
        done = deploy + rng.uniform(60, 120)
        make = lambda policy: lambda t, clock: pipeline.pipeline_wait(
            t, "dev-php-app-pipeline", "3f2c9a1", policy=policy, clock=clock)
        timeline = pipeline_timeline(build, deploy, done)
        return _ours(make(PIPELINE), timeline, done), _ours(make(FIXED_15), timeline, done)

    def ecr_row():
        pushed = rng.uniform(5, 15) + rng.uniform(180, 300)
        make = lambda policy: lambda t, clock: ecr_tags.ecr_tags_wait(t, "my-ecs-php-app", ("3f2c9a1", "latest", "42"), policy=policy)
        return _ours(make(ECR_TAGS), ecr_timeline(pushed), pushed), \
            _ours(make(FIXED_15), ecr_timeline(pushed), pushed)

    def rollout_row():
        running = rng.uniform(60, 120)
        done = running + rng.uniform(120, 180)
        timeline = ecs_timeline(done, running_at=running)
        return _ours(_rollout, timeline, done), \
            _boto3_waiter("ecs", "ServicesStable", timeline, done, "DescribeServices")

    def rollback_row():
        failed = rng.uniform(120, 300)
        settled = failed + rng.uniform(60, 120)
        return _ours(_rollout, ecs_timeline(settled, failed), failed), \
            _boto3_waiter("ecs", "ServicesStable", ecs_timeline(settled, failed), failed, "DescribeServices")

    def http_row():
        healthy = rng.uniform(120, 180)
        return _http_ours(HTTP, healthy), \
            _boto3_waiter("elbv2", "TargetInService", target_health_timeline(healthy), healthy, "DescribeTargetHealth")

    return [
        ("pipeline (Source+Build 3-5 min+Deploy 1-2 min)", "fixed 15 s", "success", pipeline_row),
        ("ecr-tags (Build 3-5 min)", "fixed 15 s", "success", ecr_row),
        ("rollout (Deploy 1-2 min + health 2-3 min)", "boto3 services_stable", "success", rollout_row),
        ("rollback (circuit breaker at 2-5 min)", "boto3 services_stable", "failure", rollback_row),
        ("http (health checks 2-3 min)", "boto3 target_in_service", "success", http_row),
    ]


def _goal(ours: list[Result], baseline: list[Result], truth: str) -> str:
    """Issue 4's goal on exact means: a third of the baseline's lag or less, no more calls
    (then no more looks), every verdict right. On the rollback only the verdict counts: the
    baseline's "success" there is wrong, so its lag measures nothing."""
    if any(r.verdict != truth for r in ours):
        return "wrong"
    if truth == "failure":
        return "met"
    mean = statistics.mean
    lag = mean(r.lag for r in ours) <= mean(r.lag for r in baseline) / 3
    calls = mean(r.calls for r in ours) <= mean(r.calls for r in baseline)
    looks = mean(r.looks for r in ours) <= mean(r.looks for r in baseline)
    if lag and calls:
        return "met"
    if lag and looks:
        return "looks"
    return "+".join(name for name, ok in (("lag", lag), ("calls", calls)) if not ok)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    random.seed(args.seed)  # tenacity's jitter
    header = (f"{'timeline':<48} {'wait':<24} {'lag mean':>8} {'lag p50':>8} {'lag max':>8} "
              f"{'calls':>6} {'looks':>6} {'right':>6} {'goal':>6}")
    print(f"{args.runs} simulated runs per row, seed {args.seed}; lag in seconds after the condition "
          "became true; calls = AWS API calls (HTTP requests for ours on the http row); looks = polls; "
          "goal: met = lag <= 1/3 and calls <= the baseline's, looks = met only counting looks as calls, "
          "else what misses")
    print(header)
    print("-" * len(header))
    for name, baseline_name, truth, draw in scenarios(rng):
        results = [draw() for _ in range(args.runs)]
        ours, baseline = [r[0] for r in results], [r[1] for r in results]
        for label, rows in (("ours", ours), (baseline_name, baseline)):
            lags = [r.lag for r in rows]
            right = sum(r.verdict == truth for r in rows) / len(rows)
            goal = _goal(ours, baseline, truth) if rows is ours else ""
            print(f"{name if rows is ours else '':<48} {label:<24} {statistics.mean(lags):8.1f} "
                  f"{statistics.median(lags):8.1f} {max(lags):8.1f} "
                  f"{statistics.mean(r.calls for r in rows):6.1f} "
                  f"{statistics.mean(r.looks for r in rows):6.1f} {right:6.0%} {goal:>6}")


if __name__ == "__main__":
    main()
