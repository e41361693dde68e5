"""``cloudsync``: cloud sync tasks, their runs (jobs) and aborts."""

from __future__ import annotations

import errno
from typing import Final

from labsim.backups import backups_of
from labsim.errors import CallError, single_error
from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable

from .args import task_id, unknown_task_job

METHODS: Final = MethodTable()


@METHODS.query("cloudsync.query", role="CLOUD_SYNC_READ")
def cloudsync_query(ctx: CallContext) -> list[Entry]:
    """``cloudsync.query``."""
    lab = backups_of(ctx.state)
    version = ctx.session.version
    return [lab.cloudsync_entry(t, version) for t in lab.cloudsyncs.values()]


@METHODS.register("cloudsync.sync", 2, role="CLOUD_SYNC_WRITE", api_since="25.10")
def cloudsync_sync(ctx: CallContext) -> int:
    """``cloudsync.sync`` (job); an unknown id gives a job that fails."""
    lab = backups_of(ctx.state)
    try:
        sync = lab.cloudsync(task_id(ctx))
    except CallError as err:
        if err.errno != errno.ENOENT:
            raise
        return unknown_task_job(ctx, err)
    options = ctx.params[1] if len(ctx.params) > 1 else {}
    if not isinstance(options, dict):
        raise single_error("cloud_sync_sync_options", "Input should be a valid dictionary")
    return lab.start_cloudsync(sync)


@METHODS.register("cloudsync.abort", 1, role="CLOUD_SYNC_WRITE", api_since="25.10")
def cloudsync_abort(ctx: CallContext) -> bool:
    """``cloudsync.abort``."""
    lab = backups_of(ctx.state)
    return lab.abort_cloudsync(lab.cloudsync(task_id(ctx)))
