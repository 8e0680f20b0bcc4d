"""Real AWS through the standard boto3 credential chain."""

from __future__ import annotations

from pipeline_harness.errors import TargetUnreachable
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Capabilities, Quirks, Target

QUIRKS = Quirks(creates_prerequisites=False, needs_allowed_account=True)


def real(region: str, profile: str | None = None, endpoint_url: str | None = None) -> Target:
    """AWS through the standard credential chain; `endpoint_url`, when given, is where every call
    goes (a VPC endpoint, a proxy, any AWS-compatible server)."""
    if profile and profile not in sessions.profiles():
        raise TargetUnreachable(f"AWS profile {profile!r} is not configured (see `aws configure "
                                f"list-profiles`)")
    return Target(name="aws", region=region, endpoint_url=endpoint_url,
                  session=sessions.session(region, profile),
                  capabilities=Capabilities(),
                  quirks=QUIRKS)
