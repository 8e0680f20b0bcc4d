"""`pipeline-harness preflight`'s bad input and unreachable targets: one line and the documented exit code."""

import socket

from pipeline_harness.cli import main


def test_a_role_arn_that_is_no_role_or_user_is_refused_before_any_call(capsys):
    # when
    code = main(["preflight", "--role-arn", "pipeline-harness-nightly"])

    # then
    assert code == 2
    assert "--role-arn must be an IAM role or user ARN" in capsys.readouterr().err


def _no_machine_credentials(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


def test_an_endpoint_that_does_not_answer_is_exit_3_with_one_line(capsys, monkeypatch):
    # given: credentials, but nothing listens on the port
    _no_machine_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    # when
    code = main(["preflight", "--target", "aws", "--endpoint-url", f"http://127.0.0.1:{port}"])

    # then
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith("pipeline-harness: target aws does not answer at http://127.0.0.1:")
    assert len(err.strip().splitlines()) == 1


def test_no_credentials_is_exit_3_with_one_line(capsys, monkeypatch):
    # given
    _no_machine_credentials(monkeypatch)

    # when
    code = main(["preflight", "--target", "aws", "--region", "eu-north-1"])

    # then
    assert code == 3
    assert capsys.readouterr().err == (
        "pipeline-harness: no AWS credentials for target aws — set a profile or AWS_* variables\n")
