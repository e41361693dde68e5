"""Backups: periodic snapshot tasks, replication, cloud sync (rclone) and snapshots at scale.

Scenario section ``backups`` (see ``labsim/scenarios/default.yaml``)::

    backups:
      clock: "-0s"            # where the backup clock starts (default: load time); tests pin it
      job_seconds: {snapshot_task: 1, replication: 6, cloudsync: 8}
      snapshot_tasks:
        - {id: 1, dataset: tank/applications, recursive: true, schedule: {minute: "0"},
           lifetime_value: 2, lifetime_unit: WEEK, naming_schema: "auto-%Y-%m-%d_%H-%M"}
      replication_tasks:
        - {id: 1, name: apps offsite, source_datasets: [tank/applications],
           target_dataset: backup/apps, schedule: {minute: "0", hour: "2"}, bytes: 3 GiB}
      cloudsync_tasks:
        - {id: 1, description: B2 offsite, path: /mnt/tank/applications/paperless-ngx,
           schedule: {minute: "30", hour: "3"}, bytes: 1 GiB}
      snapshots: [{dataset: tank/applications/nextcloud, name: manual-1, created: "-10d"}]
      generate: {datasets: 2000, snapshots: 100000, parent: tank/archive, interval: 1h}

Control routes (``labsim.control`` lists them): ``GET /control/backups``,
``POST /control/backups/advance {"seconds"}``, ``POST /control/backups/version {"version"}``,
``POST /control/backups/snapshots {"dataset", "name"}``, ``POST /control/backups/{kind}`` (a new
task) and, per task (``kind`` is ``snapshot_task``, ``replication`` or ``cloudsync``),
``POST .../{kind}/{id}/fail_next|stall|age|run|set`` and ``DELETE .../{kind}/{id}``;
``GET``/``DELETE /control/snapshot_cost`` and ``POST /control/snapshot_cost/delay {"factor"}``.

The lab keeps a *backup clock*: the scenario's ``clock`` plus the time elapsed since the lab
started, plus what ``POST /control/backups/advance`` added. Schedules run on it: whenever a
backup method or control route is used, every enabled task catches up with the fire times that
passed, as zettarepl and the cron jobs would have (snapshots are taken and pruned, replication
and cloud sync runs are recorded). A periodic snapshot task starts with the history its
retention keeps. ``run`` / ``sync`` start real jobs with ``core.get_jobs`` progress events.

Methods by release of the box (a box without the method answers -32601; a box that has it but
gave it its model later than the ``/api/<version>`` of the socket answers -32001 ``ENOMETHOD``):

================================  ========  ======================================================
``pool.snapshottask.query/run``   all
``replication.query/run``         all       run is a job; run has a model from 25.10 on
``cloudsync.query/sync/abort``    all       sync is a job; sync/abort have models from 25.10 on
``zfs.snapshot.query/create``     25.x      private on 25.10 (FULL_ADMIN only), gone in 26
``pool.snapshot.query/create``    25.10+
``zfs.resource.query``            25.10+    ``snapshots_changed`` per dataset
``zfs.resource.snapshot.query``   26+       path scoped; ``zfs.resource.snapshot.count`` cached
================================  ========  ======================================================
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import errno
from typing import Any, Final
from weakref import WeakKeyDictionary

from aiohttp import web

from . import ejson, snapshots as snap
from .cron import Cron, CronError
from .errors import CallError, single_error
from .query import run_query
from .rpc import REDACTED, CallContext, Method, RpcServer
from .scenario import (
    SECTION_PARSERS,
    Dataset,
    JobDef,
    ScenarioError,
    _Reader,
    parse_time,
    version_tuple,
)
from .state import LOAD_HOOKS, LabError, LabState

DEFAULT_JOB_SECONDS: Final = {"snapshot_task": 1.0, "replication": 6.0, "cloudsync": 8.0}
LIFETIME_UNITS: Final = {
    "HOUR": 3600,
    "DAY": 86400,
    "WEEK": 604800,
    "MONTH": 2678400,
    "YEAR": 31536000,
}
MAX_HISTORY: Final = 2000
PROGRESS_STEPS: Final = 10
KNOWN_VERSIONS: Final = (
    "v25.04.0", "v25.04.1", "v25.04.2", "v25.10.0", "v25.10.1", "v25.10.2", "v26.0.0",
)  # fmt: skip
KINDS: Final = ("snapshot_task", "replication", "cloudsync")
# The keychain credential an SSH replication points at (KeychainCredentialEntry, SSH_CREDENTIALS).
SSH_CREDENTIALS: Final = {
    "id": 1,
    "name": "offsite-backup",
    "type": "SSH_CREDENTIALS",
    "attributes": {
        "host": "backup.example.net",
        "port": 22,
        "username": "root",
        "private_key": 2,
        "remote_host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILabsimOffsiteBackupHostKey",
        "connect_timeout": 10,
    },
}


# ---------------------------------------------------------------- scenario section


@dataclass(slots=True)
class SnapshotTaskDef:
    """A periodic snapshot task."""

    id: int
    dataset: str
    schedule: dict[str, str]
    recursive: bool = False
    exclude: list[str] = field(default_factory=list)
    lifetime_value: int = 2
    lifetime_unit: str = "WEEK"
    naming_schema: str = "auto-%Y-%m-%d_%H-%M"
    enabled: bool = True
    allow_empty: bool = True
    history: int | None = None
    error: str | None = None
    """The last run failed with this error (``state: ERROR``)."""


@dataclass(slots=True)
class ReplicationDef:
    """A replication task (push over SSH by default)."""

    id: int
    name: str
    source_datasets: list[str]
    target_dataset: str
    schedule: dict[str, str] | None
    direction: str = "PUSH"
    transport: str = "SSH"
    recursive: bool = True
    auto: bool = True
    periodic_snapshot_tasks: list[int] = field(default_factory=list)
    enabled: bool = True
    bytes: int = 1024**3
    seconds: float | None = None
    error: str | None = None


@dataclass(slots=True)
class CloudSyncDef:
    """A cloud sync (rclone) task."""

    id: int
    description: str
    path: str
    schedule: dict[str, str]
    credentials: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    direction: str = "PUSH"
    transfer_mode: str = "SYNC"
    enabled: bool = True
    locked: bool = False
    bytes: int = 1024**3
    seconds: float | None = None
    error: str | None = None


@dataclass(slots=True)
class SnapshotDef:
    """A snapshot that exists when the lab starts."""

    dataset: str
    name: str
    created: datetime


@dataclass(slots=True)
class GenerateDef:
    """Many datasets with many snapshots, for scale tests."""

    datasets: int
    snapshots: int
    parent: str
    interval: float
    until: datetime


@dataclass(slots=True)
class BackupsSection:
    """The parsed ``backups`` section."""

    clock: datetime | None = None
    job_seconds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_JOB_SECONDS))
    snapshot_tasks: list[SnapshotTaskDef] = field(default_factory=list)
    replications: list[ReplicationDef] = field(default_factory=list)
    cloudsyncs: list[CloudSyncDef] = field(default_factory=list)
    snapshots: list[SnapshotDef] = field(default_factory=list)
    generate: GenerateDef | None = None


def _schedule(reader: _Reader, key: str, *, required: bool = True) -> dict[str, str] | None:
    if not reader.has(key) or reader.raw(key) is None:
        if required:
            raise reader.fail(key, "a schedule mapping", None)
        return None
    try:
        return Cron.parse(reader.mapping(key)).spec
    except CronError as err:
        msg = f"{reader.where(key)}: {err}"
        raise ScenarioError(msg) from None


def _strings(reader: _Reader, key: str) -> list[str]:
    values = reader.seq(key)
    if not all(isinstance(value, str) for value in values):
        raise reader.fail(key, "a list of strings", values)
    return [str(value) for value in values]


def _duration(reader: _Reader, key: str, default: float) -> float:
    value = reader.raw(key, default)
    if isinstance(value, str):
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        try:
            return (parse_time(f"+{value}", epoch) - epoch).total_seconds()
        except ValueError:
            raise reader.fail(key, "a duration ('1h', '30m') or seconds", value) from None
    return reader.number(key, default)


def _snapshot_task(reader: _Reader, index: int) -> SnapshotTaskDef:
    unit = reader.choice("lifetime_unit", tuple(LIFETIME_UNITS), "WEEK")
    task = SnapshotTaskDef(
        id=reader.integer("id", index + 1),
        dataset=reader.text("dataset", required=True),
        schedule=_schedule(reader, "schedule") or {},
        recursive=reader.flag("recursive"),
        exclude=_strings(reader, "exclude"),
        lifetime_value=reader.integer("lifetime_value", 2),
        lifetime_unit=unit,
        naming_schema=reader.text("naming_schema", "auto-%Y-%m-%d_%H-%M"),
        enabled=reader.flag("enabled", default=True),
        allow_empty=reader.flag("allow_empty", default=True),
        history=reader.raw("history"),
        error=reader.opt_text("error"),
    )
    reader.finish()
    return task


def _replication(reader: _Reader, index: int) -> ReplicationDef:
    task = ReplicationDef(
        id=reader.integer("id", index + 1),
        name=reader.text("name", required=True),
        source_datasets=_strings(reader, "source_datasets"),
        target_dataset=reader.text("target_dataset", required=True),
        schedule=_schedule(reader, "schedule", required=False),
        direction=reader.choice("direction", ("PUSH", "PULL"), "PUSH"),
        transport=reader.choice("transport", ("SSH", "SSH+NETCAT", "LOCAL"), "SSH"),
        recursive=reader.flag("recursive", default=True),
        auto=reader.flag("auto", default=True),
        periodic_snapshot_tasks=[int(i) for i in reader.seq("periodic_snapshot_tasks")],
        enabled=reader.flag("enabled", default=True),
        bytes=reader.size("bytes", 1024**3),
        seconds=reader.raw("seconds"),
        error=reader.opt_text("error"),
    )
    reader.finish()
    if task.schedule is None and not task.periodic_snapshot_tasks:
        msg = f"{reader.path}: give a schedule or periodic_snapshot_tasks"
        raise ScenarioError(msg)
    return task


def _cloudsync(reader: _Reader, index: int) -> CloudSyncDef:
    task = CloudSyncDef(
        id=reader.integer("id", index + 1),
        description=reader.text("description", required=True),
        path=reader.text("path", required=True),
        schedule=_schedule(reader, "schedule") or {},
        credentials=reader.mapping("credentials"),
        attributes=reader.mapping("attributes"),
        direction=reader.choice("direction", ("PUSH", "PULL"), "PUSH"),
        transfer_mode=reader.choice("transfer_mode", ("SYNC", "COPY", "MOVE"), "SYNC"),
        enabled=reader.flag("enabled", default=True),
        locked=reader.flag("locked"),
        bytes=reader.size("bytes", 1024**3),
        seconds=reader.raw("seconds"),
        error=reader.opt_text("error"),
    )
    reader.finish()
    return task


def parse_backups_section(reader: _Reader, now: datetime) -> BackupsSection:
    """Parse the scenario's ``backups`` section."""
    seconds = dict(DEFAULT_JOB_SECONDS)
    if reader.has("job_seconds"):
        durations = reader.child("job_seconds", reader.mapping("job_seconds"))
        for kind in DEFAULT_JOB_SECONDS:
            seconds[kind] = durations.number(kind, DEFAULT_JOB_SECONDS[kind])
        durations.finish()
    section = BackupsSection(
        clock=reader.opt_time("clock", now),
        job_seconds=seconds,
        snapshot_tasks=[_snapshot_task(r, i) for i, r in enumerate(reader.items("snapshot_tasks"))],
        replications=[_replication(r, i) for i, r in enumerate(reader.items("replication_tasks"))],
        cloudsyncs=[_cloudsync(r, i) for i, r in enumerate(reader.items("cloudsync_tasks"))],
    )
    for item in reader.items("snapshots"):
        section.snapshots.append(
            SnapshotDef(
                dataset=item.text("dataset", required=True),
                name=item.text("name", required=True),
                created=item.time("created", now, "now"),
            )
        )
        item.finish()
    if reader.has("generate") and reader.raw("generate") is not None:
        gen = reader.child("generate", reader.mapping("generate"))
        section.generate = GenerateDef(
            datasets=gen.integer("datasets", 100),
            snapshots=gen.integer("snapshots", 1000),
            parent=gen.text("parent", "tank/archive"),
            interval=_duration(gen, "interval", 3600.0),
            until=gen.time("until", now, "now"),
        )
        gen.finish()
        if section.generate.datasets < 1 or section.generate.snapshots < 0:
            msg = f"{gen.path}: need datasets >= 1 and snapshots >= 0"
            raise ScenarioError(msg)
    for kind, items in (
        ("snapshot_tasks", section.snapshot_tasks),
        ("replication_tasks", section.replications),
        ("cloudsync_tasks", section.cloudsyncs),
    ):
        ids = [item.id for item in items]
        if len(set(ids)) != len(ids):
            msg = f"{reader.where(kind)}: duplicate ids"
            raise ScenarioError(msg)
    reader.finish()
    return section


SECTION_PARSERS["backups"] = parse_backups_section


# ---------------------------------------------------------------- runtime


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
        section: BackupsSection = state.scenario.sections.get("backups") or BackupsSection()
        self.section = section
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

    async def _progress(
        self, runtime: TaskRuntime, job: JobDef, seconds: float, on_step: Any
    ) -> None:
        for step in range(1, PROGRESS_STEPS + 1):
            await asyncio.sleep(seconds / PROGRESS_STEPS)
            await runtime.stalled.wait()
            if step < PROGRESS_STEPS:
                job.percent = step * 100 // PROGRESS_STEPS
                job.description = on_step(step)
                self.state._emit_job(job, "changed")  # noqa: SLF001

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
            await self._progress(runtime, job, self._job_seconds("replication", runtime), step)
            error, runtime.fail_next = runtime.fail_next, None
            job.time_finished = self.now()
            final: dict[str, Any] = {
                "state": "ERROR" if error else "FINISHED",
                "datetime": job.time_finished,
                "warnings": [],
                "last_snapshot": self._newest_snapshot(sources),
            }
            if error:
                final["error"] = error
                job.state, job.error = "FAILED", error
            else:
                job.state, job.percent = "SUCCESS", 100
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
            await self._progress(runtime, job, self._job_seconds("cloudsync", runtime), step)
            error, runtime.fail_next = runtime.fail_next, None
            job.time_finished = self.now()
            if error:
                job.state, job.error = "FAILED", error
            else:
                job.state, job.percent = "SUCCESS", 100
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
        task = self.snapshot_tasks.get(task_id) if isinstance(task_id, int) else None
        if task is None:
            raise CallError(f"PeriodicSnapshotTask {task_id} does not exist", errno.ENOENT)
        return task

    def replication(self, task_id: Any) -> ReplicationDef:
        """A replication task by id."""
        task = self.replications.get(task_id) if isinstance(task_id, int) else None
        if task is None:
            raise CallError(f"Replication {task_id} does not exist", errno.ENOENT)
        return task

    def cloudsync(self, task_id: Any) -> CloudSyncDef:
        """A cloud sync task by id."""
        task = self.cloudsyncs.get(task_id) if isinstance(task_id, int) else None
        if task is None:
            raise CallError(f"CloudSync {task_id} does not exist", errno.ENOENT)
        return task

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

_LABS: WeakKeyDictionary[LabState, BackupLab] = WeakKeyDictionary()


def backups_of(state: LabState) -> BackupLab:
    """The backups of a lab (rebuilt after a scenario reset), caught up with the clock."""
    lab = _LABS.get(state)
    if lab is None or lab.scenario is not state.scenario:
        lab = BackupLab(state)
        _LABS[state] = lab
    lab.tick()
    return lab


# ---------------------------------------------------------------- methods


def _task_id(ctx: CallContext) -> Any:
    if not ctx.params:
        raise single_error("id", "Field required")
    if not isinstance(ctx.params[0], int) or isinstance(ctx.params[0], bool):
        raise single_error("id", "Input should be a valid integer")
    return ctx.params[0]


async def _charged(lab: BackupLab, result: Any, seconds: float) -> Any:
    if lab.cost_delay > 0:
        await asyncio.sleep(seconds * lab.cost_delay)
    return result


def snapshottask_query(ctx: CallContext) -> object:
    """``pool.snapshottask.query``."""
    lab = backups_of(ctx.state)
    return run_query([lab.snapshot_task_entry(t) for t in lab.snapshot_tasks.values()], ctx.params)


def snapshottask_run(ctx: CallContext) -> None:
    """``pool.snapshottask.run``: not a job; handed to zettarepl."""
    lab = backups_of(ctx.state)
    task = lab.snapshot_task(_task_id(ctx))
    if not task.enabled:
        raise CallError("Task is not enabled")
    if not lab.runtime["snapshot_task", task.id].running:
        lab.state._spawn(lab._run_snapshot_task_later(task))  # noqa: SLF001


def replication_query(ctx: CallContext) -> object:
    """``replication.query``."""
    lab = backups_of(ctx.state)
    return run_query([lab.replication_entry(t) for t in lab.replications.values()], ctx.params)


def _unknown_task_job(ctx: CallContext, err: CallError) -> int:
    """``get_instance`` raised inside the job: a job that fails, not an error reply."""
    return ctx.state.failed_job(ctx.method, list(ctx.params[:1]), f"[ENOENT] None: {err.errmsg}")


def replication_run(ctx: CallContext) -> int:
    """``replication.run`` (job); an unknown id gives a job that fails."""
    lab = backups_of(ctx.state)
    task_id = _task_id(ctx)
    try:
        rep = lab.replication(task_id)
    except CallError as err:
        return _unknown_task_job(ctx, err)
    return lab.start_replication(rep)


def cloudsync_query(ctx: CallContext) -> object:
    """``cloudsync.query``."""
    lab = backups_of(ctx.state)
    version = ctx.session.version
    return run_query([lab.cloudsync_entry(t, version) for t in lab.cloudsyncs.values()], ctx.params)


def cloudsync_sync(ctx: CallContext) -> int:
    """``cloudsync.sync`` (job); an unknown id gives a job that fails."""
    lab = backups_of(ctx.state)
    try:
        sync = lab.cloudsync(_task_id(ctx))
    except CallError as err:
        if err.errno != errno.ENOENT:
            raise
        return _unknown_task_job(ctx, err)
    options = ctx.params[1] if len(ctx.params) > 1 else {}
    if not isinstance(options, dict):
        raise single_error("cloud_sync_sync_options", "Input should be a valid dictionary")
    return lab.start_cloudsync(sync)


def cloudsync_abort(ctx: CallContext) -> bool:
    """``cloudsync.abort``."""
    lab = backups_of(ctx.state)
    return lab.abort_cloudsync(lab.cloudsync(_task_id(ctx)))


async def snapshot_query(ctx: CallContext) -> object:
    """``zfs.snapshot.query`` (25.04) and ``pool.snapshot.query`` (25.10+)."""
    lab = backups_of(ctx.state)
    result, seconds = snap.legacy_query(lab.store, lab.cost, ctx.method, ctx.params)
    return await _charged(lab, result, seconds)


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


async def resource_query(ctx: CallContext) -> object:
    """``zfs.resource.query`` (25.10+)."""
    lab = backups_of(ctx.state)
    result, seconds = snap.resource_query(lab.store, lab.cost, ctx.params)
    return await _charged(lab, result, seconds)


async def resource_snapshot_query(ctx: CallContext) -> object:
    """``zfs.resource.snapshot.query`` (26+)."""
    lab = backups_of(ctx.state)
    result, seconds = snap.resource_snapshot_query(lab.store, lab.cost, ctx.params)
    return await _charged(lab, result, seconds)


async def resource_snapshot_count(ctx: CallContext) -> object:
    """``zfs.resource.snapshot.count`` (26+)."""
    lab = backups_of(ctx.state)
    result, seconds = snap.resource_snapshot_count(lab.store, lab.cost, ctx.params)
    return await _charged(lab, result, seconds)


BACKUP_METHODS: Final[dict[str, Method]] = {
    "pool.snapshottask.query": Method(snapshottask_query, 2, role="SNAPSHOT_TASK_READ"),
    "pool.snapshottask.run": Method(snapshottask_run, 1, role="SNAPSHOT_TASK_WRITE"),
    "replication.query": Method(replication_query, 2, role="REPLICATION_TASK_READ"),
    # Given models in 25.10: ENOMETHOD on /api/v25.04.x of a 25.10+ box (see labsim.rpc.Method).
    "replication.run": Method(replication_run, 2, role="REPLICATION_TASK_WRITE", api_since="25.10"),
    "cloudsync.query": Method(cloudsync_query, 2, role="CLOUD_SYNC_READ"),
    "cloudsync.sync": Method(cloudsync_sync, 2, role="CLOUD_SYNC_WRITE", api_since="25.10"),
    "cloudsync.abort": Method(cloudsync_abort, 1, role="CLOUD_SYNC_WRITE", api_since="25.10"),
    # 25.10 made zfs.snapshot a private service (no role grants it); 26 has none.
    "zfs.snapshot.query": Method(
        snapshot_query, 2, role="SNAPSHOT_READ", admin_only_since="25.10", dropped_in="26"
    ),
    "zfs.snapshot.create": Method(
        snapshot_create, 1, role="SNAPSHOT_WRITE", admin_only_since="25.10", dropped_in="26"
    ),
    "pool.snapshot.query": Method(snapshot_query, 2, role="SNAPSHOT_READ", since="25.10"),
    "pool.snapshot.create": Method(snapshot_create, 1, role="SNAPSHOT_WRITE", since="25.10"),
    "zfs.resource.query": Method(resource_query, 1, role="ZFS_RESOURCE_READ", since="25.10"),
    "zfs.resource.snapshot.query": Method(
        resource_snapshot_query, 1, role="SNAPSHOT_READ", since="26"
    ),
    "zfs.resource.snapshot.count": Method(
        resource_snapshot_count, 1, role="SNAPSHOT_READ", since="26"
    ),
}


# ---------------------------------------------------------------- control API


def _lab(request: web.Request) -> BackupLab:
    server: RpcServer = next(v for v in request.app.values() if isinstance(v, RpcServer))
    return backups_of(server.state)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        msg = "invalid JSON body"
        raise LabError(msg) from None
    if not isinstance(data, dict):
        msg = "the body must be a JSON object"
        raise LabError(msg)
    return data


def _task_runtime(lab: BackupLab, request: web.Request) -> TaskRuntime:
    kind = request.match_info["kind"]
    try:
        task_id = int(request.match_info["id"])
    except ValueError:
        msg = "the task id must be an integer"
        raise LabError(msg) from None
    runtime = lab.runtime.get((kind, task_id))
    if runtime is None:
        msg = f"no {kind} task {task_id} (kinds: {', '.join(KINDS)})"
        raise LabError(msg, 404)
    return runtime


def _json(data: object, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=ejson.dumps)


async def get_backups(request: web.Request) -> web.Response:
    """``GET /control/backups``: tasks, snapshots and the backup clock."""
    return _json(_lab(request).summary())


async def get_cost(request: web.Request) -> web.Response:
    """``GET /control/snapshot_cost``: what snapshot listing has cost the server."""
    return _json(_lab(request).cost.as_dict())


async def reset_cost(request: web.Request) -> web.Response:
    """``DELETE /control/snapshot_cost``: start counting again."""
    _lab(request).cost = snap.SnapshotCost()
    return _json({"ok": True})


async def cost_delay(request: web.Request) -> web.Response:
    """``POST /control/snapshot_cost/delay {"factor": 1.0}``: really spend the charged time."""
    body = await _body(request)
    factor = body.get("factor", 1.0)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor < 0:
        msg = "'factor' must be a non-negative number"
        raise LabError(msg)
    _lab(request).cost_delay = float(factor)
    return _json({"factor": float(factor)})


async def advance(request: web.Request) -> web.Response:
    """``POST /control/backups/advance {"seconds": 7200}``: move the backup clock forward."""
    body = await _body(request)
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        msg = "'seconds' must be a non-negative number"
        raise LabError(msg)
    lab = _lab(request)
    lab.offset += timedelta(seconds=seconds)
    lab.tick()
    return _json(lab.summary())


async def fail_next(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/fail_next {"error": "..."}``: the next run fails."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    default = {
        "snapshot_task": "cannot create snapshot: out of space",
        "replication": "[EFAULT] ssh: connect to host offsite.example.net port 22: Connection refused",
        "cloudsync": "Failed to upload: 401 Unauthorized (bad_auth_token)",
    }[runtime.kind]
    runtime.fail_next = str((await _body(request)).get("error", default))
    return _json({"fail_next": runtime.fail_next})


async def stall(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/stall {"stalled": true}``: a running job stops moving."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    stalled = (await _body(request)).get("stalled", True)
    if not isinstance(stalled, bool):
        msg = "'stalled' must be true or false"
        raise LabError(msg)
    if stalled:
        runtime.stalled.clear()
    else:
        runtime.stalled.set()
    return _json({"stalled": stalled})


async def age(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/age {"hours": 30}``: the last run becomes old.

    The task's schedule stops running (zettarepl or cron got stuck), so it stays old until the
    task is run by hand; ``{"resume": true}`` lets the schedule run again.
    """
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    body = await _body(request)
    if body.get("resume"):
        runtime.paused = False
        runtime.processed_until = lab.now()
        return _json({"paused": False})
    hours = body.get("hours", 48)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours < 0:
        msg = "'hours' must be a non-negative number"
        raise LabError(msg)
    when = lab.now() - timedelta(hours=hours)
    runtime.paused = True
    if runtime.kind == "snapshot_task":
        task = lab.snapshot_tasks[runtime.id]
        lab.task_state[task.id] = lab._finished_state(task, when, None)  # noqa: SLF001
    elif runtime.kind == "replication":
        state = lab.replication_state[runtime.id]
        state["datetime"] = when
        job = lab.replication_job[runtime.id]
        if job is not None:
            job["time_finished"] = when
    else:
        job = lab.cloudsync_job[runtime.id]
        if job is not None:
            job["time_started"] = when - timedelta(minutes=5)
            job["time_finished"] = when
    return _json({"paused": True, "last_run": when})


async def run_task(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/run``: start a run as the scheduler does."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    if runtime.kind == "snapshot_task":
        task = lab.snapshot_tasks[runtime.id]
        lab.state._spawn(lab._run_snapshot_task_later(task))  # noqa: SLF001
        return _json({"started": True})
    if runtime.kind == "replication":
        return _json({"job_id": lab.start_replication(lab.replications[runtime.id])})
    return _json({"job_id": lab.start_cloudsync(lab.cloudsyncs[runtime.id])})


async def set_task(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}/{id}/set {"enabled": false, "locked": true, "state": "HOLD"}``."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    body = await _body(request)
    task: SnapshotTaskDef | ReplicationDef | CloudSyncDef
    if runtime.kind == "snapshot_task":
        task = lab.snapshot_tasks[runtime.id]
    elif runtime.kind == "replication":
        task = lab.replications[runtime.id]
        if "state" in body:
            lab.replication_state[runtime.id]["state"] = str(body["state"]).upper()
    else:
        task = lab.cloudsyncs[runtime.id]
        if "locked" in body:
            task.locked = bool(body["locked"])
    if "enabled" in body:
        task.enabled = bool(body["enabled"])
    if "seconds" in body:
        runtime.seconds = float(body["seconds"])
    return _json({"ok": True})


async def add_snapshot(request: web.Request) -> web.Response:
    """``POST /control/backups/snapshots {"dataset": D, "name": N}``: a snapshot from elsewhere."""
    lab = _lab(request)
    body = await _body(request)
    dataset, name = body.get("dataset"), body.get("name")
    if not isinstance(dataset, str) or not isinstance(name, str):
        msg = "'dataset' and 'name' must be strings"
        raise LabError(msg)
    try:
        created = lab.store.create(dataset, name, lab.now())
    except ValueError as err:
        raise LabError(str(err), 409) from None
    return _json({"name": created.full_name, "createtxg": created.txg}, 201)


async def set_version(request: web.Request) -> web.Response:
    """``POST /control/backups/version {"version": "26.0.0"}``: the server is now that version.

    ``system.info`` reports it and ``/api/versions`` lists the API versions up to it; new
    connections to ``/api/current`` speak the newest of them. Open connections keep theirs
    (``{"drop": true}`` cuts them so clients reconnect).
    """
    lab = _lab(request)
    body = await _body(request)
    version = body.get("version")
    if not isinstance(version, str) or not version[:1].isdigit():
        msg = "'version' must be like '26.0.0'"
        raise LabError(msg)
    wanted = version_tuple(version)
    versions = [v for v in KNOWN_VERSIONS if version_tuple(v)[:2] <= wanted[:2]]
    versions = [v for v in versions if version_tuple(v) <= wanted] or versions
    if f"v{version}" not in versions:
        versions.append(f"v{version}")
    versions.sort(key=version_tuple)
    lab.state.system.version = version
    lab.state.scenario.api_versions = versions
    dropped = 0
    if body.get("drop"):
        server: RpcServer = next(v for v in request.app.values() if isinstance(v, RpcServer))
        dropped = server.drop_all()
    return _json({"version": version, "api_versions": versions, "dropped": dropped})


async def add_task(request: web.Request) -> web.Response:
    """``POST /control/backups/{kind}``: create a task (body: a scenario entry of that kind)."""
    lab = _lab(request)
    kind = request.match_info["kind"]
    body = await _body(request)
    now = lab.now()
    if kind == "snapshot_task":
        task = _snapshot_task(_Reader(body, kind), max(lab.snapshot_tasks, default=0))
        lab.snapshot_tasks[task.id] = task
        lab.task_state[task.id] = {"state": "PENDING"}
        runtime = TaskRuntime(kind, task.id, Cron.parse(task.schedule), now)
    elif kind == "replication":
        rep = _replication(_Reader(body, kind), max(lab.replications, default=0))
        lab.replications[rep.id] = rep
        lab.replication_state[rep.id] = {"state": "PENDING", "warnings": []}
        lab.replication_job[rep.id] = None
        cron = Cron.parse(rep.schedule) if rep.schedule is not None else None
        runtime = TaskRuntime(kind, rep.id, cron, now, seconds=rep.seconds)
    elif kind == "cloudsync":
        sync = _cloudsync(_Reader(body, kind), max(lab.cloudsyncs, default=0))
        lab.cloudsyncs[sync.id] = sync
        lab.cloudsync_job[sync.id] = None
        runtime = TaskRuntime(kind, sync.id, Cron.parse(sync.schedule), now, seconds=sync.seconds)
    else:
        msg = f"no task kind {kind!r} (kinds: {', '.join(KINDS)})"
        raise LabError(msg, 404)
    if (kind, runtime.id) in lab.runtime:
        msg = f"{kind} {runtime.id} exists"
        raise LabError(msg, 409)
    lab.runtime[kind, runtime.id] = runtime
    return _json({"id": runtime.id}, 201)


async def delete_task(request: web.Request) -> web.Response:
    """``DELETE /control/backups/{kind}/{id}``: delete a task (its snapshots stay)."""
    lab = _lab(request)
    runtime = _task_runtime(lab, request)
    if runtime.task is not None:
        runtime.task.cancel()
    del lab.runtime[runtime.kind, runtime.id]
    if runtime.kind == "snapshot_task":
        del lab.snapshot_tasks[runtime.id]
    elif runtime.kind == "replication":
        del lab.replications[runtime.id]
    else:
        del lab.cloudsyncs[runtime.id]
    return _json({"ok": True})


def backup_routes() -> list[web.RouteDef]:
    """The control routes for backups."""
    one = "/control/backups/{kind}/{id}"
    return [
        web.get("/control/backups", get_backups),
        web.post("/control/backups/advance", advance),
        web.post("/control/backups/version", set_version),
        web.post("/control/backups/snapshots", add_snapshot),
        web.get("/control/snapshot_cost", get_cost),
        web.delete("/control/snapshot_cost", reset_cost),
        web.post("/control/snapshot_cost/delay", cost_delay),
        web.post(f"{one}/fail_next", fail_next),
        web.post(f"{one}/stall", stall),
        web.post(f"{one}/age", age),
        web.post(f"{one}/run", run_task),
        web.post(f"{one}/set", set_task),
        web.post("/control/backups/{kind}", add_task),
        web.delete(one, delete_task),
    ]
