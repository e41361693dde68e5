"""``zfs.snapshot`` (private from 25.10, gone in 26) and ``pool.snapshot`` (25.10+).

The two share their handlers. A query is charged the time of the snapshot cost model
(``labsim.snapshots``).
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from labsim import snapshots as snap
from labsim.backups import BackupLab, backups_of
from labsim.rpc import CallContext, MethodTable


async def charged(lab: BackupLab, result: Any, seconds: float) -> Any:
    """Answer ``result`` after the time the cost model charges (scaled by ``cost_delay``)."""
    if lab.cost_delay > 0:
        await asyncio.sleep(seconds * lab.cost_delay)
    return result


METHODS: Final = MethodTable()


# 25.10 made zfs.snapshot a private service (no role grants it); 26 has none.
@METHODS.register(
    "zfs.snapshot.query", 2, role="SNAPSHOT_READ", admin_only_since="25.10", dropped_in="26"
)
@METHODS.register("pool.snapshot.query", 2, role="SNAPSHOT_READ", since="25.10")
async def snapshot_query(ctx: CallContext) -> object:
    """``zfs.snapshot.query`` (25.04) and ``pool.snapshot.query`` (25.10+)."""
    lab = backups_of(ctx.state)
    result, seconds = snap.legacy_query(lab.store, lab.cost, ctx.method, ctx.params)
    return await charged(lab, result, seconds)


@METHODS.register(
    "zfs.snapshot.create", 1, role="SNAPSHOT_WRITE", admin_only_since="25.10", dropped_in="26"
)
@METHODS.register("pool.snapshot.create", 1, role="SNAPSHOT_WRITE", since="25.10")
def snapshot_create(ctx: CallContext) -> dict[str, Any]:
    """``zfs.snapshot.create`` (25.04, CallError on a duplicate) / ``pool.snapshot.create``."""
    lab = backups_of(ctx.state)
    created = snap.create_snapshots(
        lab.store,
        ctx.params[0] if ctx.params else None,
        lab.now(),
        "snapshot_create" if ctx.method.startswith("zfs.") else ctx.method,
        validation_duplicates=ctx.method == "pool.snapshot.create",
    )
    entry = snap.legacy_entry(created, [])
    entry["properties"] = {}
    if ctx.method == "pool.snapshot.create":
        # PoolSnapshotCreateUpdateEntry excludes them (a new snapshot has no holds yet).
        del entry["holds"], entry["retention"]
    return entry
