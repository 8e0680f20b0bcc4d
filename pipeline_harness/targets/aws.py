"""Real AWS through the standard boto3 credential chain."""

from __future__ import annotations

import botocore.exceptions

from pipeline_harness.core.errors import ConfigError, TargetUnreachable, first_line
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Capabilities, Quirks, Target

QUIRKS = Quirks(creates_prerequisites=False, needs_allowed_account=True)


def real(region: str, profile: str | None = None, endpoint_url: str | None = None,
         allowed_accounts: frozenset[str] = frozenset()) -> Target:
    """AWS through the standard credential chain; `endpoint_url`, when given, is where every call
    goes (a VPC endpoint, a proxy, any AWS-compatible server). Only `allowed_accounts` may be
    changed: in any other, every client refuses all but reads (QUIRKS.needs_allowed_account)."""
    try:
        known = sessions.profiles() if profile else []
    except botocore.exceptions.BotoCoreError as err:  # a config file botocore cannot parse
        raise ConfigError(f"the AWS config files cannot be read: {first_line(err)}") from err
    if profile and profile not in known:
        raise TargetUnreachable(f"AWS profile {profile!r} is not configured (see `aws configure "
                                f"list-profiles`)")
    return Target(name="aws", region=region, endpoint_url=endpoint_url,
                  session=sessions.session(region, profile),
                  capabilities=Capabilities(),
                  quirks=QUIRKS, allowed_accounts=allowed_accounts)
