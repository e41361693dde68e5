"""Event entities of backup tasks: `started`, `succeeded` or `failed` for every run."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..runtime import TrueNASConfigEntry
from .coordinator import EVENT_TYPES, TaskKey
from .entity import BackupTaskEntity

BACKUP_EVENT = EventEntityDescription(
    key="run", translation_key="backup_run", event_types=EVENT_TYPES
)


@callback
def async_setup_backup_events(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """An event entity for every backup task, including tasks created later."""
    coordinator = entry.runtime_data.backups

    @callback
    def add_tasks(keys: set[TaskKey]) -> None:
        async_add_entities(
            BackupEventEntity(coordinator, BACKUP_EVENT, key) for key in sorted(keys)
        )

    if coordinator.data is not None:
        add_tasks(coordinator.data.task_keys())
    entry.async_on_unload(coordinator.add_task_listener(add_tasks))


class BackupEventEntity(BackupTaskEntity, EventEntity):
    """Fires for each run of the task (scheduled or started from Home Assistant)."""

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.add_event_listener(self.task_key, self._on_run))

    @callback
    def _on_run(self, event_type: str, attributes: dict[str, Any]) -> None:
        self._trigger_event(event_type, attributes)
        self.async_write_ha_state()
