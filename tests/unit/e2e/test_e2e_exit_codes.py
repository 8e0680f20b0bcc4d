"""No silent green: `pytest tests/e2e --run-e2e --target aws` run as the workflow runs it, in a process of
its own with nothing of this machine's AWS configuration. Asked for, a run that cannot start exits 1 with
the run report written and the reason in it; not asked for, the tier is skipped (exit 0, no report)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline_harness.targets import moto as moto_target

ROOT = Path(__file__).resolve().parents[3]
INPUTS = {"PIPELINE_HARNESS_ALLOWED_ACCOUNTS": "123456789012", "AWS_REGION": "eu-north-1",
          "PIPELINE_HARNESS_CONNECTION_ARN": "arn:aws:codestar-connections:eu-north-1:123456789012:"
                                             "connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab",
          "PIPELINE_HARNESS_GITHUB_REPOSITORY": "octo-org/lab-app", "GITHUB_TOKEN": "ghp_test"}
TIMEOUT = 120  # seconds: a hung run fails the test instead of holding the tier


def nightly(tmp_path: Path, *options: str, **environ: str) -> tuple[subprocess.CompletedProcess, Path]:
    """The e2e tier in a fresh process; HOME and the AWS files point at an empty directory, and no
    instance metadata is looked for, so only the given variables can provide credentials."""
    report = tmp_path / "reports" / "nightly-run.json"
    empty = tmp_path / "home"
    empty.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(empty), "AWS_CONFIG_FILE": str(empty / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(empty / "credentials"), "AWS_EC2_METADATA_DISABLED": "true",
           **environ}
    command = [sys.executable, "-m", "pytest", "tests/e2e", "-n", "0", "-p", "no:cacheprovider",
               "--e2e-report", str(report), *options]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)
    return done, report


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def test_asked_without_credentials_exits_1_and_the_report_says_why(tmp_path):
    # when: every input given, no credentials anywhere
    done, report = nightly(tmp_path, "--run-e2e", "--target", "aws", "--provision-prerequisites", **INPUTS)

    # then
    written = json.loads(report.read_text())
    assert done.returncode == 1, done.stdout[-2000:]
    assert written["outcome"] == "failed"
    assert written["failure"]["where"] == "start"
    assert "found no AWS credentials" in written["failure"]["message"]
    assert "found no AWS credentials" in done.stdout
    assert " skipped" not in done.stdout.splitlines()[-1]


def test_asked_with_an_input_missing_too_names_both_in_one_report(tmp_path):
    # given: no connection ARN, and no credentials
    inputs = {k: v for k, v in INPUTS.items() if k != "PIPELINE_HARNESS_CONNECTION_ARN"}

    # when
    done, report = nightly(tmp_path, "--run-e2e", "--target", "aws", "--provision-prerequisites", **inputs)

    # then
    message = json.loads(report.read_text())["failure"]["message"]
    assert done.returncode == 1
    assert "found no AWS credentials" in message
    assert "the nightly end-to-end run needs: the ARN of an AVAILABLE CodeStar connection" in message


def test_asked_with_an_account_that_does_not_answer_exits_1_and_the_report_says_why(tmp_path):
    # given: credentials, but nothing answers where AWS is said to be
    endpoint = f"http://127.0.0.1:{_closed_port()}"

    # when
    done, report = nightly(tmp_path, "--run-e2e", "--target", "aws", "--provision-prerequisites", **INPUTS,
                           AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                           AWS_MAX_ATTEMPTS="1", PIPELINE_HARNESS_ENDPOINT_URL=endpoint)

    # then
    written = json.loads(report.read_text())
    assert done.returncode == 1, done.stdout[-2000:]
    assert written["failure"]["where"] == "account"
    assert written["failure"]["error"] == "TargetUnreachable"
    assert endpoint in written["failure"]["message"]


@pytest.fixture
def someone_elses_aws():
    """An AWS-compatible endpoint on loopback (a moto server), reached as `--target aws` would be."""
    server = moto_target.embedded("eu-north-1")
    yield server.endpoint_url
    server.close()


def test_asked_in_an_account_outside_the_allow_list_exits_1_refused_before_anything_is_made(
        tmp_path, someone_elses_aws):
    # given: the endpoint answers as account 123456789012, the allow-list names another
    inputs = {**INPUTS, "PIPELINE_HARNESS_ALLOWED_ACCOUNTS": "999999999999"}

    # when
    done, report = nightly(tmp_path, "--run-e2e", "--target", "aws", "--provision-prerequisites", **inputs,
                           AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                           PIPELINE_HARNESS_ENDPOINT_URL=someone_elses_aws)

    # then
    written = json.loads(report.read_text())
    assert done.returncode == 1, done.stdout[-2000:]
    assert written["outcome"] == "refused" and written["failure"]["where"] == "allow-list"
    assert written["failure"]["message"].startswith("account 123456789012 is not in the allow-list")
    assert written["phases"] == []


def test_not_asked_for_the_tier_is_skipped_with_its_reason_exit_0_and_no_report(tmp_path):
    # when
    done, report = nightly(tmp_path, **INPUTS)

    # then
    assert done.returncode == 0
    assert "real-AWS e2e tier not run: it needs --run-e2e (or -m e2e), --target aws" in done.stdout
    assert not report.exists()
