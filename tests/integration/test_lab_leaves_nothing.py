"""Provisioning is idempotent and teardown leaves nothing behind, even after a failure halfway."""

import botocore.exceptions
import pytest

from pipeline_harness import lab
from pipeline_harness.context import Context
from pipeline_harness.errors import ProvisionError
from pipeline_harness.kinds import difference, inventory

pytestmark = pytest.mark.integration

MUTATING = ("Create", "Put", "Attach", "Authorize", "Register", "Update")


@pytest.fixture
def fresh_context(settings, target, request):
    """A context with a prefix of its own, so each test's lab is separate from the session's."""
    def make(tag: str) -> Context:
        return Context(settings.replace(prefix=f"{settings.prefix}{tag}-"), target)
    return make


def test_provision_twice_then_teardown_leaves_no_resource(whole_lab_served, target, fresh_context):
    # given
    before = inventory(target)
    ctx = fresh_context("twice")

    # when
    first = lab.provision(ctx)
    made = difference(before, inventory(target))
    second = lab.provision(Context(ctx.settings, target))
    again = difference(before, inventory(target))
    result = lab.teardown(Context(ctx.settings, target))

    # then
    assert set(made) == {r.kind.service for r in lab.planned(ctx)}, made
    assert again == made, "the second provisioning changed the set of resources"
    assert second["ecr"] == first["ecr"] and second["prerequisites"]["vpc"] == first["prerequisites"]["vpc"]
    assert result.errors == []
    assert difference(before, inventory(target)) == {}


def test_second_provisioning_makes_no_create_call(whole_lab_served, target, fresh_context):
    # given
    ctx = fresh_context("idem")
    lab.provision(ctx)
    target.calls.clear()

    # when
    lab.provision(Context(ctx.settings, target))
    creates = sorted(op for op in target.calls if op.split(".")[1].startswith(("Create", "Register"))
                     and op not in _ADOPTING_CREATES)
    lab.teardown(Context(ctx.settings, target))

    # then
    assert creates == []


# create calls that AWS documents as idempotent with identical arguments, or that adopt on conflict
_ADOPTING_CREATES = {
    "ecr.CreateRepository", "s3.CreateBucket", "iam.CreateRole", "logs.CreateLogGroup",
    "codebuild.CreateProject", "elbv2.CreateLoadBalancer", "elbv2.CreateTargetGroup",
    "elbv2.CreateListener", "ecs.CreateCluster", "codepipeline.CreatePipeline",
}


@pytest.fixture(scope="module")
def provisioning_calls(settings, target) -> list[str]:
    """Every mutating call a provisioning makes, in order: seen once, on a lab of its own."""
    ctx = Context(settings.replace(prefix=f"{settings.prefix}probe-"), target)
    target.calls.clear()
    lab.provision(ctx)
    calls = [op for op in target.calls if op.split(".")[1].startswith(MUTATING)]
    lab.teardown(ctx)
    return calls


PARTS = 4  # the calls are shared out among this many tests, so xdist's workers take them in parallel


@pytest.mark.parametrize("part", range(PARTS))
def test_a_failure_at_any_provisioning_call_leaves_nothing_behind(whole_lab_served, target,
                                                                   fresh_context, provisioning_calls, part):
    # given: every mutating call provisioning makes; this test takes every PARTS-th one
    before = inventory(target)
    operations = provisioning_calls
    assert len(operations) >= 20

    for n, operation in list(enumerate(operations))[part::PARTS]:
        ctx = fresh_context(f"f{n}")
        service, name = operation.split(".")

        def inject(model, name=name, operation=operation, **_):
            if model.name == name:
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": "InjectedFault", "Message": f"injected at {operation}"}}, name)

        client = target.client(service)
        client.meta.events.register("before-call", inject)
        # when
        try:
            with pytest.raises(ProvisionError, match=f"injected at {operation}"):
                lab.provision(ctx)
        finally:
            client.meta.events.unregister("before-call", inject)
        result = lab.teardown(ctx)

        # then
        assert result.errors == [], operation
        assert difference(before, inventory(target)) == {}, f"left behind after a fault at {operation}"
