"""Update entities of a TrueNAS entry: TrueNAS itself (system/update.py) and every app."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .apps.entities import async_add_app_entities
from .runtime import TrueNASConfigEntry
from .system.update import async_setup_system_update


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The TrueNAS update of the system device, and an update entity per app."""
    async_setup_system_update(entry, async_add_entities)
    async_add_app_entities(entry, async_add_entities, Platform.UPDATE)
