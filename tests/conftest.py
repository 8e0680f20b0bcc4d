"""What every tier shares: a headless Chromium for the tests that open our HTML pages."""

import pytest

from tests.browser import launched


@pytest.fixture(scope="session")
def chromium():
    """One browser per test process (the browser tests run on one worker), a skip when none is here."""
    with launched() as context:
        yield context
