"""The backups of one lab: the backup clock, the tasks' schedules and history, their jobs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from labsim import ejson, snapshots as snap
from labsim.backups.section import (
    LIFETIME_UNITS,
    MAX_HISTORY,
    PROGRESS_STEPS,
    SSH_CREDENTIALS,
    BackupsSection,
    CloudSyncDef,
    GenerateDef,
    ReplicationDef,
    SnapshotTaskDef,
)
from labsim.cron import Cron
from labsim.errors import get_instance
from labsim.rpc import REDACTED
from labsim.scenario import Dataset, JobDef
from labsim.state import LOAD_HOOKS, LabError, LabState, PerLab


@dataclass(slots=True)
class TaskRuntime:
    """What any task has while the lab runs."""

    kind: str
    id: int
    cron: Cron | None
    processed_until: datetime
    paused: bool = False
    """Its schedule no longer runs (``POST .../age`` made its last run old)."""
    fail_next: str | None = None
    stalled: asyncio.Event = field(default_factory=asyncio.Event)
    job: JobDef | None = None
    """The job running now (replication, cloud sync)."""
    queued: JobDef | None = None
    """A cloud sync waiting for the lock (``lock_queue_size=1``)."""
    running: bool = False
    seconds: float | None = None
    task: asyncio.Task[None] | None = None
    """What runs the job (cancelled by ``cloudsync.abort``)."""
    aborting: bool = False

    def __post_init__(self) -> None:
        """Not stalled."""
        self.stalled.set()


class BackupLab:
    """The backups of one `LabState`; rebuilt when the state reloads its scenario."""

    def __init__(self, state: LabState) -> None:
        """Build the store, the history and the tasks from the scenario."""
        self.state = state
        self.scenario = state.scenario
        section = self.section = state.scenario.section("backups", BackupsSection)
        self.started = datetime.now(UTC)
        self.anchor = section.clock or self.started
        self.offset = timedelta()
        self.job_seconds = dict(section.job_seconds)
        self.cost = snap.SnapshotCost()
        self.cost_delay = 0.0
        """Multiply charged server time by this and delay replies by it (0: only count)."""
        self._add_generated_datasets()
        self.store = snap.SnapshotStore(self._dataset_names())
        now = self.now()
        self.snapshot_tasks: dict[int, SnapshotTaskDef] = {t.id: t for t in section.snapshot_tasks}
        self.replications: dict[int, ReplicationDef] = {t.id: t for t in section.replications}
        self.cloudsyncs: dict[int, CloudSyncDef] = {t.id: t for t in section.cloudsyncs}
        self.runtime: dict[tuple[str, int], TaskRuntime] = {}
        self.task_state: dict[int, dict[str, Any]] = {}
        self.replication_state: dict[int, dict[str, Any]] = {}
        self.replication_job: dict[int, dict[str, Any] | None] = {}
        self.cloudsync_job: dict[int, dict[str, Any] | None] = {}
        for task in self.snapshot_tasks.values():
            self.runtime["snapshot_task", task.id] = TaskRuntime(
                "snapshot_task", task.id, Cron.parse(task.schedule), now
            )
            self.task_state[task.id] = {"state": "PENDING"}
        for rep in self.replications.values():
            cron = Cron.parse(rep.schedule) if rep.schedule is not None else None
            runtime = TaskRuntime("replication", rep.id, cron, now, seconds=rep.seconds)
            self.runtime["replication", rep.id] = runtime
            self.replication_state[rep.id] = {"state": "PENDING", "warnings": []}
            self.replication_job[rep.id] = None
        for sync in self.cloudsyncs.values():
            runtime = TaskRuntime(
                "cloudsync", sync.id, Cron.parse(sync.schedule), now, seconds=sync.seconds
            )
            self.runtime["cloudsync", sync.id] = runtime
            self.cloudsync_job[sync.id] = None
        self._build_history(now)

    # ------------------------------------------------------------ clock

    def now(self) -> datetime:
        """Return the backup clock."""
        return self.anchor + (datetime.now(UTC) - self.started) + self.offset

    # ------------------------------------------------------------ datasets

    def _generated_names(self) -> list[str]:
        gen = self.section.generate
        if gen is None:
            return []
        return generated_names(gen)

    def _add_generated_datasets(self) -> None:
        add_generated_datasets(self.state)

    def _dataset_names(self) -> list[str]:
        names: dict[str, None] = {}
        for pool in self.state.pools.values():
            if not pool.boot:
                names[pool.name] = None
        for dataset in self.state.datasets:
            if dataset.pool not in names:
                continue
            parts = dataset.name.split("/")
            for depth in range(2, len(parts) + 1):
                names["/".join(parts[:depth])] = None
        return sorted(names)

    # ------------------------------------------------------------ history

    def _task_datasets(self, task: SnapshotTaskDef) -> list[str]:
        if not self.store.has_dataset(task.dataset):
            return []
        names = self.store.descendants(task.dataset) if task.recursive else [task.dataset]
        return [
            name
            for name in names
            if not any(name == ex or name.startswith(ex + "/") for ex in task.exclude)
        ]

    def _lifetime(self, task: SnapshotTaskDef) -> timedelta:
        return timedelta(seconds=task.lifetime_value * LIFETIME_UNITS[task.lifetime_unit])

    def _build_history(self, now: datetime) -> None:
        """Take the snapshots a lab that ran for a while would have, in time order."""
        events: list[tuple[datetime, int, Any]] = []
        for task in self.snapshot_tasks.values():
            if not task.enabled and task.history is None:
                # A disabled task keeps what it took before it was disabled.
                fires = self._fires_before(task, now - timedelta(days=16), 3)
            else:
                fires = self._fires_before(task, now, task.history)
            events.extend((fire, 0, task) for fire in fires)
        events.extend((item.created, 1, item) for item in self.section.snapshots)
        events.sort(key=lambda event: (event[0], event[1]))
        last_fire: dict[int, datetime] = {}
        for when, _, item in events:
            if isinstance(item, SnapshotTaskDef):
                self._take(item, when)
                last_fire[item.id] = when
            else:
                self.store.add_dataset(item.dataset)
                try:
                    self.store.create(item.dataset, item.name, item.created)
                except ValueError as err:
                    raise LabError(str(err)) from None
        for task in self.snapshot_tasks.values():
            fired = last_fire.get(task.id)
            if fired is None:
                continue
            self.task_state[task.id] = self._finished_state(task, fired, task.error)
        self._generate()
        for rep in self.replications.values():
            self._record_replication(rep, self._last_fire_replication(rep, now), rep.error)
        for sync in self.cloudsyncs.values():
            runtime = self.runtime["cloudsync", sync.id]
            fires = runtime.cron.fires_before(now, 1) if runtime.cron else []
            if fires:
                self._record_cloudsync(sync, fires[-1], sync.error)

    def _fires_before(
        self, task: SnapshotTaskDef, until: datetime, count: int | None
    ) -> list[datetime]:
        cron = Cron.parse(task.schedule)
        if count is None:
            start = until - self._lifetime(task)
            fires = list(cron.fires_between(start, until))
            return fires[-MAX_HISTORY:]
        return cron.fires_before(until, min(count, MAX_HISTORY))

    def _generate(self) -> None:
        gen = self.section.generate
        if gen is None:
            return
        names = self._generated_names()
        per, extra = divmod(gen.snapshots, len(names))
        most = per + (1 if extra else 0)
        # Oldest first across all datasets, so createtxg grows with time as on a real pool.
        for step in range(most):
            when = gen.until - timedelta(seconds=gen.interval * (most - 1 - step))
            name = when.strftime("gen-%Y-%m-%d_%H-%M-%S")
            for index, dataset in enumerate(names):
                count = per + (1 if index < extra else 0)
                if step >= most - count:
                    self.store.create(dataset, name, when)

    # ------------------------------------------------------------ snapshot tasks

    def _take(self, task: SnapshotTaskDef, when: datetime) -> str | None:
        """Run a periodic snapshot task at ``when``; return the last snapshot's full name."""
        name = when.strftime(task.naming_schema)
        last: str | None = None
        for dataset in self._task_datasets(task):
            if self.store.get(f"{dataset}@{name}") is None:
                last = self.store.create(dataset, name, when, owner=task.id).full_name
        self._prune(task, when)
        return last or f"{task.dataset}@{name}"

    def _prune(self, task: SnapshotTaskDef, when: datetime) -> None:
        cutoff = int((when - self._lifetime(task)).timestamp())
        for dataset in self._task_datasets(task):
            old = [
                s
                for s in self.store.by_dataset[dataset].values()
                if s.owner == task.id and s.creation <= cutoff
            ]
            for snapshot in old:
                self.store.destroy(snapshot, when)

    def _finished_state(
        self, task: SnapshotTaskDef, when: datetime, error: str | None
    ) -> dict[str, Any]:
        state: dict[str, Any] = {
            "state": "ERROR" if error else "FINISHED",
            "datetime": when + timedelta(seconds=1),
            "last_snapshot": f"{task.dataset}@{when.strftime(task.naming_schema)}",
        }
        if error:
            state["error"] = error
        return state

    def run_snapshot_task(self, task: SnapshotTaskDef, when: datetime) -> None:
        """Run a task now (schedule or ``pool.snapshottask.run``)."""
        runtime = self.runtime["snapshot_task", task.id]
        error, runtime.fail_next = runtime.fail_next, None
        if error is None:
            self._take(task, when)
        self.task_state[task.id] = self._finished_state(task, when, error)

    async def _run_snapshot_task_later(self, task: SnapshotTaskDef) -> None:
        runtime = self.runtime["snapshot_task", task.id]
        runtime.running = True
        self.task_state[task.id] = {**self.task_state[task.id], "state": "RUNNING"}
        self.task_state[task.id].pop("error", None)
        try:
            await asyncio.sleep(self.job_seconds["snapshot_task"])
            await runtime.stalled.wait()
            self.run_snapshot_task(task, self.now())
        finally:
            runtime.running = False

    # ------------------------------------------------------------ replication / cloud sync

    def _job_seconds(self, kind: str, runtime: TaskRuntime) -> float:
        return runtime.seconds if runtime.seconds is not None else self.job_seconds[kind]

    def _last_fire_replication(self, rep: ReplicationDef, now: datetime) -> datetime | None:
        runtime = self.runtime["replication", rep.id]
        if runtime.cron is not None:
            fires = runtime.cron.fires_before(now, 1)
            return fires[-1] if fires else None
        # Run after the periodic snapshot tasks it is bound to.
        times = [
            self.task_state[i]["datetime"]
            for i in rep.periodic_snapshot_tasks
            if i in self.task_state and "datetime" in self.task_state[i]
        ]
        return max(times) if times else None

    def _sources(self, rep: ReplicationDef) -> list[str]:
        names: list[str] = []
        for source in rep.source_datasets:
            if self.store.has_dataset(source):
                names.extend(self.store.descendants(source) if rep.recursive else [source])
        return names

    def _newest_snapshot(self, datasets: list[str], before: datetime | None = None) -> str | None:
        newest: snap.Snapshot | None = None
        limit = int(before.timestamp()) if before is not None else None
        for snapshot in self.store.in_datasets(datasets):
            if limit is not None and snapshot.creation > limit:
                continue
            if newest is None or snapshot.txg > newest.txg:
                newest = snapshot
        return newest.full_name if newest else None

    def _finished_job(  # noqa: PLR0917 - one finished run, described in full
        self,
        method: str,
        arguments: list[Any],
        started: datetime,
        seconds: float,
        error: str | None,
        description: str,
    ) -> JobDef:
        job = JobDef(
            id=self.state.next_job_id,
            method=method,
            arguments=arguments,
            state="FAILED" if error else "SUCCESS",
            percent=None if error else 100,
            description=description,
            error=error,
            time_started=started,
            time_finished=started + timedelta(seconds=seconds),
        )
        self.state.next_job_id += 1
        self.state.jobs[job.id] = job
        return job

    def _record_replication(
        self, rep: ReplicationDef, when: datetime | None, error: str | None
    ) -> None:
        if when is None:
            return
        seconds = max(60.0, rep.bytes / (80 * 1024**2))
        job = self._finished_job(
            "replication.run", [rep.id], when, seconds, error, f"Replicating {rep.name}"
        )
        state: dict[str, Any] = {
            "state": "ERROR" if error else "FINISHED",
            "datetime": job.time_finished,
            "warnings": [],
            "last_snapshot": self._newest_snapshot(self._sources(rep), when),
        }
        if error:
            state["error"] = error
        self.replication_state[rep.id] = state
        self.replication_job[rep.id] = self.state.job_entry(job)

    def _record_cloudsync(self, sync: CloudSyncDef, when: datetime, error: str | None) -> None:
        seconds = max(60.0, sync.bytes / (40 * 1024**2))
        job = self._finished_job(
            "cloudsync.sync", [sync.id], when, seconds, error, f"Syncing {sync.description}"
        )
        self.cloudsync_job[sync.id] = self._persisted(job)

    def _persisted(self, job: JobDef) -> dict[str, Any]:
        """A cloud sync's last job as ``cloudsync.query`` keeps it (``id`` is null)."""
        return {**self.state.job_entry(job), "id": None}

    # ------------------------------------------------------------ scheduler

    def tick(self) -> None:
        """Catch up with every fire time that passed on the backup clock."""
        now = self.now()
        for (kind, task_id), runtime in self.runtime.items():
            after, runtime.processed_until = (
                runtime.processed_until,
                max(now, runtime.processed_until),
            )
            if runtime.paused or runtime.running or runtime.job is not None:
                continue
            if kind == "snapshot_task":
                task = self.snapshot_tasks[task_id]
                if not task.enabled or runtime.cron is None:
                    continue
                for fire in runtime.cron.fires_between(after, now):
                    self.run_snapshot_task(task, fire)
            elif kind == "replication":
                rep = self.replications[task_id]
                if not rep.enabled:
                    continue
                fires = self._replication_fires(rep, runtime, after, now)
                if fires:
                    error, runtime.fail_next = runtime.fail_next, None
                    self._record_replication(rep, fires[-1], error)
            else:
                sync = self.cloudsyncs[task_id]
                if not sync.enabled or runtime.cron is None:
                    continue
                fires = list(runtime.cron.fires_between(after, now))
                if fires:
                    error, runtime.fail_next = runtime.fail_next, None
                    if sync.locked:
                        error = "Dataset is locked"
                    self._record_cloudsync(sync, fires[-1], error)

    def _replication_fires(
        self, rep: ReplicationDef, runtime: TaskRuntime, after: datetime, now: datetime
    ) -> list[datetime]:
        if runtime.cron is not None:
            return list(runtime.cron.fires_between(after, now))
        times = [
            self.task_state[i]["datetime"]
            for i in rep.periodic_snapshot_tasks
            if i in self.task_state and "datetime" in self.task_state[i]
        ]
        return [t for t in times if after < t <= now]

    # ------------------------------------------------------------ jobs

    def _new_job(self, method: str, arguments: list[Any], state: str) -> JobDef:
        """Add a job (``added`` as WAITING); a RUNNING one then starts (``changed``)."""
        return self.state.add_job(method, arguments, run=state == "RUNNING", now=self.now())

    def _fail_now(self, job: JobDef, error: str) -> None:
        self.state.fail_job(job, error, self.now())

    def start_replication(self, rep: ReplicationDef) -> int:
        """``replication.run``: a job; fails inside the job when not runnable, as the middleware."""
        runtime = self.runtime["replication", rep.id]
        job = self._new_job("replication.run", [rep.id], "RUNNING")
        if not rep.enabled:
            self._fail_now(job, "[EFAULT] Task is not enabled")
        elif runtime.job is not None or self.replication_state[rep.id]["state"] == "RUNNING":
            self._fail_now(job, "[EFAULT] Task is already running")
        elif self.replication_state[rep.id]["state"] == "HOLD":
            self._fail_now(job, "[EFAULT] Task is on hold")
        else:
            runtime.job = job
            self.state._spawn(self._run_replication(rep, runtime, job))  # noqa: SLF001
        return job.id

    async def _transfer(
        self, kind: str, runtime: TaskRuntime, job: JobDef, on_step: Any
    ) -> str | None:
        """Step a replication or cloud sync job to its end; return the error it failed with."""
        seconds = self._job_seconds(kind, runtime)
        for step in range(1, PROGRESS_STEPS + 1):
            await asyncio.sleep(seconds / PROGRESS_STEPS)
            await runtime.stalled.wait()
            if step < PROGRESS_STEPS:
                job.percent = step * 100 // PROGRESS_STEPS
                job.description = on_step(step)
                self.state._emit_job(job, "changed")  # noqa: SLF001
        error, runtime.fail_next = runtime.fail_next, None
        job.time_finished = self.now()
        if error:
            job.state, job.error = "FAILED", error
        else:
            job.state, job.percent = "SUCCESS", 100
        return error

    async def _run_replication(
        self, rep: ReplicationDef, runtime: TaskRuntime, job: JobDef
    ) -> None:
        sources = self._sources(rep)
        total = max(1, len(sources))
        state: dict[str, Any] = {"state": "RUNNING", "datetime": self.now(), "warnings": []}
        self.replication_state[rep.id] = state

        def step(index: int) -> str:
            sent = rep.bytes * index // PROGRESS_STEPS
            current = (
                sources[min(len(sources) - 1, index * total // PROGRESS_STEPS)]
                if sources
                else rep.target_dataset
            )
            state["progress"] = {
                "dataset": current,
                "snapshot": self._newest_snapshot([current]),
                "snapshots_sent": index * total // PROGRESS_STEPS,
                "snapshots_total": total,
                "bytes_sent": sent,
                "bytes_total": rep.bytes,
                "current": sent,
                "total": rep.bytes,
            }
            return f"Sending {current} ({index * total // PROGRESS_STEPS}/{total})"

        try:
            error = await self._transfer("replication", runtime, job, step)
            final: dict[str, Any] = {
                "state": "ERROR" if error else "FINISHED",
                "datetime": job.time_finished,
                "warnings": [],
                "last_snapshot": self._newest_snapshot(sources),
            }
            if error:
                final["error"] = error
            else:
                job.description = f"Sent {total} snapshots"
            self.replication_state[rep.id] = final
            self.replication_job[rep.id] = self.state.job_entry(job)
            self.state._emit_job(job, "changed")  # noqa: SLF001
        finally:
            runtime.job = None

    def start_cloudsync(self, sync: CloudSyncDef) -> int:
        """``cloudsync.sync``: a job with the lock ``cloud_sync:<id>`` (one more may wait)."""
        runtime = self.runtime["cloudsync", sync.id]
        if runtime.job is not None:
            if runtime.queued is not None:
                return runtime.queued.id
            queued = self._new_job("cloudsync.sync", [sync.id], "WAITING")
            runtime.queued = queued
            return queued.id
        job = self._new_job("cloudsync.sync", [sync.id], "RUNNING")
        self._launch_cloudsync(sync, runtime, job)
        return job.id

    def _launch_cloudsync(self, sync: CloudSyncDef, runtime: TaskRuntime, job: JobDef) -> None:
        if sync.locked:
            self._fail_now(job, "[EFAULT] Dataset is locked")
            self.cloudsync_job[sync.id] = self._persisted(job)
            return
        runtime.job = job
        self.cloudsync_job[sync.id] = self.state.job_entry(job)
        runtime.task = self.state._spawn(self._run_cloudsync(sync, runtime, job))  # noqa: SLF001

    async def _run_cloudsync(self, sync: CloudSyncDef, runtime: TaskRuntime, job: JobDef) -> None:
        def step(index: int) -> str:
            done = sync.bytes * index // PROGRESS_STEPS
            self.cloudsync_job[sync.id] = self.state.job_entry(job)
            return f"Transferred: {done} / {sync.bytes} Bytes, {index * 100 // PROGRESS_STEPS}%"

        try:
            await self._transfer("cloudsync", runtime, job, step)
            self.cloudsync_job[sync.id] = self._persisted(job)
            self.state._emit_job(job, "changed")  # noqa: SLF001
        except asyncio.CancelledError:
            if runtime.aborting:
                job.state, job.error, job.time_finished = "ABORTED", "Task was aborted", self.now()
                self.cloudsync_job[sync.id] = self._persisted(job)
                self.state._emit_job(job, "changed")  # noqa: SLF001
                return
            raise
        finally:
            runtime.job, runtime.task, runtime.aborting = None, None, False
            queued, runtime.queued = runtime.queued, None
            if queued is not None and sync.id in self.cloudsyncs:
                self.state.run_job(queued, self.now())
                self._launch_cloudsync(sync, runtime, queued)

    def abort_cloudsync(self, sync: CloudSyncDef) -> bool:
        """``cloudsync.abort``: abort the running sync."""
        runtime = self.runtime["cloudsync", sync.id]
        if runtime.job is None or runtime.task is None:
            return False
        runtime.aborting = True
        runtime.task.cancel()
        return True

    # ------------------------------------------------------------ entries

    def snapshot_task_entry(self, task: SnapshotTaskDef) -> dict[str, Any]:
        """Return a ``pool.snapshottask.query`` item."""
        return {
            "id": task.id,
            "dataset": task.dataset,
            "recursive": task.recursive,
            "lifetime_value": task.lifetime_value,
            "lifetime_unit": task.lifetime_unit,
            "enabled": task.enabled,
            "exclude": list(task.exclude),
            "naming_schema": task.naming_schema,
            "allow_empty": task.allow_empty,
            "schedule": dict(task.schedule),
            "vmware_sync": False,
            "state": dict(self.task_state[task.id]),
        }

    def _bound_snapshot_task(self, task: SnapshotTaskDef) -> dict[str, Any]:
        """A periodic snapshot task inside ``replication.query``: the database row.

        ``replication.extend`` copies the ``storage_task`` row (PoolSnapshotTaskDBEntry): no
        ``vmware_sync``, and ``state`` is the stored JSON text, not an object.
        """
        entry = self.snapshot_task_entry(task)
        del entry["vmware_sync"]
        entry["state"] = ejson.dumps(entry["state"])
        return entry

    def replication_entry(self, rep: ReplicationDef) -> dict[str, Any]:
        """Return a ``replication.query`` item."""
        state = dict(self.replication_state[rep.id])
        if "progress" in state:
            state["progress"] = dict(state["progress"])
        runtime = self.runtime["replication", rep.id]
        job = self.state.job_entry(runtime.job) if runtime.job else self.replication_job[rep.id]
        return {
            "id": rep.id,
            "name": rep.name,
            "direction": rep.direction,
            "transport": rep.transport,
            "ssh_credentials": None if rep.transport == "LOCAL" else dict(SSH_CREDENTIALS),
            "source_datasets": list(rep.source_datasets),
            "target_dataset": rep.target_dataset,
            "recursive": rep.recursive,
            "exclude": [],
            "properties": True,
            "periodic_snapshot_tasks": [
                self._bound_snapshot_task(self.snapshot_tasks[i])
                for i in rep.periodic_snapshot_tasks
                if i in self.snapshot_tasks
            ],
            "naming_schema": [],
            "also_include_naming_schema": [],
            "auto": rep.auto,
            "schedule": dict(rep.schedule) if rep.schedule is not None else None,
            "restrict_schedule": None,
            "only_matching_schedule": False,
            "allow_from_scratch": False,
            "readonly": "SET",
            "hold_pending_snapshots": False,
            "retention_policy": "SOURCE",
            "lifetime_value": None,
            "lifetime_unit": None,
            "compression": None,
            "speed_limit": None,
            "large_block": True,
            "embed": False,
            "compressed": True,
            "retries": 5,
            "logging_level": None,
            "enabled": rep.enabled,
            "state": state,
            "job": job,
            "has_encrypted_dataset_keys": False,
        }

    def cloudsync_entry(
        self, sync: CloudSyncDef, api_version: tuple[int, ...] | None = None
    ) -> dict[str, Any]:
        """Return a ``cloudsync.query`` item as API ``api_version`` shapes it (default: newest)."""
        runtime = self.runtime["cloudsync", sync.id]
        job = self.state.job_entry(runtime.job) if runtime.job else self.cloudsync_job[sync.id]
        credentials = {
            "id": 1,
            "name": "Backblaze B2",
            # Secret fields are redacted for keys that may not see them (B2CredentialsModel).
            "provider": {"type": "B2", "account": REDACTED, "key": REDACTED},
            **sync.credentials,
        }
        # A cloud sync schedule is a plain cron (CronModel): no begin/end window.
        schedule = {k: v for k, v in sync.schedule.items() if k not in {"begin", "end"}}
        entry: dict[str, Any] = {
            "id": sync.id,
            "description": sync.description,
            "path": sync.path,
            "credentials": credentials,
            "attributes": dict(sync.attributes),
            "schedule": schedule,
            "pre_script": "",
            "post_script": "",
            "snapshot": False,
            "include": [],
            "exclude": [],
            "args": "",
            "enabled": sync.enabled,
            "direction": sync.direction,
            "transfer_mode": sync.transfer_mode,
            "bwlimit": [],
            "transfers": 4,
            "encryption": False,
            "filename_encryption": False,
            "encryption_password": "",
            "encryption_salt": "",
            "create_empty_src_dirs": False,
            "follow_symlinks": False,
            "job": job,
            "locked": sync.locked,
        }
        if (api_version or self.state.box_api_version()) >= (26,):
            # BaseCloudEntry (26): the dataset holding ``path`` and the path inside it.
            dataset, relative = _dataset_of(sync.path, self.store)
            entry["dataset"], entry["relative_path"] = dataset, relative
        return entry

    # ------------------------------------------------------------ lookups

    def snapshot_task(self, task_id: Any) -> SnapshotTaskDef:
        """A snapshot task by id (``InstanceNotFound`` as ENOENT otherwise)."""
        return get_instance(self.snapshot_tasks, task_id, "PeriodicSnapshotTask")

    def replication(self, task_id: Any) -> ReplicationDef:
        """A replication task by id."""
        return get_instance(self.replications, task_id, "Replication")

    def cloudsync(self, task_id: Any) -> CloudSyncDef:
        """A cloud sync task by id."""
        return get_instance(self.cloudsyncs, task_id, "CloudSync")

    def summary(self) -> dict[str, Any]:
        """Return ``GET /control/backups``."""
        return {
            "clock": self.now(),
            "snapshots": self.store.total,
            "datasets": len(self.store.by_dataset),
            "snapshot_tasks": {
                str(i): {**self.task_state[i], "paused": self.runtime["snapshot_task", i].paused}
                for i in self.snapshot_tasks
            },
            "replications": {str(i): self.replication_state[i]["state"] for i in self.replications},
            "cloudsyncs": {
                str(i): (self.cloudsync_job[i] or {}).get("state") for i in self.cloudsyncs
            },
        }


def _dataset_of(path: str, store: snap.SnapshotStore) -> tuple[str | None, str | None]:
    """Split ``/mnt/<dataset>/<rest>`` at the deepest dataset (null when there is none)."""
    parts = path.removeprefix("/mnt/").strip("/").split("/")
    for depth in range(len(parts), 0, -1):
        name = "/".join(parts[:depth])
        if store.has_dataset(name):
            return name, "/".join(parts[depth:])
    return None, None


def generated_names(gen: GenerateDef) -> list[str]:
    """The datasets ``backups.generate`` adds under its parent."""
    return [f"{gen.parent}/ds{index:05d}" for index in range(gen.datasets)]


def add_generated_datasets(state: LabState) -> None:
    """Add the datasets of ``backups.generate`` (a load hook: they exist from the start)."""
    section: BackupsSection | None = state.scenario.sections.get("backups")
    gen = section.generate if section is not None else None
    if gen is None:
        return
    known = {dataset.name for dataset in state.datasets}
    state.datasets.extend(
        Dataset(name=name, used=64 * 1024**2) for name in generated_names(gen) if name not in known
    )


LOAD_HOOKS.append(add_generated_datasets)


_LABS: Final[PerLab[BackupLab]] = PerLab(BackupLab)


def backups_of(state: LabState) -> BackupLab:
    """The backups of a lab (rebuilt after a scenario reset), caught up with the clock."""
    lab = _LABS.of(state)
    lab.tick()
    return lab
