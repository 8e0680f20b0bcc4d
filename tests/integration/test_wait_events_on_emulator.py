"""Event-driven waits end to end on an embedded moto server, whose EventBridge delivers `put_events`
to an SQS target in the AWS envelope: the run's rule (waits.events.run_pattern) with a queue as
target, events shaped like the AWS documentation's samples (tests/data/events), and the waits
long-polling the queue.

moto can flip a verdict only for ECR (images can be pushed mid-wait). Its pipeline executions keep
no source revision and succeed at once, and its ECS services never roll out (measured on moto 5.2), so
for those the tests check what moto can show: the routing, and one confirming read per event.
"""

import copy
import dataclasses
import json
import threading
import time
import uuid
from pathlib import Path

import pytest

from pipeline_harness.targets import moto as moto_target
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Capabilities, Target
from pipeline_harness.waits import deployments, ecr_tags, rollout
from pipeline_harness.waits.events import Inbox, run_pattern
from pipeline_harness.waits.model import WaitTimeout
from pipeline_harness.waits.schedules import Paced, Policy

# one worker runs this module, so its module-scoped server is made once, not once per worker
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("wait-events")]

REGION, ACCOUNT = "us-east-1", "123456789012"  # moto's default account
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "events"
TAGS = ("3f2c9a1", "latest", "42")
# real seconds: one look, then only events (or the safety look) end a sleep
LISTENING_SCHEDULE = Paced(every=60, safety=30, safety_near=30, dense=1, jitter=0)
LISTENING = Policy("listening", deadline=40, schedule=LISTENING_SCHEDULE)


@pytest.fixture(scope="module")
def endpoint():
    """An embedded moto server of this module's own, on a free 127.0.0.1 port."""
    server = moto_target.embedded(REGION)  # another server of this process, reached by its URL
    yield server.endpoint_url
    server.close()


@pytest.fixture(scope="module")
def aws(endpoint):
    session = sessions.session(REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    # moto's declared gaps, and the deployment history it does not serve (a 500 on moto 5.2.5)
    missing = {**moto_target.CAPABILITIES.missing,
               "ecs": {op: f"moto does not implement {op}" for op in deployments.OPERATIONS}}
    made = Target(name="moto", region=REGION, endpoint_url=endpoint, session=session,
                  capabilities=Capabilities(missing=missing))
    yield made
    made.close()


@pytest.fixture
def names():
    run = uuid.uuid4().hex[:8]
    return {"pipeline": f"pht{run}-dev-php-app-pipeline", "repository": f"pht{run}-my-ecs-php-app",
            "cluster": f"pht{run}-dev-cluster", "service": f"pht{run}-dev-php-app-alb-service"}


@pytest.fixture
def queue(aws, names):
    """The run's queue and the one EventBridge rule that feeds it; both removed afterwards."""
    sqs, events = aws.client("sqs"), aws.client("events")
    url = sqs.create_queue(QueueName=f"{names['pipeline'][:11]}-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"{names['pipeline'][:11]}-run"
    pattern = run_pattern(region=REGION, account=ACCOUNT, **names)
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": arn}])
    yield url
    events.remove_targets(Rule=rule, Ids=["queue"])
    events.delete_rule(Name=rule)
    sqs.delete_queue(QueueUrl=url)


def _sample(name, resources=None, **detail):
    event = copy.deepcopy(json.loads((SAMPLES / f"{name}.json").read_text())["event"])
    event["detail"].update(detail)
    return event, event["resources"] if resources is None else resources


def _put(aws, *samples):
    """Publish events shaped like the samples; EventBridge gives them their id, time and account."""
    entries = [{"Source": event["source"], "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]), "Resources": resources}
               for event, resources in samples]
    for first in range(0, len(entries), 10):  # PutEvents takes ten at most
        answer = aws.client("events").put_events(Entries=entries[first:first + 10])
        assert answer["FailedEntryCount"] == 0


def _drain(inbox):
    """What the queue holds: moto's PutEvents delivers to its targets before it answers."""
    while inbox.receive(0):
        pass
    return inbox.events


def test_the_runs_rule_brings_its_pipelines_repositorys_and_services_events_and_no_others(aws, names, queue):
    # given the documented samples, as the run's resources and as others'
    pipeline_arn = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{names['pipeline']}"
    service_arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{names['cluster']}/{names['service']}"
    cluster_arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{names['cluster']}"
    ours = [
        _sample("codepipeline-pipeline-succeeded", [pipeline_arn], pipeline=names["pipeline"]),
        _sample("codepipeline-stage-stopped", [pipeline_arn], pipeline=names["pipeline"], state="SUCCEEDED"),
        _sample("codepipeline-action-failed", [pipeline_arn], pipeline=names["pipeline"]),
        _sample("ecr-image-push", **{"repository-name": names["repository"]}),
        _sample("ecs-deployment-completed", [service_arn]),
        _sample("ecs-deployment-failed", [service_arn]),
        _sample("ecs-service-steady-state", [service_arn], clusterArn=cluster_arn),
        _sample("ecs-task-state-change", clusterArn=cluster_arn, group=f"service:{names['service']}"),
        _sample("ecs-task-state-change", clusterArn=cluster_arn, group=f"service:{names['service']}",
                lastStatus="STOPPED", desiredStatus="STOPPED"),  # a failed task, or an old one drained
    ]
    others = [
        _sample("codepipeline-pipeline-succeeded"),  # the sample's own myPipeline
        _sample("codepipeline-stage-stopped", [pipeline_arn], pipeline=names["pipeline"], state="STARTED"),
        _sample("ecr-image-delete", **{"repository-name": names["repository"]}),
        _sample("ecr-image-push"),  # my-repo
        _sample("ecs-deployment-completed"),  # servicetest
        _sample("ecs-service-steady-state", [service_arn], eventName="SERVICE_DESIRED_COUNT_UPDATED"),
        _sample("ecs-task-state-change", clusterArn=cluster_arn, group="family:sample-fargate"),
        _sample("ecs-task-state-change", clusterArn=cluster_arn, group=f"service:{names['service']}",
                lastStatus="PROVISIONING"),
    ]

    # when
    _put(aws, *ours, *others)
    received = _drain(Inbox(aws.client("sqs"), queue))

    # then: exactly the run's, in the AWS envelope
    def key(event):
        return event["detail-type"], json.dumps(event["detail"], sort_keys=True)

    assert sorted(map(key, received)) == sorted(key(event) for event, _ in ours)
    assert all({"id", "time", "detail-type", "source", "region", "resources", "detail"} <= set(e)
               for e in received)


@pytest.fixture
def repository(aws, names):
    ecr = aws.client("ecr")
    ecr.create_repository(repositoryName=names["repository"])
    yield names["repository"]
    ecr.delete_repository(repositoryName=names["repository"], force=True)


def _index():
    return json.dumps({"schemaVersion": 2, "mediaType": ecr_tags.OCI_INDEX, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{i}" + "0" * 63,
         "size": 1000, "platform": {"os": "linux", "architecture": arch}}
        for i, arch in enumerate(("amd64", "arm64"), start=1)]})


def _build_pushes(aws, repository, announce=True, delay=0.3):
    """In the background, as the Build stage would: push the tags, and (unless lost) their events."""
    def push():
        time.sleep(delay)
        for tag in TAGS:
            aws.client("ecr").put_image(repositoryName=repository, imageManifest=_index(),
                                           imageManifestMediaType=ecr_tags.OCI_INDEX, imageTag=tag)
        if announce:
            _put(aws, *(_sample("ecr-image-push", **{"repository-name": repository, "image-tag": tag})
                           for tag in TAGS))
    thread = threading.Thread(target=push, daemon=True)
    thread.start()
    return thread


def test_the_ecr_tags_wait_wakes_on_the_push_event_and_confirms_in_ecr(aws, repository, queue):
    # given: nothing pushed yet; the push and its events come a moment into the wait
    pusher = _build_pushes(aws, repository)

    # when
    started = time.monotonic()
    outcome = ecr_tags.wait_for_tags(aws, repository, TAGS, policy=LISTENING,
                                     events=Inbox(aws.client("sqs"), queue))
    pusher.join(timeout=10)

    # then: the first look, and the one the event caused — long before the 30 s safety look
    assert outcome.state == "success" and outcome.attempts == 2
    assert time.monotonic() - started < LISTENING_SCHEDULE.safety / 2
    assert set(outcome.observation.platforms) == {"linux/amd64", "linux/arm64"}


def test_a_lost_push_event_only_delays_the_ecr_tags_wait_to_its_safety_look(aws, repository, queue):
    # given: the tags pushed a moment into the wait, their events lost
    pusher = _build_pushes(aws, repository, announce=False, delay=0.2)

    # when
    in_a_second = LISTENING.replace(schedule=dataclasses.replace(LISTENING_SCHEDULE, safety=1, every=1))
    outcome = ecr_tags.wait_for_tags(aws, repository, TAGS, policy=in_a_second,
                                     events=Inbox(aws.client("sqs"), queue))
    pusher.join(timeout=10)

    # then: the safety look, 1 s after the first, found them
    assert outcome.state == "success" and outcome.attempts == 2


@pytest.fixture
def service(aws, names):
    """A service on the old image; moto starts no task, so desiredCount 0 keeps it settled."""
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName=names["cluster"])
    old = ecs.register_task_definition(family=f"{names['cluster']}-task", containerDefinitions=[
        {"name": "php-app-container", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:1a2b3c4",
         "memory": 128}])["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=names["cluster"], serviceName=names["service"], taskDefinition=old,
                       desiredCount=0)
    yield names["cluster"], names["service"]
    ecs.delete_service(cluster=names["cluster"], service=names["service"], force=True)
    ecs.deregister_task_definition(taskDefinition=old)
    ecs.delete_cluster(cluster=names["cluster"])


def test_the_rollout_wait_reads_the_service_once_for_an_event_about_it_and_not_for_others(
        aws, names, service, queue):
    # given: the documented deployment-completed event, for another service a moment in, for this
    # one later, in a long poll of its own
    cluster, name = service
    service_arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{name}"

    def announce():
        time.sleep(0.3)
        _put(aws, _sample("ecs-deployment-completed"))
        time.sleep(0.7)
        _put(aws, _sample("ecs-deployment-completed", [service_arn]))

    threading.Thread(target=announce, daemon=True).start()

    # when: the wait for a new image that moto will never roll out
    with pytest.raises(WaitTimeout) as raised:
        rollout.wait_for_rollout(aws, cluster, name, f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:3f2c9a1",
                                 policy=LISTENING.replace(deadline=3),
                                 events=Inbox(aws.client("sqs"), queue))

    # then: the first look, the one this service's event caused, the last at the deadline
    assert raised.value.outcome.attempts == 3
    assert "PRIMARY" in str(raised.value.outcome.observation)
