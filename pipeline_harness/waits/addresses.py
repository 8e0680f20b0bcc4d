"""Which addresses an HTTP read may connect to, checked on every address a name resolves to.

The grader reads an app someone else controls: on AWS its load balancer must resolve to public
addresses only, so a student's DNS name (or a redirect, which is never followed anyway) cannot
send it to the metadata service, the teacher's network or this machine. Python's `ipaddress`
knows the special-purpose registries; only the cloud's metadata addresses are named here, so a
refusal says what they are.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = {
    ipaddress.ip_address("169.254.169.254"): "the EC2 instance metadata service",
    ipaddress.ip_address("fd00:ec2::254"): "the EC2 instance metadata service",
    ipaddress.ip_address("169.254.170.2"): "the ECS task metadata endpoint",
}
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: neither private nor global

# the first kind that holds names the refusal; the last catches what the registries call not global
_KINDS: tuple[tuple[str, Callable[[IPAddress], bool]], ...] = (
    ("loopback", lambda a: a.is_loopback),
    ("link-local", lambda a: a.is_link_local),
    ("unspecified", lambda a: a.is_unspecified),
    ("multicast", lambda a: a.is_multicast),  # ipaddress calls some multicast ranges global
    ("shared address space (carrier-grade NAT, 100.64.0.0/10)", lambda a: a in SHARED),
    ("private", lambda a: a.is_private),  # RFC 1918, unique local fc00::/7, documentation, …
    ("reserved", lambda a: a.is_reserved),
    ("not globally reachable", lambda a: not a.is_global),
)


@dataclass(frozen=True)
class AddressPolicy:
    """The addresses a read may connect to: public ones, and what the policy adds."""

    name: str
    loopback: bool = False  # 127.0.0.0/8 and ::1, where an emulator serves the app
    anything: bool = False  # the user chose the URL (`wait http`): their network is theirs

    def refusal(self, text: str) -> str | None:
        """Why the address `text` may not be connected to; None when it may."""
        if self.anything:
            return None
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return f"{text!r} is not an IP address"
        judged = _embedded(address) or address
        if self.loopback and judged.is_loopback:
            return None
        kind = next((name for name, holds in _KINDS if holds(judged)), None)
        if kind is None:
            return None
        within = f" ({judged})" if judged is not address else ""
        known = f": {METADATA[judged]}" if judged in METADATA else ""
        return f"{text} is {kind}{within}{known}"


def _embedded(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (IPv4-mapped ::ffff:a.b.c.d, 6to4), judged in its place."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour
    return None


PUBLIC = AddressPolicy("public addresses only")
PUBLIC_OR_LOOPBACK = AddressPolicy("public or loopback addresses", loopback=True)
ANY = AddressPolicy("any address", anything=True)
