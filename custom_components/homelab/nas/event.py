"""Event entities of the NAS: a backup task's runs."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .backups.event import async_setup_backup_events
from .runtime import TrueNASConfigEntry


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """An event entity for every backup task."""
    async_setup_backup_events(entry, async_add_entities)
