"""The GitHub repository (owner/name) has one rule, GitHub's, wherever it is given: the settings'
github_repository, a class roster's `repository`, `grade --repository` and the Source action's check."""

import pytest

from pipeline_harness.cli import main
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.grading import roster
from pipeline_harness.settings import REPOSITORY_ID, Settings, check
from pipeline_harness.steps import codepipeline

NOT_GITHUB = [
    "my-ecs-php-app",  # no owner (the tutorial's Common Issues)
    "owner/",
    "/repo",
    "a/b/c",
    "-owner/repo",  # an owner starts with a letter or digit
    "owner-/repo",  # and does not end with a hyphen
    "ow--ner/repo",  # nor hold two in a row
    f"{'o' * 40}/repo",  # at most 39 characters
    f"owner/{'r' * 101}",  # a name of at most 100
    "owner/my repo",
    "owner/répo",
    "own_er/repo",
]
GITHUB = ["larsappel/my-ecs-php-app", "a/b", f"{'o' * 39}/{'r' * 100}", "Owner-1/repo.name_x-y"]


@pytest.mark.parametrize("repository", NOT_GITHUB)
def test_a_github_repository_that_github_would_not_allow_is_refused_by_the_settings(repository):
    with pytest.raises(ConfigError) as raised:
        Settings(github_repository=repository)

    assert str(raised.value) == (f"github_repository must be owner/repo, not {repository!r} "
                                 "(tutorial Common Issues: repository name format)")


@pytest.mark.parametrize("repository", GITHUB)
def test_a_github_repository_of_githubs_shape_is_taken(repository):
    assert Settings(github_repository=repository).github_repository == repository
    check({"github_repository": repository})


@pytest.mark.parametrize("repository", NOT_GITHUB)
def test_the_roster_refuses_what_the_settings_refuse(tmp_path, repository):
    path = tmp_path / "class.toml"
    path.write_text(f"[[student]]\nname = 'a'\nprofile = 'p'\nrepository = '{repository}'\n")

    with pytest.raises(ConfigError, match="is not a GitHub owner/repo"):
        roster.read_accounts(path)


@pytest.mark.parametrize("repository", NOT_GITHUB[:4])
def test_grade_refuses_what_the_settings_refuse(repository, capsys):
    code = main(["grade", "--target", "moto", "--repository", repository])

    assert code == 2
    assert "--repository must be a GitHub owner/repo" in capsys.readouterr().err


def test_the_source_action_is_checked_by_the_same_rule():
    assert codepipeline.REPOSITORY_ID is REPOSITORY_ID
