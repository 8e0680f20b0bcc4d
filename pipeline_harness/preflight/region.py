"""Does the region serve every service the run uses? One short read per service (`probes.REGION_PROBES`):
a region without a service has no endpoint for it, so the call cannot connect; any answer, a refusal
included, proves the endpoint is there (what the role may do is the permission lines' business).
"""

from __future__ import annotations

import botocore.exceptions

from pipeline_harness import kinds
from pipeline_harness.core.errors import first_line
from pipeline_harness.preflight.lines import line
from pipeline_harness.preflight.probes import REGION_PROBES
from pipeline_harness.steps import PREREQUISITES
from pipeline_harness.steps.base import CheckResult
from pipeline_harness.targets.context import Context

# answers that come from the endpoint but say the account cannot use this region (an opt-in
# region not enabled, credentials from another partition): the run would fail there too
NOT_ENABLED = frozenset({"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure",
                         "OptInRequired", "SubscriptionRequiredException"})


def services() -> list[str]:
    """The services the run calls: the registry's, and STS (who am I)."""
    return sorted({"sts", *(kind.service for kind in kinds.REGISTRY)})


def probe(ctx: Context, service: str) -> CheckResult:
    """Whether the region serves `service`: one short read, its answer (or none) judged."""
    region = ctx.target.region
    check_id, title = f"region.{service}", f"Region {region} serves {service}"
    reason = ctx.target.gap(service)
    if reason:
        return line(check_id, PREREQUISITES, title, "skip", f"skipped: {reason}")
    operation, params = REGION_PROBES[service]
    client = ctx.client(service)
    try:
        getattr(client, botocore.xform_name(operation))(**params)
    except botocore.exceptions.EndpointConnectionError as err:
        return line(check_id, PREREQUISITES, title, "fail",
                    f"nothing answers at its endpoint ({first_line(err)}): {service} is not offered in "
                    f"{region}", "choose a region that offers every service of the lab (NIGHTLY_AWS_REGION)")
    except botocore.exceptions.ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in NOT_ENABLED:
            return line(check_id, PREREQUISITES, title, "fail",
                        f"{service} in {region} refuses this account ({code}: {first_line(err)}); "
                        "is the region enabled for the account?")
        return line(check_id, PREREQUISITES, title, "pass", f"{operation} answered ({code})")
    except botocore.exceptions.BotoCoreError as err:
        return line(check_id, PREREQUISITES, title, "error", f"{operation} failed: {first_line(err)}")
    return line(check_id, PREREQUISITES, title, "pass", f"{operation} answered")
