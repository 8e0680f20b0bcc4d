"""The generic rules on 93 real buildspecs from 65 public repositories (AWS's own among them):
each reports exactly the defects SOURCES.toml names, with why; any other finding is a false
positive, so every valid file has none. The lab rules read every one of them without a
traceback."""

import tomllib
from pathlib import Path

import pytest

from pipeline_harness.lint.lint import lint_paths
from pipeline_harness.lint.rules import Selection, rule
from pipeline_harness.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "data" / "buildspecs"
SOURCES = tomllib.loads((CORPUS / "SOURCES.toml").read_text())["file"]

# one worker runs this module, so its module-scoped lint of the corpus is made once, not once per worker
pytestmark = pytest.mark.xdist_group("buildspec-corpus")


@pytest.fixture(scope="module")
def generic_findings() -> dict[str, list]:
    paths = [CORPUS / source["name"] for source in SOURCES]
    found: dict[str, list] = {source["name"]: [] for source in SOURCES}
    for finding in lint_paths(paths, Settings(), Selection("generic")):
        found[Path(finding.path).name].append(finding)
    return found


def test_the_corpus_holds_at_least_90_sourced_buildspecs_from_60_repositories():
    stored = {p.name for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml")}

    assert len(SOURCES) >= 90
    assert len({source["repository"] for source in SOURCES}) >= 60
    assert stored == {source["name"] for source in SOURCES}
    assert all(len(source["commit"]) == 40 and "/" in source["repository"] for source in SOURCES)


@pytest.mark.parametrize("source", SOURCES, ids=[s["name"] for s in SOURCES])
def test_generic_rules_report_only_the_real_defects_of_each_file(generic_findings, source):
    # given the file's classified defects
    expected = sorted((f["rule"], f["line"]) for f in source.get("finding", []))
    # when
    found = generic_findings[source["name"]]
    # then
    assert sorted((f.rule, f.line) for f in found if f.is_error) == expected, found
    assert sorted(f.rule for f in found if not f.is_error) == sorted(source.get("notes", []))
    assert all(f["why"] for f in source.get("finding", []))


def test_every_finding_of_the_corpus_names_its_line_and_a_fix(generic_findings):
    errors = [f for found in generic_findings.values() for f in found if f.is_error]

    assert {f.rule for f in errors} == {"ecr-get-login", "variable-commented-out", "command-is-mapping",
                                        "multi-platform-builder"}
    assert all(f.line and f.fix for f in errors)


def test_every_finding_of_the_corpus_is_of_its_registered_rule(generic_findings):
    found = [f for findings in generic_findings.values() for f in findings]

    assert found
    assert [f.rule for f in found if rule(f.rule) is not f.declared] == []


def test_lab_rules_still_report_the_commented_out_repository_uri_of_ecs_prod_demo():
    # the generic rules leave it: a value made of project variables may have moved to the project
    found = lint_paths([CORPUS / "ecs-prod-demo_buildspec.yml"], Settings(), Selection("lab"))

    assert ("variable-commented-out", 26) in [(f.rule, f.line) for f in found]


def test_lab_rules_read_every_corpus_file_without_fatal_findings_each_of_a_registered_rule():
    found = lint_paths([CORPUS / s["name"] for s in SOURCES], Settings(), Selection("lab"))

    assert found and not any(f.fatal for f in found)
    assert [f.rule for f in found if rule(f.rule) is not f.declared] == []
