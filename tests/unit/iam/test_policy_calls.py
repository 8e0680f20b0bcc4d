"""The AWS calls a module's code makes, found by reading its source: what the policy files grant."""

import importlib.util
import itertools
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from pipeline_harness.e2e import flow
from pipeline_harness.iam import calls
from pipeline_harness.iam import files as policy_files
from pipeline_harness.steps import prerequisites
from pipeline_harness.targets.operations import is_read

_NUMBER = itertools.count()
ModuleOf = Callable[[str], ModuleType]


@pytest.fixture
def module_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleOf:
    """A module made of the given source, importable by a name no other test uses."""

    def make(source: str) -> ModuleType:
        name = f"scanned_module_{next(_NUMBER)}"
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, module)
        spec.loader.exec_module(module)
        return module

    return make


def _names(module: ModuleType) -> set[str]:
    return {call.name for call in calls.calls(module)}


def test_a_method_called_on_a_client_is_its_services_operation(module_of: ModuleOf) -> None:
    # given
    module = module_of("""
        def read(ctx):
            return ctx.client("ecs").describe_services(cluster="c", services=["s"])
    """)

    # when
    found = calls.calls(module)

    # then: botocore's operation, and where the call is made
    assert [(c.name, c.where) for c in found] == [("ecs.DescribeServices", f"{module.__name__}:3")]


def test_a_paginator_and_a_waiter_are_the_operations_they_call(module_of: ModuleOf) -> None:
    # given
    module = module_of("""
        def tasks(target):
            ecs = target.client("ecs")
            pages = ecs.get_paginator("list_tasks").paginate(cluster="c")
            ecs.get_waiter("services_stable").wait(cluster="c", services=["s"])
            return pages
    """)

    # when / then: `paginate` and `wait` are no operations; the waiter polls DescribeServices
    assert _names(module) == {"ecs.ListTasks", "ecs.DescribeServices"}


def test_a_call_on_a_client_passed_in_is_an_operation_of_the_modules_services(module_of: ModuleOf) -> None:
    # given: the client is the caller's, and the module says which service it is
    module = module_of("""
        TALKS_TO = ("sqs",)

        class Inbox:
            def __init__(self, sqs, url):
                self.sqs, self.url = sqs, url

            def receive(self):
                return self.sqs.receive_message(QueueUrl=self.url)
    """)

    # when / then
    assert _names(module) == {"sqs.ReceiveMessage"}


def test_a_client_named_by_a_module_constant_is_that_services(module_of: ModuleOf) -> None:
    # given
    module = module_of("""
        SERVICE = "codestar-connections"

        def read(ctx, arn):
            client = ctx.client(SERVICE)
            return client.get_connection(ConnectionArn=arn)
    """)

    # when / then
    assert _names(module) == {"codestar-connections.GetConnection"}


def test_a_local_client_of_one_service_calls_only_that_services_operations(module_of: ModuleOf) -> None:
    # given: ListTasks is ECS's, but the receiver is the S3 client
    module = module_of("""
        def read(target):
            ecs, s3 = target.client("ecs"), target.client("s3")
            s3.list_tasks()
            return ecs.describe_tasks(cluster="c", tasks=[])
    """)

    # when / then
    assert _names(module) == {"ecs.DescribeTasks"}


def test_a_same_named_method_of_an_unrelated_local_object_is_no_call(module_of: ModuleOf) -> None:
    # given: a module that talks to ECS, and a local object that is no client
    module = module_of("""
        class Jobs:
            def list_tasks(self):
                return []

        def tasks(target):
            jobs = Jobs()
            target.client("ecs").describe_clusters(clusters=["c"])
            return jobs.list_tasks()
    """)

    # when / then
    assert _names(module) == {"ecs.DescribeClusters"}


def test_a_same_named_method_on_an_attribute_is_taken_for_the_call(module_of: ModuleOf) -> None:
    # given: `self.jobs` could hold the ECS client, for all the source says (the rule's limit)
    module = module_of("""
        class Watch:
            def look(self, target):
                target.client("ecs").describe_clusters(clusters=["c"])
                return self.jobs.list_tasks()
    """)

    # when / then: granting a read too many, never one too few
    assert _names(module) == {"ecs.DescribeClusters", "ecs.ListTasks"}


def test_a_module_that_names_no_service_makes_no_call(module_of: ModuleOf) -> None:
    # given
    module = module_of("""
        def describe(thing):
            return thing.describe_services()
    """)

    # when / then
    assert calls.calls(module) == ()


def test_the_code_a_module_reaches_is_read_with_its_own_modules_services() -> None:
    # when: the prerequisites read the service through its kind's reader (steps.base.reader)
    found = {call.name: call.where for call in calls.calls(prerequisites)}

    # then: the kind's read function, in kinds/ecs.py, is what makes the call
    assert found["ecs.DescribeServices"].startswith("pipeline_harness.kinds.ecs:")


def test_a_table_of_functions_reaches_each_of_them() -> None:
    # when: the nightly flow reads the chain of evidence, whose links are a tuple (evidence.LINKS)
    found = {call.name: call.where for call in calls.calls(flow)}

    # then: the last link's reads, which only the table names
    assert found["elbv2.DescribeRules"].startswith("pipeline_harness.grading.evidence.alb:")


@pytest.mark.parametrize("module", [*policy_files.WAITS, *policy_files.GRADER_CHECKS],
                         ids=lambda module: module.__name__)
def test_every_module_the_policy_files_read_has_a_call_found(module: ModuleType) -> None:
    # when / then: a module whose scan finds nothing is a rule that broke
    assert calls.calls(module)


@pytest.mark.parametrize("module", [*policy_files.WAITS, *policy_files.GRADER_CHECKS],
                         ids=lambda module: module.__name__)
def test_no_module_the_policy_files_read_types_its_reads_by_hand(module: ModuleType) -> None:
    # when / then: its reads are found in its code, not written again beside it
    assert not hasattr(module, "READS")


def test_every_call_the_policy_files_leave_out_is_one_the_code_makes() -> None:
    # given
    made = {call.name for call in calls.calls(*policy_files.WAITS)}

    # when / then: an exception for a call no code makes is stale
    assert set(policy_files.NOT_GRANTED) <= made
    assert not {calls.iam_action(name) for name in policy_files.NOT_GRANTED} & set(policy_files.wait_reads())


def test_every_call_of_the_graders_checks_changes_nothing() -> None:
    # when
    found = calls.calls(*policy_files.GRADER_CHECKS)

    # then: the grader policy grants reads only
    assert found
    assert [call for call in found if not is_read(call.operation)] == []


def test_every_module_that_declares_its_services_has_a_call_on_them() -> None:
    # given: the modules whose clients are passed in or chosen at run time
    found = calls.calls(*policy_files.WAITS, *policy_files.GRADER_CHECKS)
    where = {call: call.where.split(":")[0] for call in found}
    declaring = {where[call] for call in found
                 if call.service in getattr(sys.modules[where[call]], calls.DECLARED_SERVICES, ())}

    # when / then: each declaration is used by a call in its own module
    assert declaring == {"pipeline_harness.waits.events", "pipeline_harness.steps.connection",
                         "pipeline_harness.iam.evaluation"}
