"""Backups on TrueNAS: snapshot tasks, replication, cloud sync, and snapshot freshness at any scale.

Listing snapshots is what costs a TrueNAS server the most (about 8 s for 11,550 snapshots), and
on 25.04/25.10 a `dataset =` filter with properties reads *every snapshot on the system* before
filtering. So this module never asks for that. Which method serves what, by TrueNAS version:

| need                           | 25.04                 | 25.10                 | 26+                            |
| ------------------------------ | --------------------- | --------------------- | ------------------------------ |
| did a dataset's snapshots change | no signal (look each refresh, cheaply) | `zfs.resource.query` `snapshots_changed` | same |
| one snapshot's creation        | `zfs.snapshot.query` with one `id =` filter | `pool.snapshot.query`, one `id =` | `zfs.resource.snapshot.query` `paths: [snapshot]` |
| snapshots after a known one    | `zfs.snapshot.query` `select: ["name"]`, `dataset =`, `extra.min_txg` (names fast path, pushed down, kernel-side txg filter) | `pool.snapshot.query`, same | `zfs.resource.snapshot.query` `paths: [dataset]`, `min_txg` |
| snapshot count per dataset     | not cheap: not read   | not cheap: not read   | `zfs.resource.snapshot.count` (cached on the server) |
| take a snapshot                | `zfs.snapshot.create` | `pool.snapshot.create` | `pool.snapshot.create`        |
| tasks (all versions)           | `pool.snapshottask.query/run`, `replication.query/run`, `cloudsync.query/sync` | | |

`SnapshotFreshness` puts it together: the newest snapshot of a dataset is guessed from its
periodic snapshot task's `last_snapshot` and checked with a one-snapshot lookup; a dataset is read
again only when its `snapshots_changed` moved (25.10+), and then only the snapshots after the
known newest are listed. A refresh reads a few snapshots per dataset asked about, never more than
those datasets hold, and an unchanged lab costs one `zfs.resource.query`. The names fast path
returns a dataset's snapshots in creation order (ZFS iterates them by createtxg), so the last
name is the newest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
import re
from typing import TYPE_CHECKING, Any, Final, Self

from ._parse import (
    JSONDict,
    Model,
    as_dict,
    as_list,
    ejson_datetime,
    epoch_datetime,
    opt_dict,
    opt_float,
    opt_int,
    opt_str,
    req_str,
    source,
)
from .exceptions import TrueNASError
from .schedule import Schedule

if TYPE_CHECKING:
    from .client import TrueNASClient

SNAPSHOT_TASK_STATES = ("PENDING", "RUNNING", "FINISHED", "ERROR")
REPLICATION_STATES = ("PENDING", "WAITING", "RUNNING", "FINISHED", "ERROR", "HOLD")
JOB_STATES = ("WAITING", "RUNNING", "SUCCESS", "FAILED", "ABORTED")
# The fields the models read (`select` keeps replies small on boxes with many tasks).
REPLICATION_SELECT = [
    "id", "name", "enabled", "state", "job", "direction", "transport", "source_datasets",
    "target_dataset", "auto", "schedule", "periodic_snapshot_tasks",
]  # fmt: skip
CLOUD_SYNC_SELECT = [
    "id", "description", "enabled", "locked", "job", "direction", "transfer_mode", "path",
    "credentials", "schedule",
]  # fmt: skip
# How many `id =` lookups run at once (the server runs 10 calls per connection).
LOOKUP_CONCURRENCY = 5


# ---------------------------------------------------------------- versions


@dataclass(frozen=True, slots=True)
class BackupMethods:
    """The methods one TrueNAS API version offers for snapshots."""

    level: tuple[int, int]
    snapshot_query: str | None
    """`zfs.snapshot.query` (25.04) / `pool.snapshot.query` (25.10); None when not used (26)."""
    snapshot_create: str
    snapshots_changed: bool
    """`zfs.resource.query` with `snapshots_changed` (25.10+)."""
    resource_snapshots: bool
    """`zfs.resource.snapshot.query` / `.count`, path scoped (26+)."""


# Newest first; the first entry whose level is <= the server's serves it.
METHODS_BY_VERSION: tuple[BackupMethods, ...] = (
    BackupMethods((26, 0), None, "pool.snapshot.create", True, True),
    BackupMethods((25, 10), "pool.snapshot.query", "pool.snapshot.create", True, False),
    BackupMethods((25, 4), "zfs.snapshot.query", "zfs.snapshot.create", False, False),
)


def parse_version(text: str | None) -> tuple[int, int] | None:
    """`"25.10.2"`, `"v26.0.0"` or `"TrueNAS-SCALE-25.04.2.1"` -> `(25, 10)`; None if not one."""
    if not text:
        return None
    numbers = re.findall(r"\d+", text)
    if len(numbers) < 2:  # noqa: PLR2004 - major and minor
        return None
    return int(numbers[0]), int(numbers[1])


def methods_for(level: tuple[int, int]) -> BackupMethods:
    """The methods for an API level (older than 25.04 is served as 25.04)."""
    for methods in METHODS_BY_VERSION:
        if level >= methods.level:
            return methods
    return METHODS_BY_VERSION[-1]


# ---------------------------------------------------------------- models


def _datetime(data: JSONDict, key: str) -> datetime | None:
    value = data.get(key)
    if isinstance(value, dict):
        return ejson_datetime(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_datetime(value)
    return None


# A time as an EJSON date or epoch seconds; where a task's `state` keeps it.
_TIME: Final = source(read=_datetime)
_LAST_RUN: Final = source("datetime", within="state", read=_datetime)
_STATE: Final = source(within="state")


def _task_id(data: JSONDict, key: str) -> int | None:
    """The task a job runs: its first argument."""
    arguments = data.get(key)
    first = arguments[0] if isinstance(arguments, list) and arguments else None
    return first if isinstance(first, int) and not isinstance(first, bool) else None


def _pending(data: JSONDict, key: str) -> str:
    """A task's state; PENDING before it first ran."""
    return opt_str(data, key) or "PENDING"


def _strings(data: JSONDict, key: str) -> tuple[str, ...]:
    items = data.get(key)
    return tuple(str(item) for item in items) if isinstance(items, list) else ()


@dataclass(frozen=True, slots=True)
class TaskJob(Model):
    """The job of a task run (`replication.query`/`cloudsync.query` `job`, or a job event).

    `id` is None for a cloud sync's last job once it is stored with the task.
    """

    state: str
    id: int | None = None
    method: str | None = None
    task_id: int | None = field(default=None, metadata=source("arguments", read=_task_id))
    percent: float | None = field(default=None, metadata=source(within="progress"))
    description: str | None = field(default=None, metadata=source(within="progress"))
    error: str | None = None
    time_started: datetime | None = field(default=None, metadata=_TIME)
    time_finished: datetime | None = field(default=None, metadata=_TIME)

    @property
    def running(self) -> bool:
        """WAITING or RUNNING."""
        return self.state in {"WAITING", "RUNNING"}


@dataclass(frozen=True, slots=True, kw_only=True)
class _StatefulTask(Model):
    """What a snapshot task and a replication share: an id, a switch and a `state` object."""

    id: int
    enabled: bool = True
    state: str = field(default="PENDING", metadata=source(within="state", read=_pending))
    """PENDING before the task first ran; the others each task kind's own (see its docstring)."""
    schedule: Schedule | None = None
    last_run: datetime | None = field(default=None, metadata=_LAST_RUN)
    last_snapshot: str | None = field(default=None, metadata=_STATE)
    error: str | None = field(default=None, metadata=_STATE)


@dataclass(frozen=True, slots=True)
class SnapshotTask(_StatefulTask):
    """A periodic snapshot task (`pool.snapshottask.query`): PENDING, RUNNING, FINISHED or ERROR."""

    dataset: str
    recursive: bool = False
    exclude: tuple[str, ...] = field(default=(), metadata=source(read=_strings))
    naming_schema: str | None = None
    lifetime_value: int | None = None
    lifetime_unit: str | None = None

    def covers(self, dataset: str) -> bool:
        """Whether this task snapshots `dataset`."""
        if dataset == self.dataset:
            return True
        if not self.recursive or not dataset.startswith(self.dataset + "/"):
            return False
        return not any(dataset == ex or dataset.startswith(ex + "/") for ex in self.exclude)


@dataclass(frozen=True, slots=True)
class ReplicationProgress(Model):
    """`state.progress` of a running replication."""

    dataset: str | None = None
    snapshots_sent: int | None = None
    snapshots_total: int | None = None
    bytes_sent: int | None = None
    bytes_total: int | None = None

    @property
    def percent(self) -> float | None:
        """Bytes sent of the total, in %."""
        if self.bytes_sent is None or not self.bytes_total:
            return None
        return round(self.bytes_sent / self.bytes_total * 100, 1)


def _task_schedules(data: JSONDict, key: str) -> tuple[Schedule, ...]:
    tasks = data.get(key)
    return tuple(
        Schedule.from_dict(task["schedule"])
        for task in (tasks if isinstance(tasks, list) else [])
        if isinstance(task, dict) and isinstance(task.get("schedule"), dict)
    )


@dataclass(frozen=True, slots=True)
class ReplicationTask(_StatefulTask):
    """A replication task (`replication.query`): PENDING, WAITING, RUNNING, FINISHED, ERROR or HOLD."""

    name: str
    direction: str | None = None
    transport: str | None = None
    source_datasets: tuple[str, ...] = field(default=(), metadata=source(read=_strings))
    target_dataset: str | None = None
    auto: bool = False
    snapshot_task_schedules: tuple[Schedule, ...] = field(
        default=(), metadata=source("periodic_snapshot_tasks", read=_task_schedules)
    )
    """Schedules of the periodic snapshot tasks an `auto` replication follows."""
    progress: ReplicationProgress | None = field(default=None, metadata=_STATE)
    job: TaskJob | None = None

    @property
    def schedules(self) -> tuple[Schedule, ...]:
        """When it runs: its own schedule, or after the snapshot tasks it follows."""
        return (self.schedule,) if self.schedule is not None else self.snapshot_task_schedules


def _description(data: JSONDict, key: str) -> str:
    return opt_str(data, key) or f"Cloud sync {data['id']}"


def _provider(data: JSONDict, key: str) -> str | None:
    """The type of the task's credentials' provider (a name, or `{"type": name}` on 25.10+)."""
    credentials = data.get(key)
    provider = credentials.get("provider") if isinstance(credentials, dict) else None
    if isinstance(provider, dict):
        provider = provider.get("type")
    return provider if isinstance(provider, str) else None


@dataclass(frozen=True, slots=True)
class CloudSyncTask(Model):
    """A cloud sync (rclone) task (`cloudsync.query`); it has no state, only its last job."""

    id: int
    description: str = field(default="", metadata=source(read=_description))
    enabled: bool = True
    locked: bool = False
    direction: str | None = None
    transfer_mode: str | None = None
    path: str | None = None
    provider: str | None = field(default=None, metadata=source("credentials", read=_provider))
    schedule: Schedule | None = None
    job: TaskJob | None = None


def _creation(data: JSONDict, key: str) -> datetime | None:
    properties = data.get(key)
    if not isinstance(properties, dict):
        return None
    creation = properties.get("creation")
    if not isinstance(creation, dict):
        return None
    # 25.x: {"rawvalue": "1787367600", "parsed": {"$date": ...}}; 26: {"raw": "...", "value": N}
    for form in ("rawvalue", "raw", "value"):
        seconds = opt_int(creation, form)
        if seconds is not None:
            return epoch_datetime(seconds)
    return ejson_datetime(creation.get("parsed"))


def _dataset(data: JSONDict, key: str) -> str:
    """The snapshot's dataset: as sent, or the part of its name before the `@`."""
    return opt_str(data, key) or req_str(data, "name").partition("@")[0]


@dataclass(frozen=True, slots=True)
class Snapshot(Model):
    """One snapshot (`dataset@name`), as any version lists it."""

    name: str
    dataset: str = field(default="", metadata=source(read=_dataset))
    createtxg: int | None = None
    created: datetime | None = field(default=None, metadata=source("properties", read=_creation))


@dataclass(frozen=True, slots=True)
class DatasetSnapshots:
    """What is known of one dataset's snapshots."""

    dataset: str
    newest: Snapshot | None = None
    count: int | None = None
    changed: datetime | None = None
    """`snapshots_changed`: the last snapshot create or destroy (25.10+)."""


def _zfs_property[T](
    read: Callable[[JSONDict, str], T | None],
) -> Callable[[JSONDict, str], T | None]:
    """A ZFS property object (`{"parsed", "rawvalue", "value", "source"}`): `parsed`, else `rawvalue`."""

    def value(data: JSONDict, key: str) -> T | None:
        prop = opt_dict(data, key)
        parsed = read(prop, "parsed")
        return parsed if parsed is not None else read(prop, "rawvalue")

    return value


_zfs_int = _zfs_property(opt_int)
"""A size property in bytes."""


def _zfs_quota(data: JSONDict, key: str) -> int | None:
    """A quota in bytes; None when there is none (ZFS says 0, `parsed` None)."""
    return _zfs_int(data, key) or None


_zfs_ratio = _zfs_property(opt_float)
"""A ratio such as `compressratio` (`parsed` "1.52", `value` "1.52x")."""


# What the watched datasets' query reads: their usage and whether their key is loaded
# (`keystatus` makes the middleware read the encryption state; `encrypted`/`locked` hold it).
DATASET_PROPERTIES = ["used", "available", "quota", "compressratio", "keystatus"]
DATASET_SELECT = ["id", "encrypted", "locked", "used", "available", "quota", "compressratio"]


@dataclass(frozen=True, slots=True)
class DatasetUsage(Model):
    """A watched dataset's space and lock state (`pool.dataset.query`)."""

    id: str
    used: int | None = field(default=None, metadata=source(read=_zfs_int))
    available: int | None = field(default=None, metadata=source(read=_zfs_int))
    quota: int | None = field(default=None, metadata=source(read=_zfs_quota))
    compressratio: float | None = field(default=None, metadata=source(read=_zfs_ratio))
    encrypted: bool = False
    locked: bool = False


def glob_regex(patterns: Iterable[str]) -> str:
    """One anchored regex for dataset globs: `*` stays within a path component, `**` does not."""
    parts = []
    for pattern in patterns:
        tokens = re.split(r"(\*\*|\*|\?)", pattern.strip().strip("/"))
        mapping = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
        parts.append("".join(mapping.get(token, re.escape(token)) for token in tokens))
    return "^(?:" + "|".join(parts) + ")$"


# ---------------------------------------------------------------- API


class TrueNASBackups:
    """Backup methods of a TrueNAS server, chosen by its version."""

    def __init__(self, client: TrueNASClient, methods: BackupMethods) -> None:
        """Use `methods` (see `detect`)."""
        self.client = client
        self.methods = methods

    @classmethod
    async def detect(cls, client: TrueNASClient, *, software_version: str | None) -> Self:
        """Pick the methods from `system.info` `version` and the API version the client speaks.

        The API level is the client's pinned version, or the newest of `/api/versions` for
        `/api/current`; the lower of it and the software version wins.
        """
        levels = [parse_version(software_version)]
        if client.api_version != "current":
            levels.append(parse_version(client.api_version))
        else:
            try:
                served = [parse_version(version) for version in await client.api_versions()]
            except TrueNASError:
                served = []
            levels.append(max((v for v in served if v is not None), default=None))
        known = [level for level in levels if level is not None]
        return cls(client, methods_for(min(known) if known else (25, 4)))

    # ------------------------------------------------------------ tasks

    async def snapshot_tasks(self, filters: list[Any] | None = None) -> list[SnapshotTask]:
        """`pool.snapshottask.query`."""
        result = await self.client.query("pool.snapshottask.query", filters)
        return [SnapshotTask.from_dict(item) for item in as_list(result, "pool.snapshottask.query")]

    async def replication_tasks(self) -> list[ReplicationTask]:
        """`replication.query` (the fields `ReplicationTask` reads)."""
        result = await self.client.query(
            "replication.query",
            select=REPLICATION_SELECT,
        )
        return [ReplicationTask.from_dict(item) for item in as_list(result, "replication.query")]

    async def cloud_sync_tasks(self) -> list[CloudSyncTask]:
        """`cloudsync.query` (the fields `CloudSyncTask` reads)."""
        result = await self.client.query(
            "cloudsync.query",
            select=CLOUD_SYNC_SELECT,
        )
        return [CloudSyncTask.from_dict(item) for item in as_list(result, "cloudsync.query")]

    async def run_snapshot_task(self, task_id: int) -> None:
        """`pool.snapshottask.run`: not a job; zettarepl takes the snapshots soon after."""
        await self.client.call("pool.snapshottask.run", [task_id])

    async def run_replication(self, task_id: int) -> int:
        """`replication.run`; returns the job id."""
        return await self.client.start_job("replication.run", [task_id])

    async def sync_cloud(self, task_id: int) -> int:
        """`cloudsync.sync`; returns the job id."""
        return await self.client.start_job("cloudsync.sync", [task_id])

    # ------------------------------------------------------------ datasets and snapshots

    async def datasets(self, patterns: Sequence[str]) -> list[str]:
        """Names of the datasets matching globs (`pool.dataset.query`)."""
        return [usage.id for usage in await self.dataset_usage(patterns)]

    async def dataset_usage(self, patterns: Sequence[str]) -> list[DatasetUsage]:
        """The datasets matching globs with their usage and lock state, by name.

        One `pool.dataset.query`: no children, no user properties, only the properties read.
        """
        if not patterns:
            return []
        result = await self.client.query(
            "pool.dataset.query",
            [["id", "~", glob_regex(patterns)]],
            select=DATASET_SELECT,
            extra={
                "retrieve_children": False,
                "properties": DATASET_PROPERTIES,
                "retrieve_user_props": False,
            },
        )
        usage = [DatasetUsage.from_dict(item) for item in as_list(result, "datasets")]
        return sorted(usage, key=lambda item: item.id)

    async def unlock_dataset(self, name: str, passphrase: str) -> int:
        """`pool.dataset.unlock` with a passphrase (a job); returns the job id.

        The passphrase goes into the call's parameters only: never into a log or an error.
        """
        return await self.client.start_job(
            "pool.dataset.unlock",
            [name, {"datasets": [{"name": name, "passphrase": passphrase}]}],
        )

    async def snapshots_changed(self, datasets: Sequence[str]) -> dict[str, datetime | None]:
        """`zfs.resource.query` `snapshots_changed` per dataset (25.10+); reads no snapshot."""
        result = await self.client.call(
            "zfs.resource.query", [{"paths": list(datasets), "properties": ["snapshots_changed"]}]
        )
        changed: dict[str, datetime | None] = {}
        for item in as_list(result, "zfs.resource.query"):
            entry = as_dict(item, "zfs resource")
            properties = entry.get("properties")
            prop = properties.get("snapshots_changed") if isinstance(properties, dict) else None
            seconds = None
            if isinstance(prop, dict):
                seconds = opt_int(prop, "value")
                if seconds is None:
                    seconds = opt_int(prop, "raw")
            changed[req_str(entry, "name")] = epoch_datetime(seconds) if seconds else None
        return changed

    async def snapshot_names(self, dataset: str, *, min_txg: int = 0) -> list[str]:
        """A dataset's snapshot names, oldest first (25.x names fast path).

        The dataset filter is pushed down and `min_txg` is applied in the kernel, so only the
        snapshots after it are read.
        """
        assert self.methods.snapshot_query is not None  # noqa: S101 - 25.x only
        result = await self.client.query(
            self.methods.snapshot_query,
            [["dataset", "=", dataset]],
            select=["name"],
            extra={"min_txg": min_txg} if min_txg else None,
        )
        items = as_list(result, self.methods.snapshot_query)
        return [req_str(as_dict(item, "snapshot"), "name") for item in items]

    async def snapshot(self, name: str) -> Snapshot | None:
        """One snapshot with its creation time (a single `id =` filter, or a snapshot path)."""
        if self.methods.resource_snapshots:
            try:
                result = await self.client.call(
                    "zfs.resource.snapshot.query", [{"paths": [name], "properties": ["creation"]}]
                )
            except TrueNASError:
                return None  # ENOENT: it was destroyed
            items = as_list(result, "zfs.resource.snapshot.query")
        else:
            assert self.methods.snapshot_query is not None  # noqa: S101 - 25.x
            items = as_list(
                await self.client.query(
                    self.methods.snapshot_query,
                    [["id", "=", name]],
                    extra={"properties": ["creation"]},
                ),
                self.methods.snapshot_query,
            )
        return Snapshot.from_dict(items[0]) if items else None

    async def snapshots(self, datasets: Sequence[str], *, min_txg: int = 0) -> list[Snapshot]:
        """The snapshots of `datasets` (not their children) with creation (26, path scoped)."""
        params: dict[str, Any] = {"paths": list(datasets), "properties": ["creation"]}
        if min_txg:
            params["min_txg"] = min_txg
        result = await self.client.call("zfs.resource.snapshot.query", [params])
        return [Snapshot.from_dict(item) for item in as_list(result, "zfs.resource.snapshot.query")]

    async def newest_after(self, dataset: str, after: Snapshot | None) -> Snapshot | None:
        """The newest snapshot of `dataset` created after `after` (any, when None).

        Only the snapshots after `after` are read (`min_txg`): on 26 with their creation, on
        25.x as names, then the last one (the newest) by its `id`.
        """
        min_txg = (after.createtxg or 0) + 1 if after is not None else 0
        if self.methods.resource_snapshots:
            found = await self.snapshots([dataset], min_txg=min_txg)
            return max(found, key=lambda snapshot: snapshot.createtxg or 0, default=None)
        names = await self.snapshot_names(dataset, min_txg=min_txg)
        return await self.snapshot(names[-1]) if names else None

    async def snapshot_counts(self, datasets: Sequence[str]) -> dict[str, int]:
        """`zfs.resource.snapshot.count` (26; cached on the server)."""
        result = as_dict(
            await self.client.call("zfs.resource.snapshot.count", [{"paths": list(datasets)}]),
            "zfs.resource.snapshot.count",
        )
        return {str(key): int(value) for key, value in result.items() if isinstance(value, int)}

    async def create_snapshot(self, dataset: str, name: str, *, recursive: bool) -> Snapshot:
        """`pool.snapshot.create` (`zfs.snapshot.create` on 25.04); not a job."""
        result = await self.client.call(
            self.methods.snapshot_create,
            [{"dataset": dataset, "name": name, "recursive": recursive}],
        )
        return Snapshot.from_dict(result)


def snapshot_hints(tasks: Iterable[SnapshotTask], datasets: Iterable[str]) -> dict[str, str]:
    """The snapshot each dataset most likely has as its newest: its covering tasks' last one.

    A recursive task's `last_snapshot` is `<task dataset>@<name>`; every dataset it covers got a
    snapshot of the same name in that run.
    """
    hints: dict[str, str] = {}
    for dataset in datasets:
        covering = [
            task
            for task in tasks
            if task.covers(dataset) and task.last_snapshot and task.state == "FINISHED"
        ]
        if covering:
            task = max(covering, key=lambda t: t.last_run or datetime.min.replace(tzinfo=UTC))
            assert task.last_snapshot is not None  # noqa: S101 - filtered above
            hints[dataset] = f"{dataset}@{task.last_snapshot.partition('@')[2]}"
    return hints


@dataclass
class SnapshotFreshness:
    """Newest snapshot (and, on 26, count) per dataset, read as cheaply as the server allows.

    Per dataset, the newest snapshot is first guessed from the snapshot tasks (`hints`) and
    checked with a one-snapshot lookup; `snapshots_changed` then tells whether anything was
    created or destroyed after it. Only then are the snapshots after it listed (`min_txg`), so
    a dataset costs a few snapshot reads, never its whole history, once its newest is known.
    """

    api: TrueNASBackups
    cache: dict[str, DatasetSnapshots] = field(default_factory=dict)

    async def refresh(
        self, datasets: Sequence[str], hints: dict[str, str] | None = None
    ) -> dict[str, DatasetSnapshots]:
        """Bring `datasets` up to date; others are forgotten."""
        self.cache = {name: info for name, info in self.cache.items() if name in datasets}
        if not datasets:
            return {}
        methods = self.api.methods
        changed: dict[str, datetime | None] = {}
        if methods.snapshots_changed:
            changed = await self.api.snapshots_changed(datasets)
            moved = [
                name
                for name in datasets
                if name not in self.cache or self.cache[name].changed != changed.get(name)
            ]
        else:
            moved = list(datasets)  # 25.04 has no change signal: look each time (cheaply)
        if moved:
            counts = await self.api.snapshot_counts(moved) if methods.resource_snapshots else {}
            hints = hints or {}
            newest: list[Snapshot | None] = await self._gather(
                self._newest(name, hints.get(name), changed.get(name)) for name in moved
            )
            for name, snapshot in zip(moved, newest, strict=True):
                self.cache[name] = DatasetSnapshots(
                    name, snapshot, counts.get(name), changed.get(name)
                )
        return {name: self.cache[name] for name in datasets if name in self.cache}

    async def _gather[T](self, coros: Iterable[Any]) -> list[T]:
        slots = asyncio.Semaphore(LOOKUP_CONCURRENCY)

        async def limited(coro: Any) -> T:
            async with slots:
                result: T = await coro
                return result

        return list(await asyncio.gather(*(limited(coro) for coro in coros)))

    async def _newest(
        self, dataset: str, hint: str | None, changed: datetime | None
    ) -> Snapshot | None:
        cached = self.cache.get(dataset)
        known = cached.newest if cached is not None else None
        checked = False
        if hint is not None and (known is None or hint != known.name):
            found = await self.api.snapshot(hint)
            if found is not None and (known is None or _txg(found) > _txg(known)):
                known, checked = found, True
        if (
            known is not None
            and known.created is not None
            and changed is not None
            and changed <= known.created
        ):
            return known  # nothing was created or destroyed after it
        newer = await self.api.newest_after(dataset, known)
        if newer is not None or known is None or checked:
            return newer or known
        if await self.api.snapshot(known.name) is not None:
            return known
        # The newest one was destroyed: look at everything the dataset still has.
        return await self.api.newest_after(dataset, None)


def _txg(snapshot: Snapshot) -> int:
    return snapshot.createtxg or 0
