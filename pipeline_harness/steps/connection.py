"""Step 2: the GitHub connection (CodeStar Connections).

A connection made through the API stays PENDING until a person finishes the GitHub handshake in
the console, so the harness prefers an existing AVAILABLE connection and never pretends.
"""

from __future__ import annotations

from pipeline_harness.errors import ConfigError, HarnessError
from pipeline_harness.steps.base import MISSING, Check, Context, carries_our_tag, equals

SERVICES = ()  # its own gap is handled in ensure: moto's pipeline still needs a placeholder ARN
STEP = 2
KEY = "github_connection"
SERVICE = "codestar-connections"
HANDSHAKE_HINT = ("Developer Tools → Connections → select the connection → Update pending "
                  "connection, then authorize AWS Connector for GitHub and grant the repository")


def read(ctx: Context):
    ctx.target.require(SERVICE)
    client = ctx.client(SERVICE)
    if ctx.settings.connection_arn:
        try:
            return client.get_connection(ConnectionArn=ctx.settings.connection_arn)["Connection"]
        except client.exceptions.ResourceNotFoundException:
            return MISSING
    pages = client.get_paginator("list_connections").paginate(ProviderTypeFilter="GitHub")
    for page in pages:
        for connection in page["Connections"]:
            if connection["ConnectionName"] == ctx.names.connection_name:
                return connection
    return MISSING


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
    return connection["ConnectionArn"]


def ensure(ctx: Context) -> dict:
    if ctx.target.gap(SERVICE):
        if not (ctx.settings.connection_arn or ctx.target.quirks.placeholder_connection_arn):
            ctx.target.require(SERVICE)
        return {"arn": arn(ctx), "status": f"skipped: {ctx.target.gap(SERVICE)}"}
    connection = ctx.read(read)
    if connection is MISSING and ctx.settings.create_connection and not ctx.settings.connection_arn:
        made = ctx.client(SERVICE).create_connection(
            ProviderType="GitHub", ConnectionName=ctx.names.connection_name, Tags=ctx.tag_list())
        ctx.created.add(KEY)
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


def delete(ctx: Context) -> str:
    if ctx.target.gap(SERVICE) or ctx.settings.connection_arn:
        return "absent"  # a given connection is the user's, never ours to delete
    connection = read(ctx)
    if connection is MISSING:
        return "absent"
    client = ctx.client(SERVICE)
    tags = client.list_tags_for_resource(ResourceArn=connection["ConnectionArn"])["Tags"]
    if KEY not in ctx.created and not carries_our_tag(tags):
        return "not ours"
    client.delete_connection(ConnectionArn=connection["ConnectionArn"])
    return "deleted"


CHECKS = [
    Check("connection.available", STEP, "GitHub connection is Available",
          "Connection status must be \"Available\": complete the GitHub authorization and grant "
          "the repository (Step 2 Common Mistakes)",
          read, equals(lambda ctx: "AVAILABLE", lambda c: c["ConnectionStatus"]),
          needs=((SERVICE, None),)),
    Check("connection.provider", STEP, "Connection provider is GitHub",
          "Select GitHub when creating the connection (Step 2)",
          read, equals(lambda ctx: "GitHub", lambda c: c["ProviderType"]),
          needs=((SERVICE, None),)),
]
