"""Event entities of backup tasks: `started`, `succeeded` or `failed` for every run."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..runtime import TrueNASConfigEntry
from .coordinator import EVENT_TYPES
from .entity import BackupTaskEntity, async_add_backup_entities

BACKUP_EVENT = EventEntityDescription(
    key="run", translation_key="backup_run", event_types=EVENT_TYPES
)


@callback
def async_setup_backup_events(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """An event entity for every backup task, including tasks created later."""
    async_add_backup_entities(
        entry,
        async_add_entities,
        per_task=lambda backups, key: [BackupEventEntity(backups, BACKUP_EVENT, key)],
    )


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
