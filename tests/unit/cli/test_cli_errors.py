"""Bad input is one clear line and the documented exit code, never a traceback."""

import socket

import boto3
import pytest
from botocore.stub import Stubber

from pipeline_harness import lab
from pipeline_harness.cli import main
from pipeline_harness.errors import ConfigError
from pipeline_harness.settings import Settings
from pipeline_harness.context import Context
from pipeline_harness.targets import aws


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def no_aws_credentials(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance metadata lookups
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_broken_config_file_exits_2_with_one_line(tmp_path, capsys):
    config = tmp_path / "lab.toml"
    config.write_text("cluster = [unclosed\n")

    code = main(["verify", "--config", str(config)])

    assert code == 2
    assert "is not valid TOML" in _one_line(capsys.readouterr().err)


def test_an_unknown_option_exits_2(capsys):
    assert main(["verify", "--no-such-option"]) == 2


def test_an_unreachable_endpoint_exits_3_with_one_line(capsys):
    code = main(["verify", "--endpoint-url", f"http://127.0.0.1:{_closed_port()}"])

    assert code == 3
    assert "does not answer" in _one_line(capsys.readouterr().err)


def test_missing_credentials_on_aws_exit_3_with_one_line(no_aws_credentials, capsys):
    code = main(["verify", "--target", "aws", "--region", "eu-west-1"])

    assert code == 3
    assert "no AWS credentials" in _one_line(capsys.readouterr().err)


def test_an_unknown_profile_exits_3(no_aws_credentials, capsys):
    code = main(["teardown", "--target", "aws", "--profile", "nobody"])

    assert code == 3
    assert "profile 'nobody'" in _one_line(capsys.readouterr().err)


def test_provisioning_on_aws_refuses_an_account_not_allowed_before_any_create():
    # given
    target = aws.real("eu-west-1")
    target.session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                   region_name="eu-west-1")
    ctx = Context(Settings(target="aws", allowed_accounts="111111111111"), target)
    with Stubber(target.client("sts")) as stub:
        stub.add_response("get_caller_identity", {
            "Account": "999999999999", "Arn": "arn:aws:iam::999999999999:user/x",
            "UserId": "AIDAEXAMPLE"})

        # when / then
        with pytest.raises(ConfigError, match="999999999999 is not in the allow-list; nothing was"):
            lab.provision(ctx)
    assert set(target._clients) == {"sts"}, "no client but STS was even made"
