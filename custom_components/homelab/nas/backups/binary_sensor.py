"""Stale binary sensors of backups: too old a last success or newest snapshot.

A task's last successful run, or a dataset's newest snapshot, is compared with what its schedule
allows (or the option says).

They turn on at the very moment the age passes the threshold (a timer), not at the next poll.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from ..runtime import TrueNASConfigEntry
from .coordinator import BackupCoordinator
from .entity import BackupTaskEntity, DatasetEntity, StaleTimerMixin, async_add_backup_entities

TASK_STALE = BinarySensorEntityDescription(
    key="stale",
    translation_key="backup_stale",
    device_class=BinarySensorDeviceClass.PROBLEM,
)
DATASET_STALE = BinarySensorEntityDescription(
    key="snapshot_stale",
    translation_key="snapshot_stale",
    device_class=BinarySensorDeviceClass.PROBLEM,
)

DATASET_LOCK = BinarySensorEntityDescription(
    key="locked",
    translation_key="dataset_lock",
    device_class=BinarySensorDeviceClass.LOCK,
)


@callback
def async_setup_backup_binary_sensors(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """A stale sensor for every backup task and watched dataset, including later ones."""
    async_add_backup_entities(
        entry,
        async_add_entities,
        per_task=lambda backups, key: [TaskStaleBinarySensor(backups, TASK_STALE, key)],
        per_dataset=lambda backups, name: [DatasetStaleBinarySensor(backups, DATASET_STALE, name)],
    )
    async_add_backup_entities(entry, async_add_entities, per_dataset=_lock_sensors)


def _lock_sensors(backups: BackupCoordinator, name: str) -> list[BinarySensorEntity]:
    """A lock sensor for an encrypted dataset only (encryption is set when it is created)."""
    usage = backups.data.usage.get(name) if backups.data is not None else None
    if usage is None or not usage.encrypted:
        return []
    return [DatasetLockBinarySensor(backups, DATASET_LOCK, name)]


class TaskStaleBinarySensor(StaleTimerMixin, BackupTaskEntity, BinarySensorEntity):
    """On when a task's last successful run is older than its schedule allows."""

    def stale_since(self) -> datetime | None:
        """When the task is (or will be) stale."""
        return self.coordinator.task_stale_since(self.task_key)

    @property
    def is_on(self) -> bool | None:
        """Unknown for a task that never ran (or has no readable schedule)."""
        moment = self.stale_since()
        return None if moment is None else dt_util.utcnow() >= moment


class DatasetStaleBinarySensor(StaleTimerMixin, DatasetEntity, BinarySensorEntity):
    """On when a dataset's newest snapshot is too old, or it has none."""

    def stale_since(self) -> datetime | None:
        """When the newest snapshot is (or will be) too old."""
        return self.coordinator.dataset_stale_since(self.dataset)

    @property
    def is_on(self) -> bool:
        """A dataset without a snapshot is not protected at all: stale."""
        moment = self.stale_since()
        return True if moment is None else dt_util.utcnow() >= moment


class DatasetLockBinarySensor(DatasetEntity, BinarySensorEntity):
    """An encrypted dataset's key: on (unlocked, as HA's lock class reads) when it is loaded."""

    @property
    def is_on(self) -> bool | None:
        """On: unlocked; off: locked."""
        usage = self.usage
        return None if usage is None else not usage.locked
