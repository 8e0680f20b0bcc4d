"""On real AWS nothing is created or deleted in an account outside the allow-list, on every path that
creates or deletes: the pytest fixtures, `provision`, `verify`, `teardown`, `sweep`, `wait --events`
and the nightly run. Each runs with `--target aws --endpoint-url` against the emulator, in an
account of its own, with that account's credentials in the environment as a person would have
them; outside the allow-list each refuses with exit 2 (the fixtures: the test fails) and the
message, and the account's inventory is what it was. With the account allowed, each works.

The emulator lacks what the aws target assumes (CodeStar Connections), so where a path needs the
whole lab the allowed run uses `aws_on_moto`: the aws target's allow-list quirk with the emulator's
capabilities and quirks declared."""

import json

import pytest

from pipeline_harness.cli import main
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.e2e.flow import run_nightly
from pipeline_harness.e2e.inputs import Inputs
from pipeline_harness.kinds import inventory
from pipeline_harness.session.lab import Lab
from pipeline_harness.settings import Settings
from pipeline_harness.steps import ecr
from pipeline_harness.targets import make_target
from pipeline_harness.waits import ecr_tags

pytestmark = pytest.mark.integration
pytest_plugins = ["pytester"]

REFUSED = "is not in the allow-list; nothing was created"
OLD = "2020-01-01T00:00:00Z"  # a run's created-at tag the sweep finds old


def _old_repository(account) -> str:
    """A repository an old run of the harness left in the account (made on the emulator's side)."""
    with Lab(Settings(region=account.region, prefix="old-", created_at=OLD), account, steps=(ecr.STEP,),
             keep=True) as lab:
        lab.provision()
        return lab.ctx.names.ecr_repository


def _pushed(account) -> str:
    """A repository of the account's own (not the harness's) holding a multi-arch image `latest`."""
    reason = account.gap("ecr")
    if reason:
        pytest.skip(f"{account.name}: {reason}")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": ecr_tags.OCI_INDEX, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{i}" + "0" * 63,
         "size": 1000, "platform": {"os": "linux", "architecture": arch}}
        for i, arch in enumerate(("amd64", "arm64"), start=1)]})
    client = account.client("ecr")
    client.create_repository(repositoryName="their-app")
    client.put_image(repositoryName="their-app", imageManifest=manifest,
                     imageManifestMediaType=ecr_tags.OCI_INDEX, imageTag="latest")
    return "their-app"


WAIT_WITH_EVENTS = ["wait", "ecr-tags", "--repository", "their-app", "--tags", "latest", "--events",
                    "--prefix", "al-"]
# each verb that creates or deletes: what the account holds first, and the command line
PATHS = {
    "provision": (None, ["provision", "--provision-prerequisites", "--prefix", "al-"]),
    "verify": (None, ["verify", "--prefix", "al-"]),
    "teardown": (_old_repository, ["teardown", "--prefix", "old-"]),
    "sweep": (_old_repository, ["sweep", "--older-than", "1d"]),
    "wait --events": (_pushed, WAIT_WITH_EVENTS),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_a_verb_that_creates_or_deletes_exits_2_outside_the_allow_list_and_changes_nothing(
        path, outside, capsys):
    # given
    account, options = outside
    held, command = PATHS[path]
    if held:
        held(account)
    before = inventory(account)

    # when
    code = main([*command, *options])

    # then
    assert code == 2
    assert REFUSED in capsys.readouterr().err
    assert inventory(account) == before


@pytest.mark.usefixtures("whole_lab_served")  # ECR, which not every target serves, holds what it needs
def test_provision_teardown_and_verify_work_in_an_allowed_account(outside, aws_on_moto, allow,
                                                                  capsys):
    # given
    account, options = outside
    allow(account)
    before = inventory(account)

    # when
    provisioned = main(["provision", *options, "--prefix", "al-"])
    made = inventory(account)
    torn_down = main(["teardown", *options, "--prefix", "al-"])
    capsys.readouterr()
    verified = main(["verify", *options, "--prefix", "al-", "--format", "json"])

    # then
    assert (provisioned, torn_down, verified) == (0, 0, 0)
    assert "al-my-ecs-php-app" in made["ecr"] - before["ecr"]
    assert json.loads(capsys.readouterr().out)["score"] > 0
    assert inventory(account) == before


@pytest.mark.usefixtures("whole_lab_served")  # ECR, which not every target serves, holds what it needs
def test_sweep_of_an_allowed_account_removes_the_old_run(outside, aws_on_moto, allow):
    account, options = outside
    repository = _old_repository(account)
    allow(account)

    code = main(["sweep", *options, "--older-than", "1d"])

    assert code == 0
    assert repository not in inventory(account)["ecr"]


@pytest.mark.usefixtures("whole_lab_served")  # ECR, which not every target serves, holds what it needs
def test_wait_with_events_in_an_allowed_account_listens_and_removes_its_rule_and_queue(
        outside, allow):
    account, options = outside
    _pushed(account)
    allow(account)
    before = inventory(account)

    code = main([*WAIT_WITH_EVENTS, *options])

    assert code == 0
    assert inventory(account) == before


# --- what only reads needs no allow-list ----------------------------------------------------------

@pytest.mark.usefixtures("whole_lab_served")  # ECR, which not every target serves, holds what it needs
def test_a_dry_run_sweep_only_reads_so_needs_no_allow_list(outside, aws_on_moto, capsys):
    account, options = outside
    repository = _old_repository(account)
    before = inventory(account)

    code = main(["sweep", *options, "--older-than", "1d", "--dry-run"])

    assert code == 0
    assert repository in capsys.readouterr().out
    assert inventory(account) == before


@pytest.mark.usefixtures("whole_lab_served")  # ECR, which not every target serves, holds what it needs
def test_wait_without_events_only_reads_so_needs_no_allow_list(outside):
    account, options = outside
    repository = _pushed(account)

    assert main(["wait", "ecr-tags", *options, "--repository", repository, "--tags", "latest"]) == 0


# --- the nightly run, and a path that forgot to ask ----------------------------------------------

class Untouched:
    """A GitHub that fails the test if the run touches it at all."""

    def __getattr__(self, name):
        raise AssertionError(f"the refused run used GitHub ({name})")


def test_the_nightly_run_outside_the_allow_list_is_refused_before_it_pushes_or_creates(outside, tmp_path):
    account, _ = outside
    settings = Settings(target="aws", endpoint_url=account.endpoint_url, region=account.region,
                        allowed_accounts="111111111111", github_repository="owner/repo",
                        provision_prerequisites=True)
    before = inventory(account)

    with pytest.raises(ConfigError, match=REFUSED):
        run_nightly(Inputs(settings, "token"), make_target(settings), report_path=tmp_path / "run.json",
                    github=Untouched())

    assert inventory(account) == before
    assert json.loads((tmp_path / "run.json").read_text())["outcome"] == "refused"


@pytest.mark.usefixtures("whole_lab_served")  # ECR, which not every target serves, holds what it needs
def test_a_create_no_verb_checked_for_is_refused_by_the_targets_own_clients(outside):
    account, _ = outside
    target = make_target(Settings(target="aws", endpoint_url=account.endpoint_url, region=account.region))

    with pytest.raises(ConfigError, match=f"{REFUSED} \\(refused ecr.CreateRepository before sending it\\)"):
        target.client("ecr").create_repository(repositoryName="never-made")

    assert "never-made" not in inventory(account)["ecr"]
    assert target.calls["ecr.CreateRepository"] == 0


# --- the pytest fixtures ----------------------------------------------------------------------------

USES_THE_REPOSITORY = """
def test_the_repository_is_there(ecr_repository, lab_context):
    found = lab_context.target.client("ecr").describe_repositories(
        repositoryNames=[ecr_repository["name"]])["repositories"]
    assert [r["repositoryUri"] for r in found] == [ecr_repository["uri"]]
"""


def _session(pytester, options):
    pytester.makepyfile(test_fixture_user=USES_THE_REPOSITORY)
    return pytester.runpytest_inprocess("-p", "pipeline_harness.fixtures.plugin", *options, "--prefix", "fx-")


def test_the_fixtures_outside_the_allow_list_fail_with_the_message_and_create_nothing(
        outside, pytester, monkeypatch):
    account, options = outside
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    before = inventory(account)

    result = _session(pytester, options)

    result.assert_outcomes(errors=1)
    assert any(REFUSED in line for line in result.outlines)
    assert inventory(account) == before


@pytest.mark.usefixtures("whole_lab_served")  # ECR, which not every target serves, holds what it needs
def test_the_fixtures_in_an_allowed_account_provision_and_tear_down(outside, pytester, monkeypatch,
                                                                    allow):
    account, options = outside
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    allow(account)
    before = inventory(account)

    result = _session(pytester, options)

    result.assert_outcomes(passed=1)
    assert inventory(account) == before
