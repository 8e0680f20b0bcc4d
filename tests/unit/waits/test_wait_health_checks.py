"""The soonest a service's new tasks can be healthy, from its target groups and its events."""

from datetime import UTC, datetime, timedelta

import botocore.parsers
import pytest
from botocore.stub import Stubber

from pipeline_harness.targets.base import Capabilities
from pipeline_harness.waits.health_checks import HealthChecks, registered_ago, target_groups
from pipeline_harness.waits.tally import Tally

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/dev-php-app-tg/73e2d6bc24d8a067"
TG2 = TG.replace("dev-php-app-tg", "dev-php-app-tg-2")
AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
SERVICE = "dev-php-app-alb-service"


def _group(arn, interval, threshold):
    return {"TargetGroupArn": arn, "HealthCheckIntervalSeconds": interval, "HealthyThresholdCount": threshold}


@pytest.fixture
def target(stubbed_target):
    return stubbed_target()


def test_the_soonest_healthy_span_is_threshold_minus_one_intervals_of_the_slowest_group(target):
    # given the target group defaults (30 s × 5) and a quicker second group
    with Stubber(target.client("elbv2")) as elbv2:
        elbv2.add_response("describe_target_groups",
                           {"TargetGroups": [_group(TG, 30, 5), _group(TG2, 10, 3)]},
                           {"TargetGroupArns": [TG, TG2]})
        health = HealthChecks(Tally(target))

        # when asked twice
        spans = [health.soonest_healthy((TG, TG2)) for _ in range(2)]

    # then: read once
    assert spans == [120, 120]


def test_a_service_without_a_load_balancer_has_nothing_to_wait_for_and_reads_nothing(target):
    with Stubber(target.client("elbv2")):
        assert HealthChecks(Tally(target)).soonest_healthy(()) == 0


def test_a_target_without_describe_target_groups_gives_no_span(stubbed_target):
    missing = {"elbv2": {"DescribeTargetGroups": "not here"}}
    target = stubbed_target(capabilities=Capabilities(missing=missing))

    with Stubber(target.client("elbv2")):
        assert HealthChecks(Tally(target)).soonest_healthy((TG,)) == 0


def test_an_unreadable_target_group_only_costs_the_schedule_its_span(target):
    with Stubber(target.client("elbv2")) as elbv2:
        elbv2.add_client_error("describe_target_groups", "AccessDenied", "not authorized")

        assert HealthChecks(Tally(target)).soonest_healthy((TG,)) == 0


def test_the_target_groups_are_those_of_the_services_load_balancers():
    container = {"containerName": "php-app-container", "containerPort": 80}
    service = {"loadBalancers": [{"targetGroupArn": TG2, **container}, {"targetGroupArn": TG, **container},
                                 {"loadBalancerName": "classic-elb"}]}

    assert target_groups(service) == tuple(sorted((TG, TG2)))


def _described(events, date="Mon, 02 Nov 2026 12:05:00 GMT", created=AT):
    answer = {"ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {"date": date}} if date else {}}
    service = {"deployments": [{"id": "ecs-svc/8", "status": "PRIMARY", "createdAt": created},
                               {"id": "ecs-svc/7", "status": "ACTIVE", "createdAt": AT - timedelta(days=1)}],
               "events": [{"id": str(i), "createdAt": AT + timedelta(seconds=s),
                           "message": f"(service {SERVICE}) {m}"} for i, (s, m) in enumerate(events)]}
    return answer, service


# ECS's own wording of its service events
REGISTERED = f"registered 2 targets in (target-group {TG})"
DEREGISTERED = f"deregistered 1 targets in (target-group {TG})"


def test_the_new_tasks_registered_when_the_service_last_said_so_by_the_answers_own_clock():
    # given: started at 0 s, registered at 20 s and 35 s; the old task deregistered at 290 s;
    # the answer is dated 300 s
    answer, service = _described([(290, DEREGISTERED), (35, REGISTERED), (20, REGISTERED),
                                  (1, "has started 2 tasks: (task a) (task b).")])

    assert registered_ago(answer, service) == 265


def test_registrations_before_the_primary_deployment_began_are_an_older_rollouts():
    answer, service = _described([(20, REGISTERED)], created=AT + timedelta(seconds=60))

    assert registered_ago(answer, service) is None


def test_without_a_date_header_the_age_is_unknown():
    answer, service = _described([(20, REGISTERED)], date=None)

    assert registered_ago(answer, service) is None


def test_a_target_group_answer_botocore_cannot_parse_only_costs_the_schedule_its_span(target):
    # given: an answer botocore cannot parse
    asked = []

    def garbled(**_):
        asked.append("DescribeTargetGroups")
        raise botocore.parsers.ResponseParserError("Unable to parse response")

    target.client("elbv2").meta.events.register_first(
        "before-call.elastic-load-balancing-v2.DescribeTargetGroups", garbled)

    # then: no span, no error
    assert HealthChecks(Tally(target)).soonest_healthy((TG,)) == 0 and asked == ["DescribeTargetGroups"]
