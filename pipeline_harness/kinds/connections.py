"""CodeStar Connections: the GitHub connection. Usually the user's own: the harness makes one only
when asked (it then stays PENDING until a person completes the GitHub handshake)."""

from __future__ import annotations

from typing import Any

from pipeline_harness.kinds.base import MISSING, Actions, Found, Kind, NameRule, tag_map
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context

SERVICE = "codestar-connections"
MAX_PAGES = 20


def by_arn(ctx: Context, arn: str) -> Any:
    client = ctx.client(SERVICE)
    try:
        return client.get_connection(ConnectionArn=arn)["Connection"]
    except client.exceptions.ResourceNotFoundException:
        return MISSING


def listed(target: Target, **filters: str) -> list[dict]:
    """The account's connections. ListConnections has no paginator in botocore's model, so its
    pages are followed here, boundedly (a lab account holds a handful)."""
    client, found, token = target.client(SERVICE), [], None
    for _ in range(MAX_PAGES):
        page = client.list_connections(**filters, **({"NextToken": token} if token else {}))
        found.extend(page.get("Connections", []))
        token = page.get("NextToken")
        if not token:
            break
    return found


def read(ctx: Context, name: str) -> Found:
    if ctx.settings.connection_arn:
        return by_arn(ctx, ctx.settings.connection_arn)
    return next((c for c in listed(ctx.target, ProviderTypeFilter="GitHub") if c["ConnectionName"] == name),
                MISSING)


def _tags(ctx: Context, connection: dict) -> dict[str, str]:
    listed = ctx.client(SERVICE).list_tags_for_resource(ResourceArn=connection["ConnectionArn"])
    return tag_map(listed["Tags"])


def _create(ctx: Context, name: str, desired: dict) -> dict:
    made = ctx.client(SERVICE).create_connection(ProviderType="GitHub", ConnectionName=name,
                                                 Tags=ctx.tag_list())
    return {"ConnectionArn": made["ConnectionArn"], "ConnectionName": name,
            "ConnectionStatus": "PENDING", "ProviderType": "GitHub"}


def _delete(ctx: Context, connection: dict) -> None:
    ctx.client(SERVICE).delete_connection(ConnectionArn=connection["ConnectionArn"])


def _names(target: Target) -> list[str]:
    return [c["ConnectionName"] for c in listed(target)]


CONNECTION = Kind(
    key="connection_name", title="GitHub connection", service=SERVICE,
    rule=NameRule(32, r"[\w-]+", "letters, digits, _ and -"),
    actions=Actions(read=("codestar-connections:ListConnections", "codestar-connections:GetConnection"),
                    owner=("codestar-connections:ListTagsForResource",),
                    create=("codestar-connections:CreateConnection", "codestar-connections:TagResource"),
                    delete=("codestar-connections:DeleteConnection",),
                    list=("codestar-connections:ListConnections",)),
    read=read, tags=_tags, create=_create, delete=_delete, names=_names,
    inventory=lambda target: set(_names(target)),
)
