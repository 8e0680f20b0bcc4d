"""What the unit tier shares: targets whose clients are answered by botocore Stubbers."""

import pytest

from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Target


def offline_target(**fields) -> Target:
    """A Target with fake credentials: every call must be answered by a Stubber, or it fails."""
    session = sessions.session("us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    return Target(**{"name": "stubbed", "region": "us-east-1", "session": session, **fields})


@pytest.fixture
def stubbed_target():
    """A factory of offline targets; keyword arguments set Target fields (quirks, capabilities…)."""
    return offline_target
