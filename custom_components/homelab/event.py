"""Event entities: a backup task's runs (nas/event.py)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entries import HomeLabConfigEntry, async_setup_platform
from .nas import event as nas_event

# Event entities are pushed; nothing is polled.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeLabConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Each entry kind adds its own."""
    await async_setup_platform(hass, entry, async_add_entities, truenas=nas_event.async_setup_entry)
