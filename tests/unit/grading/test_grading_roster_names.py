"""A class roster's names are checked once, by the settings' own rules, with nothing built to be
thrown away: the student's settings are built once, when the student is graded."""

import pytest

from pipeline_harness import settings as settings_pkg
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.grading import roster
from pipeline_harness.settings import Settings
from pipeline_harness.settings.model import Settings as SettingsModel

ROSTER = """
[[student]]
name = "Ada"
profile = "ada"
region = "eu-north-1"
[student.names]
pipeline = "ada-pipeline"
container = "web"

[[student]]
name = "Bob"
profile = "bob"

[[student]]
name = "Cy"
profile = "cy"
[student.names]
log_group = "/lab/{codebuild_project}"
"""


def _roster(tmp_path, text: str = ROSTER):
    path = tmp_path / "class.toml"
    path.write_text(text)
    return path


def test_reading_a_roster_checks_each_students_names_once_and_builds_no_settings(tmp_path, monkeypatch):
    # given
    path = _roster(tmp_path)
    checked, built = [], []
    check = settings_pkg.check
    monkeypatch.setattr(settings_pkg, "check", lambda values: (checked.append(dict(values)), check(values)))
    post_init = SettingsModel.__post_init__
    monkeypatch.setattr(SettingsModel, "__post_init__", lambda self: (built.append(self), post_init(self)))

    # when
    students = roster.read_accounts(path)

    # then
    assert [s.name for s in students] == ["Ada", "Bob", "Cy"]
    assert checked == [{"pipeline": "ada-pipeline", "container": "web", "region": "eu-north-1"}, {},
                       {"log_group": "/lab/{codebuild_project}"}]
    assert built == []


@pytest.mark.parametrize("names, says", [
    ("container = 'web app'", "container must be up to 255 letters, digits, '_' and '-'"),
    ("artifact_bucket = 'b-{region}'", "artifact_bucket may use only the placeholder {account_id}"),
    ("pipeline_type = 'V3'", "pipeline_type must be V1 or V2, not 'V3'"),
    ("codebuild_compute_type = 'HUGE'", "codebuild_compute_type must be one of CodeBuild's compute types"),
])
def test_a_students_name_the_settings_would_refuse_is_refused_with_the_settings_own_words(
        tmp_path, names, says):
    text = f"[[student]]\nname = 'a'\nprofile = 'p'\n[student.names]\n{names}\n"
    with pytest.raises(ConfigError) as raised:
        roster.read_accounts(_roster(tmp_path, text))
    with pytest.raises(ConfigError) as by_settings:
        Settings(**{names.split(" = ")[0]: names.split(" = ")[1].strip("'")})

    where = f"accounts file {tmp_path / 'class.toml'}: student #1 (a)"
    assert str(raised.value) == f"{where}: {by_settings.value}"
    assert says in str(raised.value)


def test_the_names_a_roster_accepts_make_the_settings_the_student_is_graded_with(tmp_path):
    (ada, _, cy) = roster.read_accounts(_roster(tmp_path))

    graded = Settings().replace(region=ada.region, **ada.names)

    assert (graded.region, graded.pipeline, graded.container) == ("eu-north-1", "ada-pipeline", "web")
    assert Settings().replace(**cy.names).names("123456789012").log_group == "/lab/dev-php-app-build"
