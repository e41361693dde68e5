"""Event entities; each family adds its own (backups: one per backup task)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .nas.backups.event import async_setup_backup_events
from .nas.coordinator import HomeLabConfigEntry

# Event entities are pushed; nothing is polled.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeLabConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the event entities of every family."""
    async_setup_backup_events(entry, async_add_entities)
