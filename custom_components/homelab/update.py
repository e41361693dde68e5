"""Update entities: a TrueNAS app's catalog upgrade (nas/apps/update.py)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entries import HomeLabConfigEntry, async_setup_platform
from .nas.apps import update as nas_update

# An install is a job on the NAS: one at a time.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeLabConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Each entry kind adds its own."""
    await async_setup_platform(
        hass, entry, async_add_entities, truenas=nas_update.async_setup_entry
    )
