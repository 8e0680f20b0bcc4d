"""moto's backends belong to the process: every server in it shares them, and the settings they are
made with. Each case runs in a process of its own, since that is the state it is about."""

import os
import subprocess
import sys

import pytest

# another moto server of the process (a test's own, someone's script) answers first and makes the
# default account's backends; then the embedded target reads a managed policy the lab attaches
SCRIPT = """
import sys
import boto3
from moto.server import ThreadedMotoServer
from pipeline_harness.targets import moto

if sys.argv[1] == "prepared":
    moto.prepare_process()
first = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
first.start()
host, port = first.get_host_and_port()
boto3.client("iam", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
             aws_access_key_id="testing", aws_secret_access_key="testing").list_roles()
embedded = moto.embedded("us-east-1")
try:
    embedded.client("iam").get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonECS_FullAccess")
    print("found")
except embedded.client("iam").exceptions.NoSuchEntityException:
    print("missing")
finally:
    embedded.close()
    first.stop()
"""


def _policy_seen_by_the_embedded_target(first_server: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MOTO_")}  # a new process's
    done = subprocess.run([sys.executable, "-c", SCRIPT, first_server], capture_output=True, text=True,
                          env=environment, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("first_server, seen", [("prepared", "found"), ("bare", "missing")])
def test_a_server_started_first_keeps_the_managed_policies_only_once_the_process_is_prepared(
        first_server, seen):
    # the bare case shows why the tests' own servers call prepare_process: without it, the
    # account the first server made has no managed policies, for the embedded target too
    assert _policy_seen_by_the_embedded_target(first_server) == seen
