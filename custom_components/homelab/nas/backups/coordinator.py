"""Backups of a TrueNAS entry: task state, snapshot freshness per dataset, runs and their events.

Updates:
- polled (default every 5 minutes, an option): `pool.snapshottask.query`, `replication.query`,
  `cloudsync.query`, the watched datasets, and their snapshots through `SnapshotFreshness`,
  which reads a dataset again only when its `snapshots_changed` moved (see `truenas/backups.py`
  for which method serves which TrueNAS version);
- pushed: `core.get_jobs` events bring the progress of replication and cloud sync jobs live, and
  their end, which triggers a refresh for the task's new state.

Each task run is reported once to the task's event entity as `started`, `succeeded` or `failed`,
whether it came from a job event, a state change seen by a refresh, or our own action.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import errno
import re
import time
from typing import TYPE_CHECKING, Any, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from ...clients.truenas import (
    Event,
    TrueNASCallError,
    TrueNASClient,
    TrueNASError,
    TrueNASInvalidResponseError,
    TrueNASMethodNotFoundError,
    TrueNASTimeoutError,
)
from ...clients.truenas.backups import (
    CloudSyncTask,
    DatasetSnapshots,
    DatasetUsage,
    ReplicationTask,
    SnapshotFreshness,
    SnapshotTask,
    TaskJob,
    TrueNASBackups,
    snapshot_hints,
)
from ...clients.truenas.schedule import Schedule
from ...const import DOMAIN, LOGGER
from ..identifiers import dataset_identifier, keyed_identifier
from ..known_keys import KnownKeys
from ..server_coordinator import ServerCoordinator, action_failed, cannot_connect
from .options import DEFAULT_UNCOVERED_MAX_AGE, BackupOptions

if TYPE_CHECKING:
    from ..coordinator import TrueNASCoordinator
    from ..runtime import TrueNASConfigEntry

DEFAULT_BACKUP_TIMEOUT = 600.0
DEFAULT_SNAPSHOT_SCHEMA = "ha-manual-%Y-%m-%d_%H-%M-%S"
DEFAULT_UNLOCK_TIMEOUT = 120.0
SNAPSHOT_NAME_RE = re.compile(r"^[A-Za-z0-9_.:\-]+$")
# A snapshot task is not a job: while waiting for one, its state is read this often.
SNAPSHOT_TASK_POLL_SECONDS = 1.0
# A refresh that sees a run ending this close to a job's end takes it for that job's run.
REPORTED_RUN_MATCH = timedelta(minutes=2)
# While a replication runs, its bytes sent are read from `replication.query` this often at most.
REPLICATION_BYTES_SECONDS = 10.0
# A task is stale when its last success is older than this many of its longest schedule gaps
# (hourly: 2 h, so one missed run is tolerated only until the next one is due).
STALE_GAPS = 2

EVENT_STARTED = "started"
EVENT_SUCCEEDED = "succeeded"
EVENT_FAILED = "failed"
EVENT_TYPES = [EVENT_STARTED, EVENT_SUCCEEDED, EVENT_FAILED]


class TaskKind(StrEnum):
    """A kind of backup task (also the device identifier's infix)."""

    SNAPSHOT = "snapshottask"
    REPLICATION = "replication"
    CLOUD_SYNC = "cloudsync"


JOB_KINDS = {"replication.run": TaskKind.REPLICATION, "cloudsync.sync": TaskKind.CLOUD_SYNC}
type TaskKey = tuple[TaskKind, int]
type Task = SnapshotTask | ReplicationTask | CloudSyncTask
type TaskEventListener = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class BackupData:
    """Backup tasks and watched datasets at one moment."""

    snapshot_tasks: dict[int, SnapshotTask] = field(default_factory=dict)
    replications: dict[int, ReplicationTask] = field(default_factory=dict)
    cloud_syncs: dict[int, CloudSyncTask] = field(default_factory=dict)
    datasets: dict[str, DatasetSnapshots] = field(default_factory=dict)
    usage: dict[str, DatasetUsage] = field(default_factory=dict)
    """Space and lock state per watched dataset (read by the same `pool.dataset.query`)."""

    def task(self, key: TaskKey) -> Task | None:
        """A task by kind and id."""
        kind, task_id = key
        if kind is TaskKind.SNAPSHOT:
            return self.snapshot_tasks.get(task_id)
        if kind is TaskKind.REPLICATION:
            return self.replications.get(task_id)
        return self.cloud_syncs.get(task_id)

    def task_keys(self) -> set[TaskKey]:
        """Every task."""
        return (
            {(TaskKind.SNAPSHOT, i) for i in self.snapshot_tasks}
            | {(TaskKind.REPLICATION, i) for i in self.replications}
            | {(TaskKind.CLOUD_SYNC, i) for i in self.cloud_syncs}
        )


@dataclass(frozen=True)
class BackupResult:
    """What `homelab.trigger_backup` answers."""

    job_id: int | None
    state: str
    result: Any = None
    error: str | None = None
    snapshot: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The action response (`snapshot` only for dataset snapshots)."""
        response: dict[str, Any] = {
            "job_id": self.job_id,
            "state": self.state,
            "result": self.result,
            "error": self.error,
        }
        if self.snapshot is not None:
            response["snapshot"] = self.snapshot
        return response


def _already_exists(err: TrueNASCallError) -> bool:
    """EEXIST: a CallError on 25.04, a validation error (`extra` errno) on 25.10+."""
    if err.errname == "EEXIST":
        return True
    # Validation errors carry `[[attribute, message, errno], ...]`.
    extra = err.extra if isinstance(err.extra, list) else []
    return any(isinstance(item, list) and errno.EEXIST in item[2:3] for item in extra)


def task_name(task: Task) -> str:
    """How a task is called in messages."""
    if isinstance(task, SnapshotTask):
        return f"{task.dataset} snapshots"
    if isinstance(task, ReplicationTask):
        return task.name
    return task.description


def task_schedules(task: Task) -> tuple[Schedule, ...]:
    """When a task runs."""
    if isinstance(task, ReplicationTask):
        return task.schedules
    return (task.schedule,) if task.schedule is not None else ()


def last_success(task: Task) -> datetime | None:
    """The end of the task's last run if that run succeeded (as the server reports it now)."""
    if isinstance(task, CloudSyncTask):
        job = task.job
        return job.time_finished if job is not None and job.state == "SUCCESS" else None
    return task.last_run if task.state == "FINISHED" else None


def last_run(task: Task) -> datetime | None:
    """When the task last ran (successfully or not)."""
    if isinstance(task, CloudSyncTask):
        return task.job.time_finished if task.job is not None else None
    return task.last_run


class BackupCoordinator(ServerCoordinator[BackupData]):
    """Owns the backup calls of one TrueNAS entry."""

    task_prefix = "backups"

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TrueNASConfigEntry,
        client: TrueNASClient,
        truenas: TrueNASCoordinator,
    ) -> None:
        """Poll at the backup interval of the entry's options."""
        self.options = BackupOptions.from_options(entry.options)
        super().__init__(
            hass, entry, client, name="backups", update_interval=self.options.poll_interval
        )
        self.truenas = truenas
        self.api: TrueNASBackups | None = None
        self.freshness: SnapshotFreshness | None = None
        # Live runs: replication/cloud sync jobs from events, snapshot tasks we started.
        self.jobs: dict[TaskKey, TaskJob] = {}
        self.last_success: dict[TaskKey, datetime] = {}
        self.bytes_sent: dict[int, int] = {}
        self.last_refresh_seconds: float | None = None
        self._started_jobs: set[int] = set()
        self._finished_jobs: set[int] = set()
        # Loop time of the last bytes read of running replications (throttles the reads).
        self._bytes_read_at = -REPLICATION_BYTES_SECONDS
        # The end of a run a job event reported, so a refresh does not report it again.
        self._reported_by_job: dict[TaskKey, datetime] = {}
        self._event_listeners: dict[TaskKey, list[TaskEventListener]] = {}
        self.known_tasks = KnownKeys[TaskKey]()
        self.known_datasets = KnownKeys[str]()

    # ------------------------------------------------------------------ polling

    @override
    async def _fetch(self) -> BackupData:
        started = time.perf_counter()
        data = await self._read()
        self.last_refresh_seconds = time.perf_counter() - started
        return data

    @override
    def _fetched(self, data: BackupData) -> None:
        self._observe(self.data, data)
        self._track(data)

    @override
    def _fetch_failed(self, err: TrueNASError) -> None:
        if isinstance(err, TrueNASMethodNotFoundError):
            # The server was upgraded or downgraded under us: pick the methods again next time.
            self.api = self.freshness = None

    async def _read(self) -> BackupData:
        if self.api is None:
            system = self.truenas.data.system if self.truenas.data else None
            self.api = await TrueNASBackups.detect(
                self.client, software_version=system.version if system else None
            )
            self.freshness = SnapshotFreshness(self.api)
            LOGGER.debug("Backups use the TrueNAS %s.%s methods", *self.api.methods.level)
        assert self.freshness is not None  # noqa: S101 - set with the api
        snapshot_tasks = await self.api.snapshot_tasks()
        replications = await self.api.replication_tasks()
        cloud_syncs = await self.api.cloud_sync_tasks()
        usage = {item.id: item for item in await self.api.dataset_usage(self.options.datasets)}
        datasets = list(usage)
        snapshots = await self.freshness.refresh(datasets, snapshot_hints(snapshot_tasks, datasets))
        return BackupData(
            snapshot_tasks={task.id: task for task in snapshot_tasks},
            replications={task.id: task for task in replications},
            cloud_syncs={task.id: task for task in cloud_syncs},
            datasets=snapshots,
            usage=usage,
        )

    # ------------------------------------------------------------ staleness

    def task_max_age(self, key: TaskKey) -> timedelta | None:
        """How old a task's last success may get: the option, or twice its longest gap."""
        if self.options.task_max_age is not None:
            return self.options.task_max_age
        task = self.data.task(key) if self.data else None
        if task is None:
            return None
        gaps = [gap for s in task_schedules(task) if (gap := s.longest_gap()) is not None]
        return STALE_GAPS * max(gaps) if gaps else None

    def task_last_success(self, key: TaskKey) -> datetime | None:
        """The last successful run we know of (the server's, or one seen earlier)."""
        task = self.data.task(key) if self.data else None
        current = last_success(task) if task is not None else None
        remembered = self.last_success.get(key)
        if current is None or (remembered is not None and remembered > current):
            return remembered
        return current

    def task_stale_since(self, key: TaskKey) -> datetime | None:
        """When the task is (or will be) stale; None when it cannot be told (never ran)."""
        task = self.data.task(key) if self.data else None
        max_age = self.task_max_age(key)
        if task is None or max_age is None:
            return None
        success = self.task_last_success(key)
        if success is None:
            # It ran, but never successfully as far as we know: stale since that run.
            return last_run(task)
        return success + max_age

    def dataset_max_age(self, dataset: str) -> timedelta:
        """How old a dataset's newest snapshot may get: the option, or from its tasks."""
        if self.options.snapshot_max_age is not None:
            return self.options.snapshot_max_age
        gaps = [
            gap
            for task in (self.data.snapshot_tasks.values() if self.data else ())
            if task.enabled and task.covers(dataset) and task.schedule is not None
            if (gap := task.schedule.longest_gap()) is not None
        ]
        return STALE_GAPS * min(gaps) if gaps else DEFAULT_UNCOVERED_MAX_AGE

    def dataset_stale_since(self, dataset: str) -> datetime | None:
        """When the dataset's newest snapshot is (or will be) too old; None: no snapshot at all."""
        info = self.data.datasets.get(dataset) if self.data else None
        if info is None or info.newest is None or info.newest.created is None:
            return None
        return info.newest.created + self.dataset_max_age(dataset)

    # ------------------------------------------------------------ dynamic devices

    def _track(self, data: BackupData) -> None:
        new_tasks, gone_tasks = self.known_tasks.replace(data.task_keys())
        new_datasets, gone_datasets = self.known_datasets.replace(data.datasets)
        gone = [keyed_identifier(self.config_entry, *key) for key in gone_tasks]
        gone += [dataset_identifier(self.config_entry, d) for d in gone_datasets]
        # At the first refresh, also those of tasks deleted or datasets unwatched before a restart.
        self._remove_devices(gone, (*TaskKind, "dataset"))
        # Listeners read `self.data`, which is set only after this refresh returns.
        if new_tasks:
            self.hass.loop.call_soon(self.known_tasks.announce, new_tasks)
        if new_datasets:
            self.hass.loop.call_soon(self.known_datasets.announce, new_datasets)

    @override
    def current_identifiers(self) -> set[tuple[str, str]]:
        entry = self.config_entry
        return {keyed_identifier(entry, *key) for key in self.known_tasks.keys} | {
            dataset_identifier(entry, name) for name in self.known_datasets.keys
        }

    # ------------------------------------------------------------------- events

    def add_event_listener(self, key: TaskKey, listener: TaskEventListener) -> Callable[[], None]:
        """Call `listener(event_type, attributes)` for each run of a task."""
        listeners = self._event_listeners.setdefault(key, [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    def _fire(self, key: TaskKey, event_type: str, **attributes: Any) -> None:
        LOGGER.debug("Backup task %s %s: %s %s", key[0], key[1], event_type, attributes)
        for listener in list(self._event_listeners.get(key, [])):
            listener(event_type, attributes)

    def _observe(self, old: BackupData | None, new: BackupData) -> None:
        """Report runs that a refresh reveals (scheduled runs, snapshot tasks)."""
        for key in new.task_keys():
            task = new.task(key)
            assert task is not None  # noqa: S101 - from task_keys
            if (success := last_success(task)) is not None:
                self.last_success[key] = max(success, self.last_success.get(key, success))
            progress = task.progress if isinstance(task, ReplicationTask) else None
            if progress is not None and progress.bytes_sent is not None:
                self.bytes_sent[key[1]] = progress.bytes_sent
            previous = old.task(key) if old is not None else None
            if previous is None:
                continue
            running = self._is_running(task)
            if running and not self._is_running(previous) and key not in self.jobs:
                self._fire(key, EVENT_STARTED)
            finished = last_run(task)
            if finished is not None and finished != last_run(previous) and not running:
                reported = self._reported_by_job.pop(key, None)
                if reported is not None and abs(finished - reported) < REPORTED_RUN_MATCH:
                    pass  # the job's own event already reported this run
                elif (success := last_success(task)) is not None:
                    self._fire(key, EVENT_SUCCEEDED, finished=success.isoformat())
                else:
                    self._fire(key, EVENT_FAILED, error=self._error(task))
                if key[0] is TaskKind.SNAPSHOT:
                    self.jobs.pop(key, None)
        # A snapshot task we started that never showed a run is not blocking forever.
        now = dt_util.utcnow()
        for key, job in list(self.jobs.items()):
            if (
                key[0] is TaskKind.SNAPSHOT
                and job.time_started is not None
                and now - job.time_started > timedelta(seconds=DEFAULT_BACKUP_TIMEOUT)
            ):
                del self.jobs[key]

    @staticmethod
    def _is_running(task: Task) -> bool:
        if isinstance(task, CloudSyncTask):
            return task.job is not None and task.job.running
        return task.state == "RUNNING"

    @staticmethod
    def _error(task: Task) -> str | None:
        if isinstance(task, CloudSyncTask):
            return task.job.error if task.job is not None else None
        return task.error

    async def async_start_push(self) -> None:
        """Follow jobs through `core.get_jobs` events (restored by the client on reconnect)."""
        await super().async_start_push()
        self._unsubscribers.append(await self.client.subscribe("core.get_jobs", self._on_job))

    @callback
    def _on_job(self, event: Event) -> None:
        if not isinstance(event.fields, dict):
            return
        try:
            job = TaskJob.from_dict({**event.fields, "id": event.id})
        except TrueNASInvalidResponseError:
            return
        kind = JOB_KINDS.get(job.method or "")
        if kind is None or job.task_id is None or job.id is None or self.data is None:
            return
        key = (kind, job.task_id)
        if self.data.task(key) is None:
            return
        self._job_update(key, job)

    def _job_update(self, key: TaskKey, job: TaskJob) -> None:
        assert job.id is not None  # noqa: S101 - jobs from events and calls have ids
        if job.running:
            self.jobs[key] = job
            if key[0] is TaskKind.REPLICATION and job.percent:
                self._read_replication_bytes()
            if job.id not in self._started_jobs:
                self._started_jobs.add(job.id)
                self._fire(key, EVENT_STARTED, job_id=job.id)
        elif job.id not in self._finished_jobs:
            self._finished_jobs.add(job.id)
            if (current := self.jobs.get(key)) is not None and current.id == job.id:
                del self.jobs[key]
            self._reported_by_job[key] = job.time_finished or dt_util.utcnow()
            if job.state == "SUCCESS":
                if job.time_finished is not None:
                    self.last_success[key] = job.time_finished
                self._fire(key, EVENT_SUCCEEDED, job_id=job.id)
            else:
                self._fire(key, EVENT_FAILED, job_id=job.id, error=job.error or job.state)
            # The task's state (last run, last snapshot, error) changed with it.
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), "homelab-backup-finished"
            )
        self.async_update_listeners()

    @callback
    def _read_replication_bytes(self) -> None:
        """Bytes sent by running replications: the job events give a percentage only.

        `replication.query` holds them in the task's `state.progress` while it runs; it is read
        at most every REPLICATION_BYTES_SECONDS, and only while a replication job is running.
        """
        now = self.hass.loop.time()
        if self.api is None or now - self._bytes_read_at < REPLICATION_BYTES_SECONDS:
            return
        self._bytes_read_at = now
        self.config_entry.async_create_background_task(
            self.hass, self._async_read_replication_bytes(self.api), "homelab-replication-bytes"
        )

    async def _async_read_replication_bytes(self, api: TrueNASBackups) -> None:
        try:
            tasks = await api.replication_tasks()
        except TrueNASError as err:
            LOGGER.debug("Could not read the replications' progress: %s", err)
            return
        changed = found = False
        for task in tasks:
            if task.progress is not None and task.progress.bytes_sent is not None:
                found = True
                changed |= self.bytes_sent.get(task.id) != task.progress.bytes_sent
                self.bytes_sent[task.id] = task.progress.bytes_sent
        if not found:
            # Too early in the run: no progress yet, so the next job event may read again.
            self._bytes_read_at = -REPLICATION_BYTES_SECONDS
        if changed:
            self.async_update_listeners()

    # ------------------------------------------------------------------ summaries

    def _task_summary(self, key: TaskKey, task: Task) -> dict[str, Any]:
        stale = self.task_stale_since(key)
        finished = last_run(task)
        state = task.job.state if isinstance(task, CloudSyncTask) and task.job else None
        return {
            "kind": str(key[0]),
            "id": key[1],
            "name": task_name(task),
            "enabled": task.enabled,
            "state": state or ("NEVER_RUN" if isinstance(task, CloudSyncTask) else task.state),
            "running": key in self.jobs or self._is_running(task),
            "last_run": finished.isoformat() if finished else None,
            "stale": None if stale is None else dt_util.utcnow() >= stale,
            "error": self._error(task),
        }

    def llm_summary(self) -> dict[str, Any]:
        """Backups in a few words per task and dataset (the Assist API's `lab_status`)."""
        data: BackupData | None = self.data
        if data is None:
            return {"available": False}
        now = dt_util.utcnow()
        datasets = {}
        for name, info in sorted(data.datasets.items()):
            stale = self.dataset_stale_since(name)
            created = info.newest.created if info.newest else None
            datasets[name] = {
                "newest_snapshot": created.isoformat() if created else None,
                "stale": stale is None or now >= stale,
            }
        tasks = [
            self._task_summary(key, task)
            for key in sorted(data.task_keys())
            if (task := data.task(key)) is not None
        ]
        return {"tasks": tasks, "datasets": datasets}

    def diagnostics(self) -> dict[str, Any]:
        """What diagnostics show of backups (no secrets: task and dataset names only)."""
        summary = self.llm_summary()
        summary["methods"] = (
            {
                "level": ".".join(str(part) for part in self.api.methods.level),
                "snapshot_query": self.api.methods.snapshot_query,
                "snapshot_create": self.api.methods.snapshot_create,
                "snapshots_changed": self.api.methods.snapshots_changed,
                "resource_snapshots": self.api.methods.resource_snapshots,
            }
            if self.api is not None
            else None
        )
        summary["last_update_success"] = self.last_update_success
        return summary

    # ------------------------------------------------------------------ actions

    def _task(self, key: TaskKey) -> Task:
        task = self.data.task(key) if self.data is not None else None
        if task is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_backup_task",
                translation_placeholders={"task": f"{key[0]} {key[1]}"},
            )
        return task

    def check_startable(self, key: TaskKey) -> Task:
        """The task, if it may start now; a translated refusal otherwise."""
        task = self._task(key)
        placeholders = {"task": task_name(task)}
        if not task.enabled:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="backup_task_disabled",
                translation_placeholders=placeholders,
            )
        if key in self.jobs or self._is_running(task):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="backup_task_running",
                translation_placeholders=placeholders,
            )
        if isinstance(task, CloudSyncTask) and task.locked:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="backup_task_locked",
                translation_placeholders=placeholders,
            )
        if isinstance(task, ReplicationTask) and task.state == "HOLD":
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="backup_task_on_hold",
                translation_placeholders=placeholders,
            )
        return task

    def _api(self) -> TrueNASBackups:
        if self.api is None:
            raise cannot_connect()
        return self.api

    async def async_start_task(self, key: TaskKey) -> int | None:
        """Start a task now (buttons and the action); returns the job id (None: not a job)."""
        task = self.check_startable(key)
        api = self._api()
        try:
            if key[0] is TaskKind.SNAPSHOT:
                await api.run_snapshot_task(key[1])
                job_id = None
            elif key[0] is TaskKind.REPLICATION:
                job_id = await api.run_replication(key[1])
            else:
                job_id = await api.sync_cloud(key[1])
        except TrueNASError as err:
            raise action_failed(err, "backup_start_failed", task=task_name(task)) from err
        if job_id is None:
            self.jobs[key] = TaskJob(
                state="RUNNING", method="pool.snapshottask.run", task_id=key[1],
                time_started=dt_util.utcnow(),
            )  # fmt: skip
            self._fire(key, EVENT_STARTED)
        else:
            # Busy at once: the job's first event may come after a second press.
            self.jobs.setdefault(
                key, TaskJob(state="RUNNING", id=job_id, method=None, task_id=key[1])
            )
            if job_id not in self._started_jobs:
                self._started_jobs.add(job_id)
                self._fire(key, EVENT_STARTED, job_id=job_id)
        self.async_update_listeners()
        return job_id

    async def async_run_task(self, key: TaskKey, *, wait: bool, timeout: float) -> BackupResult:
        """Start a task and, with `wait`, follow it to its end (or the timeout)."""
        self.check_startable(key)
        baseline: datetime | None = None
        if key[0] is TaskKind.SNAPSHOT and wait:
            # The run to wait for is the one after the server's current last run.
            baseline = await self._snapshot_task_last_run(key[1])
        job_id = await self.async_start_task(key)
        if job_id is None:
            if not wait:
                return BackupResult(None, "RUNNING")
            return await self._wait_snapshot_task(key, baseline, timeout)
        if not wait:
            return BackupResult(job_id, "RUNNING")
        try:
            job = await self.client.wait_for_job(job_id, timeout=timeout)
        except TrueNASTimeoutError:
            return BackupResult(job_id, "RUNNING")
        except TrueNASError as err:
            raise cannot_connect() from err
        self._job_update(
            key,
            TaskJob(
                state=job.state,
                id=job.id,
                method=job.method,
                task_id=key[1],
                error=job.error,
                time_finished=job.time_finished,
            ),
        )
        return BackupResult(job.id, job.state, job.result, job.error)

    async def _snapshot_task(self, task_id: int) -> SnapshotTask | None:
        try:
            tasks = await self._api().snapshot_tasks([["id", "=", task_id]])
        except TrueNASError as err:
            raise cannot_connect() from err
        return tasks[0] if tasks else None

    async def _snapshot_task_last_run(self, task_id: int) -> datetime | None:
        task = await self._snapshot_task(task_id)
        return task.last_run if task is not None else None

    async def _wait_snapshot_task(
        self, key: TaskKey, baseline: datetime | None, timeout: float
    ) -> BackupResult:
        """`pool.snapshottask.run` is no job: read the task until its last run moves."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(SNAPSHOT_TASK_POLL_SECONDS)
            task = await self._snapshot_task(key[1])
            if task is None or task.state == "RUNNING" or task.last_run == baseline:
                continue
            await self.async_refresh()
            if task.state == "FINISHED":
                return BackupResult(None, "SUCCESS", {"last_snapshot": task.last_snapshot})
            return BackupResult(None, "FAILED", {"last_snapshot": task.last_snapshot}, task.error)
        return BackupResult(None, "RUNNING")

    async def async_snapshot_dataset(
        self, dataset: str, *, recursive: bool, naming_schema: str
    ) -> BackupResult:
        """Take a manual snapshot of a watched dataset (never deletes or rolls back anything)."""
        name = dt_util.now().strftime(naming_schema)
        if not SNAPSHOT_NAME_RE.match(name):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_snapshot_name",
                translation_placeholders={"name": name},
            )
        api = self._api()
        try:
            snapshot = await api.create_snapshot(dataset, name, recursive=recursive)
        except TrueNASError as err:
            exists = isinstance(err, TrueNASCallError) and _already_exists(err)
            key = "snapshot_exists" if exists else "snapshot_failed"
            raise action_failed(err, key, snapshot=f"{dataset}@{name}") from err
        self.config_entry.async_create_background_task(
            self.hass, self.async_request_refresh(), "homelab-snapshot-taken"
        )
        result = {"name": snapshot.name, "createtxg": snapshot.createtxg, "recursive": recursive}
        return BackupResult(None, "SUCCESS", result, None, snapshot.name)

    async def async_unlock_dataset(self, dataset: str, passphrase: str) -> None:
        """Unlock a watched encrypted dataset with its passphrase and wait for the job.

        The passphrase is only handed to the call: it is not kept, logged or put in an error.
        """
        usage = self.data.usage.get(dataset) if self.data is not None else None
        placeholders = {"dataset": dataset}
        if usage is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_dataset",
                translation_placeholders=placeholders,
            )
        if not usage.encrypted or not usage.locked:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="dataset_not_locked",
                translation_placeholders=placeholders,
            )
        api = self._api()
        try:
            job_id = await api.unlock_dataset(dataset, passphrase)
            job = await self.client.wait_for_job(job_id, timeout=DEFAULT_UNLOCK_TIMEOUT)
        except TrueNASCallError as err:
            if err.not_authorized:
                # The client's denied listener has raised the missing-role repair.
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="dataset_unlock_not_authorized",
                    translation_placeholders={**placeholders, "role": "DATASET_WRITE"},
                ) from None
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="dataset_unlock_failed",
                translation_placeholders={**placeholders, "error": err.reason or err.errname or ""},
            ) from None
        except TrueNASError:
            raise cannot_connect() from None
        if job.state != "SUCCESS":
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="dataset_unlock_failed",
                translation_placeholders={**placeholders, "error": job.error or job.state},
            )
        result = job.result if isinstance(job.result, dict) else {}
        failed = result.get("failed")
        if isinstance(failed, dict) and failed:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="dataset_wrong_passphrase",
                translation_placeholders=placeholders,
            )
        await self.async_refresh()
