"""On every path that creates or deletes, a resource someone else made under a name the run uses is
never touched: `provision`, `verify`, `wait --events`, the pytest fixtures and the nightly run refuse
it before they make anything (exit 2 naming it and --prefix; the fixtures: the test fails with the
line), `teardown` leaves it (`not ours`), the sweep never counts it as a run's. Each path runs as
real AWS would have it (`--target aws --endpoint-url`, the account allow-listed) in an account of
its own, and the look-alike, made with plain boto3 (someone_elses.py), reads back exactly as it was.
test_ownership_matrix.py proves the same for every kind of the registry, through the session."""

import json

import pytest
from someone_elses import describe, make

from pipeline_harness.cli import main
from pipeline_harness.core.errors import EXIT_USAGE, NotOurs
from pipeline_harness.e2e.flow import run_nightly
from pipeline_harness.e2e.github import Pushed
from pipeline_harness.e2e.inputs import Inputs
from pipeline_harness.kinds import inventory
from pipeline_harness.settings import Settings
from pipeline_harness.targets import make_target

pytestmark = pytest.mark.integration
pytest_plugins = ["pytester"]

PREFIX = "fo-"
REFUSED = "already exists and was not made by pipeline-harness"


def _names(account):
    return Settings(region=account.region, prefix=PREFIX).names(account.account)


@pytest.fixture
def allowed(outside, aws_on_moto, allow, whole_lab_served):
    """An allow-listed account of its own holding someone else's repository of the lab's name."""
    account, options = outside
    allow(account)
    make(account, "ecr_repository", _names(account))
    return account, options


def _theirs_untouched(account, key: str, theirs: dict, before: dict) -> None:
    assert describe(account, key, _names(account)) == theirs
    assert inventory(account) == before


@pytest.mark.parametrize("command", [["provision"], ["verify"]], ids=lambda c: c[0])
def test_a_verb_that_provisions_refuses_someone_elses_resource_and_makes_nothing(command, allowed,
                                                                               capsys):
    # given
    account, options = allowed
    theirs, before = describe(account, "ecr_repository", _names(account)), inventory(account)

    # when
    code = main([*command, *options, "--prefix", PREFIX])

    # then
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert f"ECR repository {PREFIX}my-ecs-php-app {REFUSED}" in err
    assert "nothing was created" in err and "--prefix" in err
    _theirs_untouched(account, "ecr_repository", theirs, before)


@pytest.mark.usefixtures("whole_lab_served")  # ECR, which not every target serves, holds what it needs
def test_wait_with_events_refuses_someone_elses_queue_of_the_runs_name(outside, aws_on_moto, allow,
                                                                     capsys):
    # given: their queue under the name the wait's event source would take, an image to wait for
    account, options = outside
    allow(account)
    make(account, "event_queue", _names(account))
    account.client("ecr").create_repository(repositoryName="their-app")
    theirs, before = describe(account, "event_queue", _names(account)), inventory(account)

    # when
    code = main(["wait", "ecr-tags", "--repository", "their-app", "--tags", "latest", "--events",
                 *options, "--prefix", PREFIX])

    # then
    assert code == EXIT_USAGE
    assert f"SQS queue {PREFIX}dev-php-app-events {REFUSED}" in capsys.readouterr().err
    _theirs_untouched(account, "event_queue", theirs, before)


def test_teardown_leaves_someone_elses_resource_and_says_it_is_not_ours(allowed, capsys):
    # given
    account, options = allowed
    theirs, before = describe(account, "ecr_repository", _names(account)), inventory(account)

    # when
    code = main(["teardown", *options, "--prefix", PREFIX, "--format", "json"])

    # then
    assert code == 0
    assert json.loads(capsys.readouterr().out)["outcomes"]["ecr_repository"] == "not ours"
    _theirs_untouched(account, "ecr_repository", theirs, before)


def test_the_sweep_never_counts_someone_elses_resource_as_an_old_run(allowed, capsys):
    # given: their repository is named as a run's (prefix fo-), and is older than any cutoff
    account, options = allowed
    theirs, before = describe(account, "ecr_repository", _names(account)), inventory(account)

    # when
    code = main(["sweep", *options, "--older-than", "1m"])

    # then
    assert code == 0
    assert capsys.readouterr().out == "nothing to sweep\n"
    _theirs_untouched(account, "ecr_repository", theirs, before)


USES_THE_REPOSITORY = """
def test_the_repository_is_there(ecr_repository):
    assert ecr_repository["name"]
"""


def test_the_fixtures_refuse_someone_elses_resource_and_fail_with_the_line(allowed, pytester, monkeypatch):
    # given
    account, options = allowed
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    theirs, before = describe(account, "ecr_repository", _names(account)), inventory(account)
    pytester.makepyfile(test_fixture_user=USES_THE_REPOSITORY)

    # when
    result = pytester.runpytest_inprocess("-p", "pipeline_harness.fixtures.plugin", *options,
                                          "--prefix", PREFIX)

    # then
    result.assert_outcomes(errors=1)
    assert any(f"ECR repository {PREFIX}my-ecs-php-app {REFUSED}" in line for line in result.outlines)
    _theirs_untouched(account, "ecr_repository", theirs, before)


class RecordingGitHub:
    """The run branch's side of GitHub: pushes and deletes are recorded, nothing is sent."""

    def __init__(self):
        self.calls: list[str] = []

    def push(self, branch: str, files: dict, message: str) -> Pushed:
        self.calls.append(f"push {branch}")
        return Pushed(branch, "a" * 40)

    def delete_branch(self, branch: str) -> str:
        self.calls.append(f"delete {branch}")
        return "deleted"


def test_the_nightly_run_refuses_someone_elses_resource_before_it_creates_and_still_cleans_up(
        allowed, tmp_path):
    # given
    account, _ = allowed
    settings = Settings(target="aws", endpoint_url=account.endpoint_url, region=account.region,
                        prefix=PREFIX, allowed_accounts=account.account, github_repository="owner/repo",
                        provision_prerequisites=True)
    theirs, before = describe(account, "ecr_repository", _names(account)), inventory(account)
    github = RecordingGitHub()

    # when
    with pytest.raises(NotOurs, match=f"ECR repository {PREFIX}my-ecs-php-app {REFUSED}"):
        run_nightly(Inputs(settings, "token"), make_target(settings), report_path=tmp_path / "run.json",
                    github=github)  # type: ignore[arg-type]

    # then: refused at provisioning, its branch deleted, their repository untouched
    report = json.loads((tmp_path / "run.json").read_text())
    assert report["failure"]["where"] == "provision" and report["failure"]["error"] == "NotOurs"
    assert report["teardown"]["outcomes"]["ecr_repository"] == "not ours"
    assert github.calls == [f"push {settings.branch}", f"delete {settings.branch}"]
    _theirs_untouched(account, "ecr_repository", theirs, before)
