"""The address policy: on AWS the grader connects to public addresses only, an emulator's
loopback is allowed by its quirk, and `wait http` may go anywhere its user points it."""

import pytest

from pipeline_harness.waits.addresses import ANY, PUBLIC, PUBLIC_OR_LOOPBACK


@pytest.mark.parametrize(("address", "said"), [
    ("127.0.0.1", "127.0.0.1 is loopback"),
    ("::1", "::1 is loopback"),
    ("169.254.169.254", "169.254.169.254 is link-local: the EC2 instance metadata service"),
    ("169.254.170.2", "169.254.170.2 is link-local: the ECS task metadata endpoint"),
    ("fd00:ec2::254", "fd00:ec2::254 is private: the EC2 instance metadata service"),
    ("fe80::1", "fe80::1 is link-local"),
    ("10.0.0.5", "10.0.0.5 is private"),
    ("172.16.0.1", "172.16.0.1 is private"),
    ("192.168.1.1", "192.168.1.1 is private"),
    ("100.64.0.1", "100.64.0.1 is shared address space (carrier-grade NAT, 100.64.0.0/10)"),
    ("fc00::1", "fc00::1 is private"),
    ("0.0.0.0", "0.0.0.0 is unspecified"),
    ("::", ":: is unspecified"),
    ("224.0.0.1", "224.0.0.1 is multicast"),
    ("ff02::1", "ff02::1 is multicast"),
    ("240.0.0.1", "240.0.0.1 is private"),
    ("::ffff:169.254.169.254", "::ffff:169.254.169.254 is link-local (169.254.169.254): the EC2 "
                               "instance metadata service"),
    ("::ffff:10.0.0.1", "::ffff:10.0.0.1 is private (10.0.0.1)"),
    ("2002:a9fe:a9fe::1", "2002:a9fe:a9fe::1 is link-local (169.254.169.254): the EC2 instance "
                          "metadata service"),
    ("64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:a9fe is reserved"),
    ("not-an-address", "'not-an-address' is not an IP address"),
])
def test_a_public_only_read_refuses_every_special_purpose_address_and_names_it(address, said):
    assert PUBLIC.refusal(address) == said


@pytest.mark.parametrize("address", ["3.3.3.3", "52.95.110.1", "2600:1f18:4a3:6902::1",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert PUBLIC.refusal(address) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_an_emulators_loopback_is_allowed_by_its_quirk(address):
    assert PUBLIC_OR_LOOPBACK.refusal(address) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.5", "0.0.0.0", "fd00:ec2::254"])
def test_loopback_allowed_still_refuses_the_rest(address):
    assert PUBLIC_OR_LOOPBACK.refusal(address) is not None


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "::1", "192.168.1.1"])
def test_a_url_the_user_chose_may_go_anywhere(address):
    assert ANY.refusal(address) is None
