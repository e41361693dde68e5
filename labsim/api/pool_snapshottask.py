"""``pool.snapshottask``: periodic snapshot tasks (the tasks themselves: ``labsim.backups``)."""

from __future__ import annotations

from typing import Final

from labsim.backups import backups_of
from labsim.errors import CallError
from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable

from .args import task_id

METHODS: Final = MethodTable()


@METHODS.query("pool.snapshottask.query", role="SNAPSHOT_TASK_READ")
def snapshottask_query(ctx: CallContext) -> list[Entry]:
    """``pool.snapshottask.query``."""
    lab = backups_of(ctx.state)
    return [lab.snapshot_task_entry(t) for t in lab.snapshot_tasks.values()]


@METHODS.register("pool.snapshottask.run", 1, role="SNAPSHOT_TASK_WRITE")
def snapshottask_run(ctx: CallContext) -> None:
    """``pool.snapshottask.run``: not a job; handed to zettarepl."""
    lab = backups_of(ctx.state)
    task = lab.snapshot_task(task_id(ctx))
    if not task.enabled:
        raise CallError("Task is not enabled")
    if not lab.runtime["snapshot_task", task.id].running:
        lab.state._spawn(lab._run_snapshot_task_later(task))  # noqa: SLF001
