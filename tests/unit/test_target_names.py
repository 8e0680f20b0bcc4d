"""The target names are written once (settings.TARGETS): the command line, the pytest plugin and the
settings offer and accept exactly those."""

import argparse

import pytest

from pipeline_harness.cli.common import common_options
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.settings import TARGETS, Settings


def _target_choices(parser: argparse.ArgumentParser) -> tuple[str, ...]:
    [action] = [a for a in parser._actions if "--target" in a.option_strings]
    return tuple(action.choices)


def test_the_command_line_offers_the_targets_settings_accept():
    assert _target_choices(common_options(("table",))) == TARGETS
    assert [Settings(target=name).target for name in TARGETS] == list(TARGETS)


def test_the_pytest_plugin_offers_the_same_targets(pytestconfig):
    group = pytestconfig._parser.getgroup("pipeline-harness")
    [option] = [o for o in group.options if "--target" in o.names()]

    assert tuple(option.attrs()["choices"]) == TARGETS


def test_a_target_settings_do_not_know_is_refused_naming_them_all():
    with pytest.raises(ConfigError, match="target must be moto, localstack or aws, not 'gcp'"):
        Settings(target="gcp")
