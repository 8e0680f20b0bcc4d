"""The ECS inventory (the leak tests' view of the account) reads every page: ListServices answers 10
services a page, so an account with 11 had one unseen. Answers come from a botocore Stubber,
validated against ECS's API model."""

from botocore.stub import Stubber

from pipeline_harness.kinds import ecs

ACCOUNT, REGION = "123456789012", "us-east-1"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/dev-cluster"
GONE = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/deleted-an-hour-ago"
SERVICES = [f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/dev-cluster/app-{n}" for n in range(11)]
TASKS = [f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/app:{n}" for n in range(1, 4)]


def _service(arn: str, status: str = "ACTIVE") -> dict:
    return {"serviceArn": arn, "serviceName": arn.rsplit("/", 1)[1], "clusterArn": CLUSTER, "status": status}


def test_the_inventory_follows_every_page_of_services_task_definitions_and_clusters(stubbed_target):
    # given: 11 services (a second page of ListServices), task definitions over two pages, and a
    # cluster deleted an hour ago (INACTIVE: gone, not left)
    target = stubbed_target()
    stub = Stubber(target.client("ecs"))
    stub.add_response("list_task_definitions", {"taskDefinitionArns": TASKS[:2], "nextToken": "t2"},
                      {"status": "ACTIVE"})
    stub.add_response("list_task_definitions", {"taskDefinitionArns": TASKS[2:]},
                      {"status": "ACTIVE", "nextToken": "t2"})
    stub.add_response("list_clusters", {"clusterArns": [CLUSTER], "nextToken": "c2"}, {})
    stub.add_response("list_clusters", {"clusterArns": [GONE]}, {"nextToken": "c2"})
    stub.add_response("describe_clusters", {"clusters": [
        {"clusterArn": CLUSTER, "clusterName": "dev-cluster", "status": "ACTIVE"},
        {"clusterArn": GONE, "clusterName": "deleted-an-hour-ago", "status": "INACTIVE"}]},
        {"clusters": [CLUSTER, GONE]})
    stub.add_response("list_services", {"serviceArns": SERVICES[:10], "nextToken": "s2"},
                      {"cluster": CLUSTER})
    stub.add_response("list_services", {"serviceArns": SERVICES[10:]},
                      {"cluster": CLUSTER, "nextToken": "s2"})
    stub.add_response("describe_services", {"services": [_service(a) for a in SERVICES[:10]]},
                      {"cluster": CLUSTER, "services": SERVICES[:10]})
    stub.add_response("describe_services", {"services": [_service(SERVICES[10], "INACTIVE")]},
                      {"cluster": CLUSTER, "services": SERVICES[10:]})

    # when
    with stub:
        found = ecs.inventory(target)

    # then: every page read, every ARN seen; the service and cluster being deleted are not
    stub.assert_no_pending_responses()
    assert found == {*TASKS, CLUSTER, *SERVICES[:10]}


def test_an_account_without_clusters_asks_for_no_cluster_or_service(stubbed_target):
    target = stubbed_target()
    stub = Stubber(target.client("ecs"))
    stub.add_response("list_task_definitions", {"taskDefinitionArns": []}, {"status": "ACTIVE"})
    stub.add_response("list_clusters", {"clusterArns": []}, {})

    with stub:
        found = ecs.inventory(target)

    stub.assert_no_pending_responses()
    assert found == set()
