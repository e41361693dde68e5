"""Sensors of backups: per task (state, last run, progress, bytes, error) and per dataset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import override

from homeassistant.components.sensor import SensorEntity
from homeassistant.const import UnitOfInformation
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ... import sensor_descriptions as describe
from ...clients.truenas.backups import (
    JOB_STATES,
    REPLICATION_STATES,
    SNAPSHOT_TASK_STATES,
    CloudSyncTask,
    DatasetSnapshots,
    DatasetUsage,
    ReplicationTask,
    SnapshotTask,
)
from ...sensor_descriptions import ValueSensor, ValueSensorDescription
from ..runtime import TrueNASConfigEntry
from .coordinator import BackupCoordinator, TaskKey, TaskKind
from .entity import BackupTaskEntity, DatasetEntity, async_add_backup_entities

# A sensor's state holds at most 255 characters.
MAX_STATE_LENGTH = 255

SNAPSHOT_TASK_STATE_OPTIONS = [state.lower() for state in SNAPSHOT_TASK_STATES]
REPLICATION_STATE_OPTIONS = [state.lower() for state in REPLICATION_STATES]
CLOUD_SYNC_STATE_OPTIONS = ["never_run", *(state.lower() for state in JOB_STATES)]


def _option(value: str | None, options: list[str]) -> str | None:
    """An ENUM option; a value a newer TrueNAS adds reads as unknown."""
    lowered = value.lower() if value else None
    return lowered if lowered in options else None


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return value if len(value) <= MAX_STATE_LENGTH else value[: MAX_STATE_LENGTH - 1] + "…"


def replication_progress(coordinator: BackupCoordinator, task: ReplicationTask) -> float | None:
    """Live job progress, else the server's bytes sent of the total; None when idle."""
    job = coordinator.jobs.get((TaskKind.REPLICATION, task.id))
    if job is not None and job.percent is not None:
        return job.percent
    if task.state == "RUNNING" and task.progress is not None:
        return task.progress.percent
    return None


def replication_state(coordinator: BackupCoordinator, task: ReplicationTask) -> str | None:
    """Running while its job runs (job events are live; `replication.query` is polled)."""
    if (TaskKind.REPLICATION, task.id) in coordinator.jobs:
        return "running"
    return _option(task.state, REPLICATION_STATE_OPTIONS)


def cloud_sync_state(coordinator: BackupCoordinator, task: CloudSyncTask) -> str | None:
    """The state of the running job, else of the last one."""
    job = coordinator.jobs.get((TaskKind.CLOUD_SYNC, task.id)) or task.job
    if job is None:
        return "never_run"
    return _option(job.state, CLOUD_SYNC_STATE_OPTIONS)


def cloud_sync_progress(coordinator: BackupCoordinator, task: CloudSyncTask) -> float | None:
    """The running job's progress; None when idle."""
    job = coordinator.jobs.get((TaskKind.CLOUD_SYNC, task.id))
    if job is None and task.job is not None and task.job.running:
        job = task.job
    return job.percent if job is not None else None


# What a task sensor reads: the coordinator (for live jobs) and the task.
type TaskSensorDescription[TaskT] = ValueSensorDescription[BackupCoordinator, TaskT]
type DatasetSensorDescription = ValueSensorDescription[DatasetSnapshots]
# A sensor of a watched dataset's space (`pool.dataset.query`).
type DatasetUsageSensorDescription = ValueSensorDescription[DatasetUsage]


# The sensors every kind of task has, under the same translation for all kinds.
def _last_run[TaskT](last_run: Callable[[TaskT], datetime | None]) -> TaskSensorDescription[TaskT]:
    return describe.timestamp(
        "last_run", lambda _c, task: last_run(task), translation_key="backup_last_run"
    )


def _progress[TaskT](
    progress: Callable[[BackupCoordinator, TaskT], float | None],
) -> TaskSensorDescription[TaskT]:
    return describe.progress("progress", progress, translation_key="backup_progress", precision=0)


def _last_error[TaskT](error: Callable[[TaskT], str | None]) -> TaskSensorDescription[TaskT]:
    return describe.diagnostic(
        "last_error", lambda _c, task: _text(error(task)), translation_key="backup_last_error"
    )


SNAPSHOT_TASK_SENSORS: tuple[TaskSensorDescription[SnapshotTask], ...] = (
    describe.timestamp("last_snapshot", lambda _c, task: task.last_run),
    describe.diagnostic("last_snapshot_name", lambda _c, task: _text(task.last_snapshot)),
    describe.enum(
        "state",
        SNAPSHOT_TASK_STATE_OPTIONS,
        lambda _c, task: _option(task.state, SNAPSHOT_TASK_STATE_OPTIONS),
        translation_key="snapshot_task_state",
    ),
    _last_error(lambda task: task.error),
)

REPLICATION_SENSORS: tuple[TaskSensorDescription[ReplicationTask], ...] = (
    describe.enum(
        "state",
        REPLICATION_STATE_OPTIONS,
        replication_state,
        translation_key="replication_state",
    ),
    _last_run(lambda task: task.last_run),
    _progress(replication_progress),
    describe.data_size(
        "bytes_sent",
        lambda coordinator, task: coordinator.bytes_sent.get(task.id),
        shown_in=UnitOfInformation.GIBIBYTES,
        precision=2,
        measured=False,
    ),
    _last_error(lambda task: task.error),
)

CLOUD_SYNC_SENSORS: tuple[TaskSensorDescription[CloudSyncTask], ...] = (
    describe.enum(
        "state", CLOUD_SYNC_STATE_OPTIONS, cloud_sync_state, translation_key="cloud_sync_state"
    ),
    _last_run(lambda task: task.job.time_finished if task.job else None),
    _progress(cloud_sync_progress),
    _last_error(lambda task: task.job.error if task.job else None),
)

DATASET_SENSORS: tuple[DatasetSensorDescription, ...] = (
    describe.timestamp(
        "newest_snapshot", lambda info: info.newest.created if info.newest else None
    ),
    describe.measurement("snapshot_count", lambda info: info.count),
)


def _dataset_space(
    key: str, value_fn: Callable[[DatasetUsage], int | None], *, measured: bool = True
) -> DatasetUsageSensorDescription:
    """Bytes of a dataset's space, shown in GiB."""
    return describe.data_size(
        key,
        value_fn,
        translation_key=f"dataset_{key}",
        shown_in=UnitOfInformation.GIBIBYTES,
        precision=2,
        measured=measured,
    )


DATASET_USAGE_SENSORS: tuple[DatasetUsageSensorDescription, ...] = (
    _dataset_space("used", lambda usage: usage.used),
    _dataset_space("available", lambda usage: usage.available),
    # A quota is set, not measured: no statistics.
    _dataset_space("quota", lambda usage: usage.quota, measured=False),
    describe.measurement(
        "compression_ratio",
        lambda usage: usage.compressratio,
        translation_key="dataset_compression_ratio",
        precision=2,
    ),
)


@callback
def async_setup_backup_sensors(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Sensors for every backup task and watched dataset, including ones that appear later."""
    async_add_backup_entities(
        entry, async_add_entities, per_task=_task_sensors, per_dataset=_dataset_sensors
    )


def _task_sensors(backups: BackupCoordinator, key: TaskKey) -> list[SensorEntity]:
    if key[0] is TaskKind.SNAPSHOT:
        return [TaskSensor(backups, d, key, SnapshotTask) for d in SNAPSHOT_TASK_SENSORS]
    if key[0] is TaskKind.REPLICATION:
        return [TaskSensor(backups, d, key, ReplicationTask) for d in REPLICATION_SENSORS]
    return [TaskSensor(backups, d, key, CloudSyncTask) for d in CLOUD_SYNC_SENSORS]


def _dataset_sensors(backups: BackupCoordinator, name: str) -> list[SensorEntity]:
    # The count only where the server counts cheaply (26+: cached per dataset).
    counts = backups.api is not None and backups.api.methods.resource_snapshots
    sensors: list[SensorEntity] = [
        DatasetSensor(backups, description, name)
        for description in DATASET_SENSORS
        if counts or description.key != "snapshot_count"
    ]
    sensors += [DatasetUsageSensor(backups, d, name) for d in DATASET_USAGE_SENSORS]
    return sensors


class TaskSensor[TaskT: (SnapshotTask, ReplicationTask, CloudSyncTask)](
    BackupTaskEntity, ValueSensor[BackupCoordinator, TaskT]
):
    """A sensor of a backup task, whose description reads the task as a `TaskT`."""

    def __init__(
        self,
        coordinator: BackupCoordinator,
        description: ValueSensorDescription[BackupCoordinator, TaskT],
        key: TaskKey,
        task_type: type[TaskT],
    ) -> None:
        """One sensor of the task `key`, which is a `task_type`."""
        super().__init__(coordinator, description, key)
        self.task_type: type[TaskT] = task_type

    @override
    def sources(self) -> tuple[BackupCoordinator, TaskT]:
        """The coordinator (its live jobs) and the task's latest data."""
        task = self.task
        assert isinstance(task, self.task_type)  # noqa: S101 - by construction
        return (self.coordinator, task)


class DatasetSensor(DatasetEntity, ValueSensor[DatasetSnapshots]):
    """A sensor of a watched dataset."""

    @override
    def sources(self) -> tuple[DatasetSnapshots]:
        return (self.info,)


class DatasetUsageSensor(DatasetEntity, ValueSensor[DatasetUsage]):
    """A space sensor of a watched dataset."""

    @override
    def sources(self) -> tuple[DatasetUsage] | None:
        """The dataset's latest `pool.dataset.query` entry, if the query listed it."""
        usage = self.usage
        return (usage,) if usage is not None else None
