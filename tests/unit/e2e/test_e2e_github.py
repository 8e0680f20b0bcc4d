"""The GitHub side of the nightly run through `responses`: retries, refusals, branch removal."""

import pytest
import responses

from pipeline_harness.core.errors import ConfigError, TargetUnreachable
from pipeline_harness.e2e.github import GitHub, GitHubError

API = "https://api.github.com/repos/octo-org/lab-app"


@pytest.fixture
def github():
    with responses.RequestsMock() as mock:
        yield mock


def _client(sleeps):
    return GitHub("octo-org/lab-app", "ghp_test", sleep=sleeps.append)


def test_a_5xx_and_a_secondary_rate_limit_are_retried_with_backoff(github):
    # given
    sleeps = []
    github.get(API, status=502)
    github.get(API, status=403, json={"message": "You have exceeded a secondary rate limit."})
    github.get(API, json={"default_branch": "trunk"})

    # when
    branch = _client(sleeps).default_branch()

    # then
    assert branch == "trunk" and len(sleeps) == 2 and all(s > 0 for s in sleeps)
    assert github.calls[0].request.headers["Authorization"] == "Bearer ghp_test"


def test_a_lasting_5xx_gives_up_after_five_attempts_with_one_message(github):
    # given
    sleeps = []
    github.get(API, status=503)

    # when
    with pytest.raises(GitHubError) as raised:
        _client(sleeps).default_branch()

    # then
    assert str(raised.value) == f"GitHub kept failing after 5 attempts: HTTP 503 from GET {API}"
    assert len(github.calls) == 5 and len(sleeps) == 4


def test_a_refused_token_is_exit_3_and_says_which_variable_to_set(github):
    github.get(API, status=401, json={"message": "Bad credentials"})

    refused = r"GitHub refused the token .*Bad credentials.*set GITHUB_TOKEN"
    with pytest.raises(TargetUnreachable, match=refused):
        _client([]).default_branch()


def test_a_plain_403_is_a_configuration_error_naming_the_permission(github):
    github.get(API, status=403, json={"message": "Resource not accessible by personal access token"})

    with pytest.raises(ConfigError, match="the token needs contents: write on octo-org/lab-app"):
        _client([]).default_branch()


def test_deleting_a_branch_that_is_gone_is_absent_not_an_error(github):
    github.delete(f"{API}/git/refs/heads/pipeline-harness/run-1", status=422,
                  json={"message": "Reference does not exist"})

    assert _client([]).delete_branch("pipeline-harness/run-1") == "absent"


def test_run_branches_are_listed_by_prefix_with_their_commit_dates(github):
    # given
    github.get(f"{API}/git/matching-refs/heads/pipeline-harness/run-", json=[
        {"ref": "refs/heads/pipeline-harness/run-1", "object": {"sha": "a" * 40}}])
    github.get(f"{API}/git/commits/{'a' * 40}", json={"committer": {"date": "2026-11-20T02:00:00Z"}})

    # when
    client = _client([])
    branches = client.branches("pipeline-harness/run-")

    # then
    assert [b.name for b in branches] == ["pipeline-harness/run-1"]
    assert client.committed_at(branches[0].sha).isoformat() == "2026-11-20T02:00:00+00:00"
