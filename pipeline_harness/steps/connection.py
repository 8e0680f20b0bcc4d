"""Step 2: the GitHub connection (CodeStar Connections).

A connection made through the API stays PENDING until a person finishes the GitHub handshake in
the console, so the harness prefers an existing AVAILABLE connection and never pretends.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline_harness.core.errors import ConfigError, HarnessError
from pipeline_harness.kinds import ownership
from pipeline_harness.kinds.base import MISSING
from pipeline_harness.kinds.codepipeline import PIPELINE
from pipeline_harness.kinds.connections import CONNECTION, SERVICE
from pipeline_harness.steps.base import Check, Resource, Step, dig, equals, reader
from pipeline_harness.targets.context import Context

NUMBER = 2
# the console makes codeconnections ARNs since July 2024; older connections keep codestar-connections
CONNECTION_ARN = re.compile(r"arn:aws[\w-]*:(?P<service>codestar-connections|codeconnections):"
                            r"(?P<region>[a-z0-9-]+):(?P<account>\d{12}):connection/[\w-]+")
# read_pipelines reads the connection through the service its ARN's prefix names, chosen at run
# time: the services its calls may be made on, for iam.calls, which finds the calls themselves
TALKS_TO = ("codestar-connections", "codeconnections")
HANDSHAKE_HINT = ("Developer Tools → Connections → select the connection → Update pending "
                  "connection, then authorize AWS Connector for GitHub and grant the repository")


def _made(ctx: Context) -> bool:
    """Only on request, and never when the user names a connection of their own."""
    return ctx.settings.create_connection and not ctx.settings.connection_arn


RESOURCES = (Resource(CONNECTION, lambda ctx: {}, made=_made),)
read = reader(CONNECTION)


def arn(ctx: Context) -> str:
    """The ARN the pipeline's Source action uses; a target without the API gets its placeholder."""
    if ctx.settings.connection_arn:
        return ctx.settings.connection_arn
    placeholder = ctx.target.quirks.placeholder_connection_arn
    if placeholder and ctx.target.gap(SERVICE):
        return placeholder.format(region=ctx.names.region, account_id=ctx.names.account_id)
    connection = ctx.read(read)
    if connection is MISSING:
        raise ConfigError(f"no connection named {ctx.names.connection_name}: give connection_arn "
                          "(an AVAILABLE CodeStar connection) or set create_connection")
    return str(connection["ConnectionArn"])


def ensure(ctx: Context) -> dict:
    """The connection the pipeline will use, AVAILABLE; a new one is made only on request."""
    if ctx.target.gap(SERVICE):
        if not (ctx.settings.connection_arn or ctx.target.quirks.placeholder_connection_arn):
            ctx.target.require(SERVICE)
        return {"arn": arn(ctx), "status": f"skipped: {ctx.target.gap(SERVICE)}"}
    connection = ctx.read(read)
    if connection is MISSING and _made(ctx):
        made = ownership.ensure(ctx, CONNECTION, {})
        raise HarnessError(f"created connection {made['ConnectionArn']}; it stays PENDING until you "
                           f"finish the GitHub handshake: {HANDSHAKE_HINT}. Then run again with "
                           f"connection_arn={made['ConnectionArn']}")
    if connection is MISSING:
        raise ConfigError(f"connection {ctx.settings.connection_arn or ctx.names.connection_name} "
                          "not found: give connection_arn of an AVAILABLE connection, or set "
                          "create_connection to make one")
    if connection["ConnectionStatus"] != "AVAILABLE":
        raise HarnessError(f"connection {connection['ConnectionArn']} is "
                           f"{connection['ConnectionStatus']}, expected AVAILABLE: {HANDSHAKE_HINT}")
    return {"arn": connection["ConnectionArn"], "status": connection["ConnectionStatus"]}


# --- checks: the connection the pipeline actually uses -----------------------------------------

def pipeline_arn(ctx: Context) -> str | None:
    """The ConnectionArn of the pipeline's Source action, as the pipeline names it (None: no
    pipeline, or a target without CodePipeline)."""
    if ctx.target.gap(PIPELINE.service):
        return None
    pipeline = ctx.read(reader(PIPELINE))
    if pipeline is MISSING:
        return None
    arns = [dig(action, "configuration", "ConnectionArn")
            for stage in dig(pipeline, "pipeline", "stages", default=[]) for action in stage["actions"]
            if dig(action, "actionTypeId", "category") == "Source"]
    return next((str(arn) for arn in arns if arn), None)


def lab_arn_problem(arn: str, ctx: Context) -> str | None:
    """Why `arn` is no connection ARN of the graded account and region (None: it is one)."""
    match = CONNECTION_ARN.fullmatch(arn)
    if match is None:
        return "not a codestar-connections or codeconnections connection ARN"
    where = [f"{what} {value} (the lab's is {lab})" for what, value, lab in (
        ("account", match["account"], ctx.names.account_id), ("region", match["region"], ctx.names.region))
        if value != lab]
    return f"a connection of another {', '.join(where)}" if where else None


def read_pipelines(ctx: Context) -> Any:
    """The connection the pipeline's ConnectionArn names: MISSING when it names none in the
    account; None when there is no ARN of the lab's account and region, or no API, to look it up."""
    arn = pipeline_arn(ctx)
    match = CONNECTION_ARN.fullmatch(arn or "")
    if arn is None or match is None or lab_arn_problem(arn, ctx):
        return None
    # IAM authorises each prefix on its own ARNs, so each ARN is read through its own service
    service = match["service"] if not ctx.target.gap(match["service"]) else SERVICE
    if ctx.target.gap(service):
        return None
    client = ctx.client(service)
    try:
        return client.get_connection(ConnectionArn=arn)["Connection"]
    except client.exceptions.ResourceNotFoundException:
        return MISSING


def read_named(ctx: Context) -> Any:
    """The connection of the lab's name (or the one settings name by ARN)."""
    return ctx.read(read)


def read_used(ctx: Context) -> Any:
    """Step 2 grades the connection the pipeline uses; without one, the connection of the lab's name."""
    used = ctx.read(read_pipelines)
    return ctx.read(read_named) if used is None or used is MISSING else used


_NEEDS = ((SERVICE, None),)
CHECKS = (
    Check(id="connection.available", step=NUMBER, title="The pipeline's GitHub connection is Available",
          hint="Connection status must be \"Available\": complete the GitHub authorization and grant "
          "the repository (Step 2 Common Mistakes)",
          read=read_used, judge=equals(lambda ctx: "AVAILABLE", lambda c: c["ConnectionStatus"]),
          needs=_NEEDS),
    Check(id="connection.provider", step=NUMBER, title="The pipeline's connection's provider is GitHub",
          hint="Select GitHub when creating the connection (Step 2)",
          read=read_used, judge=equals(lambda ctx: "GitHub", lambda c: c["ProviderType"]), needs=_NEEDS),
)

# the connection is the user's: found and checked usable, made only on request (never by the generic path)
STEP = Step(name="connection", number=NUMBER, title="Create GitHub Connection", resources=RESOURCES,
            checks=CHECKS, adopt=ensure)
