"""What the integration tier shares: accounts of their own on the session's emulator, and such an
account as real AWS would have it (`outside`, `allow`, `aws_on_moto`).

moto and LocalStack key all state by account, so a test that assumes a role into a fresh account id
works alone in it, on the one server the session started: no server per test, no clean-up between
tests.
"""

import dataclasses

import pytest
from student_lab import as_the_environment, fresh_account

from pipeline_harness.targets import aws, moto


@pytest.fixture
def new_account(target):
    """A factory of Targets, each in an account no other test uses."""
    return lambda: fresh_account(target)


@pytest.fixture
def outside(new_account, monkeypatch, tmp_path):
    """A fresh account whose credentials are the environment's, not in the allow-list (which names
    another account); returns the emulator's view of it and the command line's target options."""
    account = new_account()
    options = as_the_environment(account, monkeypatch)
    monkeypatch.setenv("PIPELINE_HARNESS_ALLOWED_ACCOUNTS", "111111111111")
    monkeypatch.setenv("PIPELINE_HARNESS_STATE_DIR", str(tmp_path / "state"))
    return account, options


@pytest.fixture
def allow(monkeypatch):
    """`allow(account)` adds the account to the allow-list."""
    def allowing(account) -> None:
        monkeypatch.setenv("PIPELINE_HARNESS_ALLOWED_ACCOUNTS", f"111111111111,{account.account}")

    return allowing


@pytest.fixture
def aws_on_moto(monkeypatch):
    """`--target aws` as the emulator can hold it: the emulator's capabilities and quirks, and the
    aws target's need of the allow-list."""
    real = aws.real

    def on_moto(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), capabilities=moto.CAPABILITIES,
                                   quirks=dataclasses.replace(moto.QUIRKS, needs_allowed_account=True))

    monkeypatch.setattr(aws, "real", on_moto)
