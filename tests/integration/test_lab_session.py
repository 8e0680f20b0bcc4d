"""One `Lab` session: what it provisioned is torn down when it is left — kept only when asked and
made whole —, a teardown that leaves something says so, and a Ctrl-C during teardown waits for it."""

import itertools
import os
import signal

import botocore.exceptions
import pytest

from pipeline_harness.core.errors import HarnessError, ProvisionError
from pipeline_harness.kinds import difference, inventory
from pipeline_harness.session.lab import Lab
from pipeline_harness.steps import artifacts, ecr

pytestmark = pytest.mark.integration


_TESTS = itertools.count()
INJECTED = ("An error occurred (InjectedFault) when calling the DeleteRepository operation: injected at "
            "DeleteRepository")


@pytest.fixture
def own(settings):
    """Settings with a prefix of this test's own."""
    return settings.replace(prefix=f"{settings.prefix}s{next(_TESTS)}-")


@pytest.fixture
def ecr_served(target):
    """These tests provision the repository: skipped, with the target's reason, where it has no ECR."""
    reason = target.gap("ecr")
    if reason:
        pytest.skip(f"{target.name}: {reason}")


def _failing(target, service: str, operation: str, code: str = "InjectedFault"):
    """Make every `operation` call of the target's `service` client fail; returns the undo."""
    client = target.client(service)

    def fail(model, **_):
        if model.name == operation:
            raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": f"injected at "
                                                            f"{operation}"}}, operation)

    client.meta.events.register("before-call", fail)
    return lambda: client.meta.events.unregister("before-call", fail)


def test_leaving_a_session_removes_what_it_provisioned(target, own, ecr_served):
    before = inventory(target)

    with Lab(own, target, steps=(ecr.STEP,)) as lab:
        made = lab.provision()
        during = difference(before, inventory(target))

    assert made["ecr"]["name"] in during["ecr"]
    assert _ours(own, difference(before, inventory(target))) == {}


def test_a_kept_session_leaves_a_whole_lab_that_a_teardown_session_removes(target, own, ecr_served):
    before = inventory(target)

    with Lab(own, target, steps=(ecr.STEP,), keep=True) as lab:
        lab.provision()
    kept = _ours(own, difference(before, inventory(target)))
    with Lab(own, target, steps=(ecr.STEP,)) as lab:
        result = lab.teardown()

    assert kept and result.outcomes == {"ecr_repository": "deleted"}
    assert _ours(own, difference(before, inventory(target))) == {}


def test_a_kept_session_whose_provisioning_failed_still_removes_what_it_made(target, own):
    # given: the bucket's versioning is refused, after the repository (where the target serves
    # ECR) and the bucket were made
    before = inventory(target)
    made: dict = {}
    client = target.client("s3")

    def seen(model, **_):
        if model.name == "PutBucketVersioning" and not made:
            made.update(_ours(own, difference(before, inventory(target))))

    client.meta.events.register("before-call", seen)
    undo = _failing(target, "s3", "PutBucketVersioning")

    # when
    try:
        with pytest.raises(ProvisionError, match="provisioning artifacts \\(Step 3\\) failed"), \
                Lab(own, target, steps=(ecr.STEP, artifacts.STEP), keep=True) as lab:
            lab.provision()
    finally:
        undo()
        client.meta.events.unregister("before-call", seen)

    # then: what it made is gone (only this lab's names are compared: on a shared emulator other
    # tests' labs come and go meanwhile)
    assert "s3" in made and set(made) <= {"ecr", "s3"}
    assert _ours(own, difference(before, inventory(target))) == {}


def test_a_teardown_that_leaves_something_behind_fails_the_session_naming_it(target, own, ecr_served):
    # given
    undo = _failing(target, "ecr", "DeleteRepository")

    # when
    try:
        with pytest.raises(HarnessError) as raised, Lab(own, target, steps=(ecr.STEP,)) as lab:
            lab.provision()
    finally:
        undo()
        with Lab(own, target, steps=(ecr.STEP,)) as lab:
            lab.teardown()

    # then
    assert str(raised.value) == (f"teardown left something behind: ECR repository "
                                 f"{own.prefix}my-ecs-php-app: {INJECTED}; run `pipeline-harness teardown`")


def test_an_error_in_the_session_is_kept_and_what_teardown_left_is_noted_on_it(target, own, ecr_served):
    undo = _failing(target, "ecr", "DeleteRepository")

    try:
        with pytest.raises(LookupError) as raised, Lab(own, target, steps=(ecr.STEP,)) as lab:
            lab.provision()
            raise LookupError("the test's own error")
    finally:
        undo()
        with Lab(own, target, steps=(ecr.STEP,)) as lab:
            lab.teardown()

    assert str(raised.value) == "the test's own error"
    assert raised.value.__notes__ == [f"teardown left something behind: ECR repository "
                                      f"{own.prefix}my-ecs-php-app: {INJECTED}"]


def test_ctrl_c_during_teardown_waits_until_everything_is_removed(target, own):
    # given: a Ctrl-C arrives while the bucket (removed first) is being deleted
    before = inventory(target)
    client = target.client("s3")

    def interrupt(model, **_):
        if model.name == "DeleteBucket":
            os.kill(os.getpid(), signal.SIGINT)

    # when
    with pytest.raises(KeyboardInterrupt), Lab(own, target, steps=(ecr.STEP, artifacts.STEP)) as lab:
        lab.provision()
        made = _ours(own, difference(before, inventory(target)))
        client.meta.events.register("before-call", interrupt)
    client.meta.events.unregister("before-call", interrupt)

    # then: raised only once the repository, deleted after the bucket, was gone too (what other
    # tests make meanwhile on a shared emulator is theirs: only this lab's names are compared)
    assert "s3" in made and set(made) <= {"ecr", "s3"}  # ECR where the target serves it
    assert _ours(own, difference(before, inventory(target))) == {}


def _ours(own, found: dict) -> dict:
    """What of `found` carries this lab's run prefix (in a bucket's name it is the suffix)."""
    mark = own.prefix.rstrip("-")
    ours = {service: {name for name in names if mark in name} for service, names in found.items()}
    return {service: names for service, names in ours.items() if names}
