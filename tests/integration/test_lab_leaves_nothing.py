"""Provisioning is idempotent and teardown leaves nothing behind, even after a failure halfway."""

import botocore.exceptions
import pytest

from pipeline_harness.core.errors import ProvisionError
from pipeline_harness.kinds import difference, inventory
from pipeline_harness.session import lab
from pipeline_harness.session.lab import Lab
from pipeline_harness.settings import Settings
from pipeline_harness.targets.context import Context

pytestmark = pytest.mark.integration

MUTATING = ("Create", "Put", "Attach", "Authorize", "Register", "Update")


@pytest.fixture
def fresh_context(settings, target, request):
    """A context with a prefix of its own, so each test's lab is separate from the session's."""
    def make(tag: str) -> Context:
        return Context(settings.replace(prefix=f"{settings.prefix}{tag}-"), target)
    return make


def _provisioned(settings: Settings, target) -> dict[str, dict]:
    """A session that provisions the whole lab and keeps it."""
    with Lab(settings, target, keep=True) as session:
        return session.provision()


def _torn_down(settings: Settings, target) -> lab.Teardown:
    with Lab(settings, target) as session:
        return session.teardown()


def test_provision_twice_then_teardown_leaves_no_resource(whole_lab_served, target, fresh_context):
    # given
    before = inventory(target)
    ctx = fresh_context("twice")

    # when
    first = _provisioned(ctx.settings, target)
    made = difference(before, inventory(target))
    second = _provisioned(ctx.settings, target)
    again = difference(before, inventory(target))
    result = _torn_down(ctx.settings, target)

    # then
    assert set(made) == {r.kind.service for r in lab.planned(ctx)}, made
    assert again == made, "the second provisioning changed the set of resources"
    assert second["ecr"] == first["ecr"] and second["prerequisites"]["vpc"] == first["prerequisites"]["vpc"]
    assert result.errors == []
    assert difference(before, inventory(target)) == {}


def test_second_provisioning_makes_no_create_call(whole_lab_served, target, fresh_context):
    # given
    ctx = fresh_context("idem")
    _provisioned(ctx.settings, target)
    target.calls.clear()

    # when
    _provisioned(ctx.settings, target)
    creates = sorted(op for op in target.calls if op.split(".")[1].startswith(("Create", "Register"))
                     and op not in _ADOPTING_CREATES)
    _torn_down(ctx.settings, target)

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
    probe = settings.replace(prefix=f"{settings.prefix}probe-")
    target.calls.clear()
    _provisioned(probe, target)
    calls = [op for op in target.calls if op.split(".")[1].startswith(MUTATING)]
    _torn_down(probe, target)
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
        # when: the session's own teardown, on the way out of the failed provisioning
        try:
            with pytest.raises(ProvisionError, match=f"injected at {operation}") as raised, \
                    Lab(ctx.settings, target, keep=True) as session:
                session.provision()
        finally:
            client.meta.events.unregister("before-call", inject)

        # then: kept only once whole, so removed; a teardown error would be a note on the error
        assert getattr(raised.value, "__notes__", []) == [], operation
        assert difference(before, inventory(target)) == {}, f"left behind after a fault at {operation}"
