"""Real AWS through the standard boto3 credential chain."""

from __future__ import annotations

import botocore.exceptions

from pipeline_harness.errors import TargetUnreachable
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Capabilities, Quirks, Target

QUIRKS = Quirks(creates_prerequisites=False, needs_allowed_account=True)


def real(region: str, profile: str | None = None) -> Target:
    try:
        session = sessions.session(region, profile)
    except botocore.exceptions.ProfileNotFound as err:
        raise TargetUnreachable(f"AWS profile {profile!r} is not configured: {err}") from None
    return Target(name="aws", region=region, session=session, capabilities=Capabilities(),
                  quirks=QUIRKS)
