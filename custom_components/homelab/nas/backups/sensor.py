"""Sensors of backups: per task (state, last run, progress, bytes, error) and per dataset."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfInformation
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
from ..runtime import TrueNASConfigEntry
from .coordinator import BackupCoordinator, TaskKey, TaskKind
from .entity import BackupTaskEntity, DatasetEntity, async_add_per_dataset, async_add_per_task

type SensorValue = str | int | float | datetime | None
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


@dataclass(frozen=True, kw_only=True)
class SnapshotTaskSensorDescription(SensorEntityDescription):
    """A snapshot task sensor."""

    value_fn: Callable[[BackupCoordinator, SnapshotTask], SensorValue]


@dataclass(frozen=True, kw_only=True)
class ReplicationSensorDescription(SensorEntityDescription):
    """A replication task sensor."""

    value_fn: Callable[[BackupCoordinator, ReplicationTask], SensorValue]


@dataclass(frozen=True, kw_only=True)
class CloudSyncSensorDescription(SensorEntityDescription):
    """A cloud sync task sensor."""

    value_fn: Callable[[BackupCoordinator, CloudSyncTask], SensorValue]


@dataclass(frozen=True, kw_only=True)
class DatasetSensorDescription(SensorEntityDescription):
    """A dataset sensor."""

    value_fn: Callable[[DatasetSnapshots], SensorValue]


SNAPSHOT_TASK_SENSORS: tuple[SnapshotTaskSensorDescription, ...] = (
    SnapshotTaskSensorDescription(
        key="last_snapshot",
        translation_key="last_snapshot",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda _c, task: task.last_run,
    ),
    SnapshotTaskSensorDescription(
        key="last_snapshot_name",
        translation_key="last_snapshot_name",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda _c, task: _text(task.last_snapshot),
    ),
    SnapshotTaskSensorDescription(
        key="state",
        translation_key="snapshot_task_state",
        device_class=SensorDeviceClass.ENUM,
        options=SNAPSHOT_TASK_STATE_OPTIONS,
        value_fn=lambda _c, task: _option(task.state, SNAPSHOT_TASK_STATE_OPTIONS),
    ),
    SnapshotTaskSensorDescription(
        key="last_error",
        translation_key="backup_last_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda _c, task: _text(task.error),
    ),
)

REPLICATION_SENSORS: tuple[ReplicationSensorDescription, ...] = (
    ReplicationSensorDescription(
        key="state",
        translation_key="replication_state",
        device_class=SensorDeviceClass.ENUM,
        options=REPLICATION_STATE_OPTIONS,
        value_fn=replication_state,
    ),
    ReplicationSensorDescription(
        key="last_run",
        translation_key="backup_last_run",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda _c, task: task.last_run,
    ),
    ReplicationSensorDescription(
        key="progress",
        translation_key="backup_progress",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=replication_progress,
    ),
    ReplicationSensorDescription(
        key="bytes_sent",
        translation_key="bytes_sent",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        value_fn=lambda coordinator, task: coordinator.bytes_sent.get(task.id),
    ),
    ReplicationSensorDescription(
        key="last_error",
        translation_key="backup_last_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda _c, task: _text(task.error),
    ),
)

CLOUD_SYNC_SENSORS: tuple[CloudSyncSensorDescription, ...] = (
    CloudSyncSensorDescription(
        key="state",
        translation_key="cloud_sync_state",
        device_class=SensorDeviceClass.ENUM,
        options=CLOUD_SYNC_STATE_OPTIONS,
        value_fn=cloud_sync_state,
    ),
    CloudSyncSensorDescription(
        key="last_run",
        translation_key="backup_last_run",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda _c, task: task.job.time_finished if task.job else None,
    ),
    CloudSyncSensorDescription(
        key="progress",
        translation_key="backup_progress",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=cloud_sync_progress,
    ),
    CloudSyncSensorDescription(
        key="last_error",
        translation_key="backup_last_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda _c, task: _text(task.job.error if task.job else None),
    ),
)

DATASET_SENSORS: tuple[DatasetSensorDescription, ...] = (
    DatasetSensorDescription(
        key="newest_snapshot",
        translation_key="newest_snapshot",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda info: info.newest.created if info.newest else None,
    ),
    DatasetSensorDescription(
        key="snapshot_count",
        translation_key="snapshot_count",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda info: info.count,
    ),
)


@dataclass(frozen=True, kw_only=True)
class DatasetUsageSensorDescription(SensorEntityDescription):
    """A sensor of a watched dataset's space (`pool.dataset.query`)."""

    value_fn: Callable[[DatasetUsage], SensorValue]


DATASET_USAGE_SENSORS: tuple[DatasetUsageSensorDescription, ...] = (
    DatasetUsageSensorDescription(
        key="used",
        translation_key="dataset_used",
        device_class=SensorDeviceClass.DATA_SIZE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        value_fn=lambda usage: usage.used,
    ),
    DatasetUsageSensorDescription(
        key="available",
        translation_key="dataset_available",
        device_class=SensorDeviceClass.DATA_SIZE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        value_fn=lambda usage: usage.available,
    ),
    DatasetUsageSensorDescription(
        key="quota",
        translation_key="dataset_quota",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        value_fn=lambda usage: usage.quota,
    ),
    DatasetUsageSensorDescription(
        key="compression_ratio",
        translation_key="dataset_compression_ratio",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda usage: usage.compressratio,
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
