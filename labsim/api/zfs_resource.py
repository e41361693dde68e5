"""``zfs.resource`` (25.10+) and ``zfs.resource.snapshot`` (26+), charged like snapshot queries."""

from __future__ import annotations

from typing import Final

from labsim import snapshots as snap
from labsim.backups import backups_of
from labsim.rpc import CallContext, MethodTable

from .snapshot import charged

METHODS: Final = MethodTable()


@METHODS.register("zfs.resource.query", 1, role="ZFS_RESOURCE_READ", since="25.10")
async def resource_query(ctx: CallContext) -> object:
    """``zfs.resource.query`` (25.10+)."""
    lab = backups_of(ctx.state)
    result, seconds = snap.resource_query(lab.store, lab.cost, ctx.params)
    return await charged(lab, result, seconds)


@METHODS.register("zfs.resource.snapshot.query", 1, role="SNAPSHOT_READ", since="26")
async def resource_snapshot_query(ctx: CallContext) -> object:
    """``zfs.resource.snapshot.query`` (26+)."""
    lab = backups_of(ctx.state)
    result, seconds = snap.resource_snapshot_query(lab.store, lab.cost, ctx.params)
    return await charged(lab, result, seconds)


@METHODS.register("zfs.resource.snapshot.count", 1, role="SNAPSHOT_READ", since="26")
async def resource_snapshot_count(ctx: CallContext) -> object:
    """``zfs.resource.snapshot.count`` (26+)."""
    lab = backups_of(ctx.state)
    result, seconds = snap.resource_snapshot_count(lab.store, lab.cost, ctx.params)
    return await charged(lab, result, seconds)
