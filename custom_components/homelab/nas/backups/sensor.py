"""Sensors of backups: per task (state, last run, progress, bytes, error) and per dataset."""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity
from homeassistant.const import UnitOfInformation
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

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
from ...sensor_descriptions import (
    SensorValue,
    ValueSensorDescription,
    bytes_sensor,
    diagnostic_sensor,
    enum_sensor,
    measurement_sensor,
    progress_sensor,
    timestamp_sensor,
)
from ..runtime import TrueNASConfigEntry
from .coordinator import BackupCoordinator, TaskKey, TaskKind
from .entity import BackupTaskEntity, DatasetEntity, async_add_per_dataset, async_add_per_task

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
type SnapshotTaskSensorDescription = ValueSensorDescription[BackupCoordinator, SnapshotTask]
type ReplicationSensorDescription = ValueSensorDescription[BackupCoordinator, ReplicationTask]
type CloudSyncSensorDescription = ValueSensorDescription[BackupCoordinator, CloudSyncTask]
type DatasetSensorDescription = ValueSensorDescription[DatasetSnapshots]
# A sensor of a watched dataset's space (`pool.dataset.query`).
type DatasetUsageSensorDescription = ValueSensorDescription[DatasetUsage]


SNAPSHOT_TASK_SENSORS: tuple[SnapshotTaskSensorDescription, ...] = (
    timestamp_sensor("last_snapshot", lambda _c, task: task.last_run),
    diagnostic_sensor("last_snapshot_name", lambda _c, task: _text(task.last_snapshot)),
    enum_sensor(
        "state",
        SNAPSHOT_TASK_STATE_OPTIONS,
        lambda _c, task: _option(task.state, SNAPSHOT_TASK_STATE_OPTIONS),
        translation_key="snapshot_task_state",
    ),
    diagnostic_sensor(
        "last_error", lambda _c, task: _text(task.error), translation_key="backup_last_error"
    ),
)

REPLICATION_SENSORS: tuple[ReplicationSensorDescription, ...] = (
    enum_sensor(
        "state",
        REPLICATION_STATE_OPTIONS,
        replication_state,
        translation_key="replication_state",
    ),
    timestamp_sensor("last_run", lambda _c, task: task.last_run, translation_key="backup_last_run"),
    progress_sensor(
        "progress", replication_progress, translation_key="backup_progress", precision=0
    ),
    bytes_sensor(
        "bytes_sent",
        lambda coordinator, task: coordinator.bytes_sent.get(task.id),
        shown_in=UnitOfInformation.GIBIBYTES,
        precision=2,
        measured=False,
    ),
    diagnostic_sensor(
        "last_error", lambda _c, task: _text(task.error), translation_key="backup_last_error"
    ),
)

CLOUD_SYNC_SENSORS: tuple[CloudSyncSensorDescription, ...] = (
    enum_sensor(
        "state", CLOUD_SYNC_STATE_OPTIONS, cloud_sync_state, translation_key="cloud_sync_state"
    ),
    timestamp_sensor(
        "last_run",
        lambda _c, task: task.job.time_finished if task.job else None,
        translation_key="backup_last_run",
    ),
    progress_sensor(
        "progress", cloud_sync_progress, translation_key="backup_progress", precision=0
    ),
    diagnostic_sensor(
        "last_error",
        lambda _c, task: _text(task.job.error if task.job else None),
        translation_key="backup_last_error",
    ),
)

DATASET_SENSORS: tuple[DatasetSensorDescription, ...] = (
    timestamp_sensor("newest_snapshot", lambda info: info.newest.created if info.newest else None),
    measurement_sensor("snapshot_count", lambda info: info.count),
)

DATASET_USAGE_SENSORS: tuple[DatasetUsageSensorDescription, ...] = (
    bytes_sensor(
        "used",
        lambda usage: usage.used,
        translation_key="dataset_used",
        shown_in=UnitOfInformation.GIBIBYTES,
        precision=2,
    ),
    bytes_sensor(
        "available",
        lambda usage: usage.available,
        translation_key="dataset_available",
        shown_in=UnitOfInformation.GIBIBYTES,
        precision=2,
    ),
    bytes_sensor(
        "quota",
        lambda usage: usage.quota,
        translation_key="dataset_quota",
        shown_in=UnitOfInformation.GIBIBYTES,
        precision=2,
        measured=False,
    ),
    measurement_sensor(
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
    async_add_per_task(entry, async_add_entities, _task_sensors)
    async_add_per_dataset(entry, async_add_entities, _dataset_sensors)


def _task_sensors(backups: BackupCoordinator, key: TaskKey) -> list[SensorEntity]:
    if key[0] is TaskKind.SNAPSHOT:
        return [SnapshotTaskSensor(backups, d, key) for d in SNAPSHOT_TASK_SENSORS]
    if key[0] is TaskKind.REPLICATION:
        return [ReplicationSensor(backups, d, key) for d in REPLICATION_SENSORS]
    return [CloudSyncSensor(backups, d, key) for d in CLOUD_SYNC_SENSORS]


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


class SnapshotTaskSensor(BackupTaskEntity, SensorEntity):
    """A sensor of a periodic snapshot task."""

    entity_description: SnapshotTaskSensorDescription

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the task's latest data."""
        task = self.task
        assert isinstance(task, SnapshotTask)  # noqa: S101 - by construction
        return self.entity_description.value_fn(self.coordinator, task)


class ReplicationSensor(BackupTaskEntity, SensorEntity):
    """A sensor of a replication task."""

    entity_description: ReplicationSensorDescription

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the task's latest data and its live job."""
        task = self.task
        assert isinstance(task, ReplicationTask)  # noqa: S101 - by construction
        return self.entity_description.value_fn(self.coordinator, task)


class CloudSyncSensor(BackupTaskEntity, SensorEntity):
    """A sensor of a cloud sync task."""

    entity_description: CloudSyncSensorDescription

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the task's latest data and its live job."""
        task = self.task
        assert isinstance(task, CloudSyncTask)  # noqa: S101 - by construction
        return self.entity_description.value_fn(self.coordinator, task)


class DatasetSensor(DatasetEntity, SensorEntity):
    """A sensor of a watched dataset."""

    entity_description: DatasetSensorDescription

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the dataset's latest data."""
        return self.entity_description.value_fn(self.info)


class DatasetUsageSensor(DatasetEntity, SensorEntity):
    """A space sensor of a watched dataset."""

    entity_description: DatasetUsageSensorDescription

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the dataset's latest `pool.dataset.query` entry."""
        usage = self.usage
        return self.entity_description.value_fn(usage) if usage is not None else None
