"""What the integration tier shares: accounts of their own on the session's emulator.

moto keys all state by account, so a test that assumes a role into a fresh account id works alone in
it, on the one server the session started: no server per test, no clean-up between tests.
"""

import itertools
import os

import pytest
from student_lab import student_account

_accounts = itertools.count(300_000_000_000 + 1_000_000 * (os.getpid() % 1000))


@pytest.fixture
def new_account(target):
    """A factory of Targets, each in an account no other test uses (moto's multi-account emulation)."""
    def make():
        account = str(next(_accounts))
        made = student_account(target, account)
        if made.account != account:  # moto does emulate them: this is a broken isolation, not a gap
            pytest.fail(f"a role assumed into account {account} answers as account {made.account}: "
                        "the tests would share one account's state")
        return made

    if target.name != "moto":
        pytest.skip(f"an account per test is moto's multi-account emulation, not {target.name}'s")
    return make
