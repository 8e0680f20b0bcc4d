"""Counting a wait's API calls, Stubber-answered ones included."""

from botocore.stub import Stubber

from pipeline_harness.waits.tally import Tally


def test_every_call_through_the_tallys_clients_counts_once(stubbed_target):
    # given
    target = stubbed_target()
    tally = Tally(target)
    with Stubber(target.client("ecr")) as ecr, Stubber(target.client("ecs")) as ecs:
        ecr.add_response("describe_repositories", {"repositories": []})
        ecs.add_response("list_clusters", {"clusterArns": []})
        ecs.add_response("list_clusters", {"clusterArns": []})

        # when: calls through the tally, and one made around it
        tally.client("ecr").describe_repositories()
        tally.client("ecs").list_clusters()
        target.client("ecs").list_clusters()

    # then: a client the tally uses counts every call made on it
    assert tally.calls == 3


def test_a_tally_counts_from_its_first_use_of_a_client(stubbed_target):
    # given: two waits, one after the other, on one long-lived target
    target = stubbed_target()
    with Stubber(target.client("ecr")) as ecr:
        for _ in range(2):
            ecr.add_response("describe_repositories", {"repositories": []})
        first = Tally(target)
        first.client("ecr").describe_repositories()

        # when
        second = Tally(target)
        second.client("ecr").describe_repositories()

    # then
    assert (first.calls, second.calls) == (2, 1)
