"""docs/nightly.md, its setup included, says what the code does: every preflight line, every field of
the run report, every test the exit-code tables cite, every part of the nightly policy attached."""

import re
from pathlib import Path

import nightly_timeline as tl

from pipeline_harness.e2e import usage
from pipeline_harness.e2e.run_report import RunReport
from pipeline_harness.iam import files as policy_files
from pipeline_harness.preflight.probes import QUOTAS
from pipeline_harness.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
NIGHTLY = (ROOT / "docs" / "nightly.md").read_text(encoding="utf-8")


def test_every_preflight_line_is_in_the_checklist():
    ids = ["account.allowed", "inputs", "region.<service>", "permissions.step0", "permissions.step7",
           "permissions.preflight", "connection", "github.push", *(f"quota.{q.key}" for q in QUOTAS)]

    assert [i for i in ids if f"`{i}`" not in NIGHTLY] == []


def test_every_field_of_the_run_report_and_its_usage_is_explained():
    # given: a report with its usage figures
    report = RunReport("r", tl.REGION, "V2", tl.BRANCH)
    report.usage = usage.of_run([], [], {}, None, Settings(target="aws"), True)

    # when
    fields = [*report.as_dict(), *report.usage, *report.usage["fargate"], *report.usage["ecr"],
              *report.usage["prices"]]

    # then
    assert [f for f in fields if f"`{f}`" not in NIGHTLY] == []


def test_every_test_the_exit_code_tables_cite_exists():
    # given
    cited = set(re.findall(r"`(test_\w+)`", NIGHTLY))
    defined = {name for path in (ROOT / "tests").rglob("test_*.py")
               for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.MULTILINE)}

    # then
    assert len(cited) >= 8
    assert sorted(cited - defined) == []


def test_the_setup_makes_the_trusted_role_and_attaches_every_part():
    # then: one loop over the parts' glob, which matches every part the derivation makes
    assert f"for part in pipeline_harness/iam/{policy_files.NIGHTLY_PARTS}; do" in NIGHTLY
    assert "aws iam attach-role-policy --role-name pipeline-harness-nightly" in NIGHTLY
    assert "pipeline_harness/iam/nightly-role-trust.json > nightly-role-trust.json" in NIGHTLY
    parts = [name for name in policy_files.derived_files() if name != policy_files.GRADER]
    assert all(Path(name).match(policy_files.NIGHTLY_PARTS) for name in parts) and len(parts) >= 2
    assert "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html" in NIGHTLY
