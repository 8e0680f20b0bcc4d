"""The one ownership rule: a resource is changed (updated, attached to, deleted, deregistered)
only when it carries the harness's run tag — or the journal says this machine made it and died
before tagging it. A same-named resource without it is never touched: provisioning refuses it
before creating anything, teardown leaves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline_harness.core.errors import NotOurs
from pipeline_harness.kinds.base import MISSING, Kind
from pipeline_harness.kinds.journal import Journal
from pipeline_harness.settings import TAG_RUN_ID
from pipeline_harness.targets.context import Context


def journal(ctx: Context) -> Journal:
    target = ctx.target
    return Journal(target.endpoint_url or target.name, target.account, target.region)


def ours(ctx: Context, kind: Kind, found: Any) -> bool:
    if TAG_RUN_ID in kind.tags(ctx, found):
        return True
    return (kind.key in ctx.target.quirks.tagged_after_create
            and journal(ctx).holds(kind.key, kind.name(ctx.names)))


def foreign(ctx: Context, kinds: Iterable[Kind]) -> list[str]:
    """The resources of these kinds that exist under the run's names and aren't ours."""
    seen = []
    for kind in kinds:
        name = kind.name(ctx.names)
        found = kind.read(ctx, name)
        if found is not MISSING and not ours(ctx, kind, found):
            seen.append(f"{kind.title} {name}")
    return seen


def refuse_foreign(ctx: Context, kinds: Iterable[Kind]) -> None:
    """Raise NotOurs (exit 2), naming every same-named resource someone else made, before any create."""
    taken = foreign(ctx, kinds)
    if taken:
        raise NotOurs(
            f"{'; '.join(taken)} already exist{'s' if len(taken) == 1 else ''} and "
            f"{'was' if len(taken) == 1 else 'were'} not made by pipeline-harness (no {TAG_RUN_ID} "
            "tag); nothing was created. Choose names of your own with --prefix (e.g. --prefix "
            "mylab-), or remove them")


def ensure(ctx: Context, kind: Kind, desired: dict) -> Any:
    """The resource as `desired` says: made (tagged) when missing, converged when ours, else NotOurs."""
    name = kind.name(ctx.names)
    found = kind.read(ctx, name)
    if found is MISSING:
        if kind.key in ctx.target.quirks.tagged_after_create:
            with journal(ctx).creating(kind.key, name):
                found = kind.create(ctx, name, desired)
        else:
            found = kind.create(ctx, name, desired)
    elif not ours(ctx, kind, found):
        raise NotOurs(f"{kind.title} {name} exists and was not made by pipeline-harness; nothing "
                      "of it was changed. Use --prefix for names of your own, or remove it")
    elif kind.update is not None:
        found = kind.update(ctx, found, desired)
    ctx.found[kind.key] = found
    return found


def delete(ctx: Context, kind: Kind) -> str:
    """Delete the resource of the run's name if it is ours: deleted, absent, or not ours."""
    name = kind.name(ctx.names)
    found = kind.read(ctx, name)
    if found is MISSING:
        return "absent"
    if not ours(ctx, kind, found):
        return "not ours"
    kind.delete(ctx, found)
    ctx.found.pop(kind.key, None)
    if kind.key in ctx.target.quirks.tagged_after_create:
        journal(ctx).forget(kind.key, name)
    return "deleted"
