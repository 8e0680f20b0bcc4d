"""The name rules, declared once on `Names`: every resource name a typed attribute of its setting,
and the rules the titles, the class roster and the near matches use derived from them."""

from dataclasses import fields

import pytest

from pipeline_harness.grading import names as near_matches
from pipeline_harness.grading.roster import NAME_SETTINGS
from pipeline_harness.settings import NAMES, STUDENT_SETTINGS, Names, Settings
from pipeline_harness.settings.names import LAB_VALUES, TEMPLATES, Prerequisite
from pipeline_harness.steps import titles

ACCOUNT = "123456789012"
TEXT = {"str", "str | None"}
# where and how the grader runs: the instructor's, never a student's (the region and the GitHub
# repository are roster keys of their own)
RUNS_OWN = {"target", "endpoint_url", "region", "profile", "prefix", "allowed_accounts", "run_id",
            "created_at", "github_repository"}


def test_every_resource_name_is_a_names_attribute_of_the_setting_of_the_same_name():
    settings = Settings(**{key: f"own-{key.replace('_', '-')}" for key in NAMES if key not in TEMPLATES})

    names = settings.names(ACCOUNT)

    assert set(NAMES) <= {f.name for f in fields(Settings)}
    for key in set(NAMES) - set(TEMPLATES):
        assert getattr(names, key) == f"own-{key.replace('_', '-')}"


def test_names_has_no_fallback_so_a_name_no_rule_declares_is_an_attribute_error():
    names = Settings().names(ACCOUNT)

    assert "__getattr__" not in vars(Names)
    with pytest.raises(AttributeError):
        _ = names.tag_immutability  # type: ignore[attr-defined]


def test_only_the_prerequisites_keep_their_own_names_when_the_user_made_them():
    settings = Settings(prefix="ph42-")

    kept = settings.names(ACCOUNT, prefix_prerequisites=False)
    made = settings.names(ACCOUNT)

    unprefixed = {key for key in NAMES if getattr(kept, key) != getattr(made, key)}
    assert unprefixed == {key for key, rule in NAMES.items() if isinstance(rule, Prerequisite)}
    assert unprefixed == {"cluster", "service", "load_balancer"}


def test_every_setting_is_a_resource_name_a_lab_value_or_the_runs_own():
    text = {f.name for f in fields(Settings) if f.type in TEXT}

    assert set(NAMES) | set(LAB_VALUES) | RUNS_OWN == text
    assert not set(NAMES) & set(LAB_VALUES) and not (set(NAMES) | set(LAB_VALUES)) & RUNS_OWN


def test_the_roster_may_set_every_name_and_lab_value_but_nothing_of_the_runs_own():
    assert NAME_SETTINGS == STUDENT_SETTINGS == tuple(sorted({*NAMES, *LAB_VALUES}))
    assert not set(NAME_SETTINGS) & RUNS_OWN


def test_titles_show_the_names_the_tutorial_gives_and_not_the_harnesss_own():
    assert set(titles.NAMES) == {key for key, rule in NAMES.items() if rule.tutorial}
    assert not {"network", "target_group", "task_family", "execution_role", "events"} & set(titles.NAMES)
    assert "connection_arn" not in titles.SETTINGS  # the tutorial gives none


@pytest.mark.parametrize("prefix", ["", "ph42-"])
def test_the_setting_a_near_match_stands_for_names_that_resource_again(prefix):
    found = {key: getattr(Settings(prefix=prefix).names(ACCOUNT), key).replace("dev", "stu")
             for key in NAMES}

    for key, rule in NAMES.items():
        setting = rule.setting_for(found[key], prefix)

        assert setting is not None, key
        assert getattr(Settings(prefix=prefix, **{key: setting}).names(ACCOUNT), key) == found[key]


def test_a_near_match_without_the_run_prefix_stands_for_no_setting():
    assert NAMES["pipeline"].setting_for("dev-php-app-pipeline", "ph42-") is None
    assert NAMES["artifact_bucket"].setting_for(f"dev-pipeline-artifacts-{ACCOUNT}", "ph42-") is None
    settings = Settings(prefix="ph42-")
    rename = near_matches.Rename("pipeline", "ph42-dev-php-app-pipeline", "dev-php-app-pipelin", "", "")
    assert near_matches._as_setting(settings, rename) is None
