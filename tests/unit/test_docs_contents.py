"""The pages that describe code name what the code declares: every benchmark script in
docs/contributing.md, every operation a target declares missing and every LocalStack plan's service
in docs/targets.md, every regeneration command in docs/contributing.md."""

from pathlib import Path

from pipeline_harness.lint import docs as lint_docs
from pipeline_harness.settings import docs as configuration_docs
from pipeline_harness.targets import localstack, moto

ROOT = Path(__file__).resolve().parents[2]
CONTRIBUTING = (ROOT / "docs" / "contributing.md").read_text(encoding="utf-8")
TARGETS = (ROOT / "docs" / "targets.md").read_text(encoding="utf-8")


def test_every_benchmark_script_is_named_with_how_to_run_it():
    scripts = sorted(p for p in (ROOT / "benchmarks").iterdir() if p.suffix in (".py", ".sh"))

    assert len(scripts) >= 10
    assert [p.name for p in scripts if f"benchmarks/{p.name}" not in CONTRIBUTING] == []


def test_every_operation_a_target_lacks_is_named_on_the_targets_page():
    missing = {op for ops in (*moto.CAPABILITIES.missing.values(), *localstack.MISSING.values())
               for op in ops}

    assert missing and sorted(op for op in missing if f"`{op}`" not in TARGETS) == []


def test_every_service_a_localstack_plan_adds_is_named_on_the_targets_page():
    titles = [title for title, _ in localstack.PLANS.values()]

    assert [title for title in titles if title not in TARGETS] == []


def test_every_command_that_regenerates_a_derived_file_is_in_the_contributing_guide():
    commands = ["python -m pipeline_harness.iam.files --write", lint_docs.COMMAND,
                configuration_docs.COMMAND]

    assert [c for c in commands if f"`{c}`" not in CONTRIBUTING] == []
