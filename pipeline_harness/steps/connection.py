"""Step 2: the GitHub connection (CodeStar Connections).

A connection made through the API stays PENDING until a person finishes the GitHub handshake in
the console, so the harness prefers an existing AVAILABLE connection and never pretends.
"""

from __future__ import annotations

from pipeline_harness.context import Context
from pipeline_harness.errors import ConfigError, HarnessError
from pipeline_harness.kinds import ownership
from pipeline_harness.kinds.base import MISSING
from pipeline_harness.kinds.connections import CONNECTION, SERVICE
from pipeline_harness.steps.base import Check, Resource, equals, reader

STEP = 2
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


_NEEDS = ((SERVICE, None),)
CHECKS = [
    Check("connection.available", STEP, "GitHub connection is Available",
          "Connection status must be \"Available\": complete the GitHub authorization and grant "
          "the repository (Step 2 Common Mistakes)",
          read, equals(lambda ctx: "AVAILABLE", lambda c: c["ConnectionStatus"]), _NEEDS),
    Check("connection.provider", STEP, "Connection provider is GitHub",
          "Select GitHub when creating the connection (Step 2)",
          read, equals(lambda ctx: "GitHub", lambda c: c["ProviderType"]), _NEEDS),
]
