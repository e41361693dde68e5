"""``replication``: replication tasks and their runs (jobs)."""

from __future__ import annotations

from typing import Final

from labsim.backups import backups_of
from labsim.errors import CallError
from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable

from .args import task_id, unknown_task_job

METHODS: Final = MethodTable()


@METHODS.query("replication.query", role="REPLICATION_TASK_READ")
def replication_query(ctx: CallContext) -> list[Entry]:
    """``replication.query``."""
    lab = backups_of(ctx.state)
    return [lab.replication_entry(t) for t in lab.replications.values()]


# Given models in 25.10: ENOMETHOD on /api/v25.04.x of a 25.10+ box (see labsim.rpc.Method).
@METHODS.register("replication.run", 2, role="REPLICATION_TASK_WRITE", api_since="25.10")
def replication_run(ctx: CallContext) -> int:
    """``replication.run`` (job); an unknown id gives a job that fails."""
    lab = backups_of(ctx.state)
    wanted = task_id(ctx)
    try:
        rep = lab.replication(wanted)
    except CallError as err:
        return unknown_task_job(ctx, err)
    return lab.start_replication(rep)
