"""docs/waits.md says what the waits' code does: every AWS call the AST scan finds in
pipeline_harness/waits (iam/calls.py) is named on it, each call that is not a read by the API's
naming as an exception to "All are reads"; and it names each builder that takes no `events=`."""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pipeline_harness.waits
from pipeline_harness.iam import calls
from pipeline_harness.targets.operations import changes_nothing

PAGE = (Path(__file__).resolve().parents[3] / "docs" / "waits.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The text under a `## title` heading, up to the next one."""
    return PAGE.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


CALLS_SECTION = _section("AWS calls the waits make")


def _named(operation: str, text: str) -> bool:
    """`Operation` or `service:Operation`, in code."""
    return re.search(rf"`(?:[a-z0-9-]+:)?{operation}`", text) is not None


def test_every_aws_call_the_waits_code_makes_is_named_on_the_waits_page():
    made = calls.calls(pipeline_harness.waits)

    assert len(made) >= 15
    assert [c.name for c in made if not _named(c.operation, CALLS_SECTION)] == []


def test_every_call_of_the_waits_that_is_not_a_read_is_named_as_an_exception_to_all_reads():
    assert "All are reads but " in CALLS_SECTION
    exceptions = CALLS_SECTION.split("All are reads but ", 1)[1].split(";", 1)[0]

    made = calls.calls(pipeline_harness.waits)

    writes = [c.operation for c in made if not changes_nothing(c.operation)]
    reads = [c.operation for c in made if changes_nothing(c.operation)]
    assert "StartPipelineExecution" in writes
    assert [w for w in writes if not _named(w, exceptions)] == []
    assert [r for r in reads if _named(r, exceptions)] == []


def _builders() -> dict[str, bool]:
    """Each wait's builder (`*_wait`) and `wait_for_*`, and whether it takes `events=`."""
    found = {}
    for module in pkgutil.walk_packages(pipeline_harness.waits.__path__, "pipeline_harness.waits."):
        for name, function in inspect.getmembers(importlib.import_module(module.name), inspect.isfunction):
            builds = name.endswith("_wait") or name.startswith("wait_for_")
            if builds and function.__module__ == module.name:
                found[name] = "events" in inspect.signature(function).parameters
    return found


def test_the_waits_page_names_each_builder_that_takes_no_events():
    page = next(paragraph for paragraph in PAGE.split("\n\n") if "`events=`" in paragraph)

    builders = _builders()

    without = sorted(name for name, takes in builders.items() if not takes)
    assert len(builders) >= 10 and without
    assert [name for name in without if f"`{name}`" not in page] == []
    assert [name for name, takes in builders.items() if takes and f"`{name}`" in page] == []
