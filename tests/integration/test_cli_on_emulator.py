"""The CLI's main job on the embedded emulator, and provision/teardown on someone else's server."""

import json

import pytest

from pipeline_harness.cli import main
from pipeline_harness.kinds import inventory
from pipeline_harness.session import lab
from pipeline_harness.settings import Settings
from pipeline_harness.targets import moto as moto_target
from pipeline_harness.targets.context import Context

pytestmark = pytest.mark.integration


def test_verify_on_the_embedded_emulator_passes_every_check_and_explains_the_skips(tmp_path, capsys):
    report = tmp_path / "report.json"

    code = main(["verify", "--format", "json", "--output", str(report), "--prefix", "cli-"])

    data = json.loads(report.read_text())
    statuses = {c["id"]: c["status"] for c in data["checks"]}
    assert code == 0
    assert {c["step"] for c in data["checks"]} == {0, 1, 2, 3, 4, 5, 6}
    assert {c["section"] for c in data["checks"] if c["step"] == 0} == {
        "Prerequisites: ECS cluster, service and ALB"}
    assert set(statuses.values()) == {"pass", "skip"}
    skips = [c for c in data["checks"] if c["status"] == "skip"]
    assert {c["id"] for c in skips} == {"connection.available", "connection.provider"}
    assert all("no CodeStar Connections" in c["message"] for c in skips)
    assert data["score"] == data["max_score"] > 25


@pytest.fixture
def someone_elses_moto():
    server = moto_target.embedded("us-east-1")  # another server of this process, reached by its URL
    yield server.endpoint_url
    server.close()


def test_provision_twice_then_teardown_on_an_external_server_leaves_nothing(someone_elses_moto):
    # given
    endpoint = someone_elses_moto
    target = moto_target.external("us-east-1", endpoint)
    before = inventory(target)
    options = ["--endpoint-url", endpoint, "--prefix", "ext-"]

    # when
    first = main(["provision", *options])
    second = main(["provision", *options])
    during = inventory(target)
    removed = main(["teardown", *options])

    # then
    assert (first, second, removed) == (0, 0, 0)
    planned = {r.kind.service for r in lab.planned(Context(Settings(endpoint_url=endpoint), target))}
    assert {s for s in during if during[s] - before[s]} == planned, "something made in every service planned"
    assert inventory(target) == before
