"""Fixtures for the nightly flow's unit tests; the timelines themselves are in nightly_timeline.py."""

from __future__ import annotations

import pytest
import responses
from nightly_timeline import ACCOUNT, CONNECTION, REGION, REPO, RUN_ID, TOKEN, Timeline

from pipeline_harness.e2e import inputs as inputs_mod
from pipeline_harness.settings import Settings
from pipeline_harness.targets import aws
from pipeline_harness.targets.base import Target


@pytest.fixture
def nightly_settings() -> Settings:
    return Settings(target="aws", region=REGION, run_id=RUN_ID, created_at="2026-11-26T02:00:00Z",
                    connection_arn=CONNECTION, github_repository=REPO, provision_prerequisites=True,
                    allowed_accounts=f"999999999999,{ACCOUNT}")


@pytest.fixture
def run_inputs(nightly_settings):
    return inputs_mod.gather(nightly_settings, {"GITHUB_TOKEN": TOKEN, "AWS_REGION": REGION})


@pytest.fixture
def aws_target(stubbed_target, nightly_settings) -> Target:
    """Real AWS's quirks, the allow-list the settings give (as make_target passes it)."""
    return stubbed_target(name="aws", region=REGION, quirks=aws.QUIRKS,
                          allowed_accounts=frozenset(nightly_settings.allowed_account_ids))


@pytest.fixture
def timeline(aws_target):
    made = Timeline(aws_target)
    made.add("sts", "get_caller_identity",
             {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:role/nightly", "UserId": "AROA1"})
    return made


@pytest.fixture
def github():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
