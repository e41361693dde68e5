"""Base entities of backups: one device per backup task, one per watched dataset.

Task devices hang under the TrueNAS system device; a dataset device hangs under its pool's
device, so the application datasets appear next to the pool they live on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, override

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from ...clients.truenas.backups import (
    CloudSyncTask,
    DatasetSnapshots,
    DatasetUsage,
    ReplicationTask,
)
from ..entity import NasDeviceEntity, async_add_for_each, server_device
from ..identifiers import dataset_identifier, keyed_identifier, pool_identifier
from .coordinator import BackupCoordinator, Task, TaskKey, TaskKind

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

TASK_MODELS = {
    TaskKind.SNAPSHOT: "Periodic snapshot task",
    TaskKind.REPLICATION: "Replication task",
    TaskKind.CLOUD_SYNC: "Cloud sync task",
}
UI_PATHS = {
    TaskKind.SNAPSHOT: "/ui/data-protection/snapshot",
    TaskKind.REPLICATION: "/ui/data-protection/replication",
    TaskKind.CLOUD_SYNC: "/ui/data-protection/cloudsync",
}


@callback
def async_add_backup_entities(
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    *,
    per_task: Callable[[BackupCoordinator, TaskKey], Iterable[Entity]] | None = None,
    per_dataset: Callable[[BackupCoordinator, str], Iterable[Entity]] | None = None,
) -> None:
    """`per_task`'s entities for every backup task, `per_dataset`'s for every watched dataset.

    Tasks created and datasets watched later get theirs when they appear.
    """
    backups = entry.runtime_data.backups
    if per_task is not None:
        async_add_for_each(
            entry, async_add_entities, backups.known_tasks, partial(per_task, backups)
        )
    if per_dataset is not None:
        async_add_for_each(
            entry, async_add_entities, backups.known_datasets, partial(per_dataset, backups)
        )


class BackupTaskEntity(NasDeviceEntity[BackupCoordinator]):
    """An entity of one backup task's device."""

    def __init__(
        self, coordinator: BackupCoordinator, description: EntityDescription, key: TaskKey
    ) -> None:
        """Attach to the task's device (named after the task, under the system device)."""
        entry = coordinator.config_entry
        kind, task_id = key
        self.task_key = key
        task = coordinator.data.task(key) if coordinator.data else None
        placeholders = {"id": str(task_id), "name": str(task_id)}
        translation_key = str(kind)
        if isinstance(task, ReplicationTask):
            placeholders["name"] = task.name
        elif isinstance(task, CloudSyncTask):
            placeholders["name"] = task.description
        elif task is not None:
            placeholders["name"] = task.dataset
            if any(
                other.dataset == task.dataset and other.id != task.id
                for other in coordinator.data.snapshot_tasks.values()
            ):
                translation_key = "snapshottask_numbered"
        super().__init__(
            coordinator,
            description,
            f"{kind}_{task_id}",
            server_device(
                entry,
                keyed_identifier(entry, kind, task_id),
                UI_PATHS[kind],
                translation_key=translation_key,
                translation_placeholders=placeholders,
                manufacturer="iXsystems",
                model=TASK_MODELS[kind],
            ),
        )

    @property
    def task(self) -> Task:
        """The task's latest data (only read while available)."""
        task = self.coordinator.data.task(self.task_key)
        assert task is not None  # noqa: S101 - guarded by `available`
        return task

    @override
    def present(self) -> bool:
        return self.coordinator.data.task(self.task_key) is not None


class DatasetEntity(NasDeviceEntity[BackupCoordinator]):
    """An entity of one watched dataset's device (under its pool)."""

    def __init__(
        self, coordinator: BackupCoordinator, description: EntityDescription, dataset: str
    ) -> None:
        """Attach to the dataset's device."""
        entry = coordinator.config_entry
        self.dataset = dataset
        pool = dataset.split("/", 1)[0]
        registry = dr.async_get(coordinator.hass)
        pool_device = registry.async_get_device_by_identifier(
            pool_identifier(entry, pool), entry.entry_id
        )
        device = server_device(
            entry,
            dataset_identifier(entry, dataset),
            "/ui/datasets",
            name=dataset,
            manufacturer="OpenZFS",
            model="ZFS dataset",
        )
        if pool_device is not None:
            device["via_device_id"] = pool_device.id
        super().__init__(coordinator, description, f"dataset_{dataset}", device)

    @property
    def info(self) -> DatasetSnapshots:
        """The dataset's latest snapshot data (only read while available)."""
        return self.coordinator.data.datasets[self.dataset]

    @property
    def usage(self) -> DatasetUsage | None:
        """The dataset's space and lock state (None if the query did not list it)."""
        return self.coordinator.data.usage.get(self.dataset)

    @override
    def present(self) -> bool:
        return self.dataset in self.coordinator.data.datasets


class StaleTimerMixin(CoordinatorEntity[BackupCoordinator]):
    """Re-evaluate at the moment something turns stale, not only when new data comes."""

    _stale_timer: CALLBACK_TYPE | None = None

    def stale_since(self) -> datetime | None:
        """When the thing is (or will be) stale."""
        raise NotImplementedError

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self._schedule_stale_timer()
        self.async_on_remove(self._cancel_stale_timer)

    @override
    @callback
    def _handle_coordinator_update(self) -> None:
        self._schedule_stale_timer()
        super()._handle_coordinator_update()

    def _cancel_stale_timer(self) -> None:
        if self._stale_timer is not None:
            self._stale_timer()
            self._stale_timer = None

    def _schedule_stale_timer(self) -> None:
        self._cancel_stale_timer()
        if not self.available:
            return
        moment = self.stale_since()
        if moment is not None and moment > dt_util.utcnow():
            self._stale_timer = async_track_point_in_utc_time(self.hass, self._turned_stale, moment)

    @callback
    def _turned_stale(self, _now: datetime) -> None:
        self._stale_timer = None
        self.async_write_ha_state()
