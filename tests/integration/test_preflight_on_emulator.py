"""`pipeline-harness preflight` on the embedded emulator: what moto serves is really read, the rest is
skipped with moto's reason, and nothing is made."""

import json

import pytest
import responses

from pipeline_harness.cli import main
from pipeline_harness.kinds import inventory
from pipeline_harness.targets import moto as moto_target

pytestmark = pytest.mark.integration
REPO = "octo-org/lab-app"


def _isolated(monkeypatch):
    """Only what the test gives: no nightly inputs from the machine's environment."""
    for name in ("PIPELINE_HARNESS_CONNECTION_ARN", "PIPELINE_HARNESS_GITHUB_REPOSITORY", "GITHUB_TOKEN",
                 "PIPELINE_HARNESS_GITHUB_TOKEN", "PIPELINE_HARNESS_TARGET", "AWS_REGION",
                 "AWS_DEFAULT_REGION", "PIPELINE_HARNESS_REGION", "PIPELINE_HARNESS_PREFIX"):
        monkeypatch.delenv(name, raising=False)


def _run(tmp_path, *options) -> tuple[int, dict]:
    report = tmp_path / "preflight.json"
    code = main(["preflight", "--format", "json", "--output", str(report), *options])
    return code, json.loads(report.read_text())


def test_preflight_on_the_embedded_emulator_exits_0_and_explains_each_skip(tmp_path, monkeypatch):
    # given: nothing of the nightly's inputs
    _isolated(monkeypatch)

    # when
    code, data = _run(tmp_path)

    # then: what moto serves was read and passed; every other line says why it did not run
    statuses = {c["id"]: c["status"] for c in data["checks"]}
    assert code == 0
    assert data["target"] == "moto"
    assert statuses["account.allowed"] == "pass"
    served = {"region.ecr", "region.ecs", "region.elbv2", "region.codebuild", "region.codepipeline",
              "region.sts", "region.s3", "region.iam"}
    assert {statuses[i] for i in served} == {"pass"}
    skips = {c["id"]: c["message"] for c in data["checks"] if c["status"] == "skip"}
    assert all(m.startswith("skipped: ") for m in skips.values())
    assert skips["region.codestar-connections"] == (
        "skipped: moto has no CodeStar Connections / CodeConnections API")
    assert skips["connection"] == skips["region.codestar-connections"]
    assert skips["permissions.step1"] == "skipped: moto does not implement SimulatePrincipalPolicy"
    assert skips["quota.vpcs"] == "skipped: moto does not serve service-quotas"
    assert "moto's pipelines run nothing" in skips["github.push"]
    assert "PIPELINE_HARNESS_CONNECTION_ARN" in skips["inputs"]
    assert set(statuses.values()) == {"pass", "skip"}


def test_preflight_on_the_emulator_asks_github_when_given_a_repository_and_token(tmp_path, monkeypatch):
    # given: the repository, and a token GitHub lets read only (botocore's calls to moto bypass requests)
    _isolated(monkeypatch)
    monkeypatch.setenv("PIPELINE_HARNESS_GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test")

    # when
    with responses.RequestsMock(assert_all_requests_are_fired=True) as github:
        github.get(f"https://api.github.com/repos/{REPO}",
                   json={"permissions": {"push": False, "pull": True}})
        code, data = _run(tmp_path)

    # then
    push = next(c for c in data["checks"] if c["id"] == "github.push")
    assert code == 1
    assert (push["status"], push["message"]) == (
        "fail", "GitHub says the token may not push (its permissions: pull)")


def test_preflight_makes_nothing(tmp_path, monkeypatch):
    # given
    _isolated(monkeypatch)
    server = moto_target.embedded("us-east-1")
    before = inventory(server)

    # when
    code, _ = _run(tmp_path, "--endpoint-url", server.endpoint_url, "--provision-prerequisites")

    # then
    try:
        assert code == 0
        assert inventory(server) == before
    finally:
        server.close()

