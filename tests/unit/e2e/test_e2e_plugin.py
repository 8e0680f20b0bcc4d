"""When the e2e tier runs: skipped with one reason only when not asked for; asked for, what keeps it
from starting (not on --target aws, no credentials) is a reason to fail, not to skip."""

from types import SimpleNamespace

from pipeline_harness.fixtures.e2e import cannot_start, skip_reason


def _config(monkeypatch, *, run_e2e=False, markexpr="", target=None, credentials=False):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "PIPELINE_HARNESS_TARGET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    if credentials:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    options = {"--run-e2e": run_e2e, "markexpr": markexpr, "--target": target, "--profile": None}
    return SimpleNamespace(getoption=lambda name, default=None: options.get(name, default))


def test_not_asked_for_is_one_reason_and_no_credential_lookup(monkeypatch):
    # credentials are looked for only once asked: the lookup may reach instance metadata
    monkeypatch.setattr("pipeline_harness.fixtures.e2e._has_credentials", lambda config: 1 / 0)

    assert skip_reason(_config(monkeypatch)) == (
        "real-AWS e2e tier not run: it needs --run-e2e (or -m e2e), --target aws")


def test_asked_with_m_e2e_on_aws_without_credentials_is_no_skip_but_a_reason_to_fail(monkeypatch):
    config = _config(monkeypatch, markexpr="e2e", target="aws")

    assert skip_reason(config) is None
    assert cannot_start(config) == ("the nightly end-to-end run found no AWS credentials (environment, "
                                    "shared files, profile, web identity or instance metadata)")


def test_asked_on_another_target_is_a_reason_to_fail(monkeypatch):
    config = _config(monkeypatch, run_e2e=True, target="moto", credentials=True)

    assert skip_reason(config) is None
    assert cannot_start(config) == "the nightly end-to-end run needs --target aws"


def test_not_e2e_marker_expression_does_not_count_as_asking(monkeypatch):
    config = _config(monkeypatch, markexpr="not e2e", target="aws", credentials=True)

    assert skip_reason(config) == "real-AWS e2e tier not run: it needs --run-e2e (or -m e2e)"


def test_asked_on_aws_with_credentials_runs(monkeypatch):
    config = _config(monkeypatch, run_e2e=True, target="aws", credentials=True)

    assert skip_reason(config) is None and cannot_start(config) is None
