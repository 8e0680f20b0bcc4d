"""Real AWS through the standard boto3 credential chain."""

from __future__ import annotations

from pipeline_harness.errors import TargetUnreachable
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Capabilities, Quirks, Target

QUIRKS = Quirks(creates_prerequisites=False, needs_allowed_account=True)


def real(region: str, profile: str | None = None) -> Target:
    if profile and profile not in sessions.profiles():
        raise TargetUnreachable(f"AWS profile {profile!r} is not configured (see `aws configure "
                                f"list-profiles`)")
    return Target(name="aws", region=region, session=sessions.session(region, profile),
                  capabilities=Capabilities(),
                  quirks=QUIRKS)
