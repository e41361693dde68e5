"""Update entities of a TrueNAS entry: TrueNAS itself (system/update.py) and every app."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .apps.update import async_setup_entry as async_setup_app_updates
from .runtime import TrueNASConfigEntry
from .system.update import async_setup_system_update


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The TrueNAS update of the system device, and an update entity per app."""
    async_setup_system_update(entry, async_add_entities)
    await async_setup_app_updates(hass, entry, async_add_entities)
