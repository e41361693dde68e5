"""Buttons: restart an app, run a backup now (nas/); unload models, dismiss tasks (pipeline/)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entries import HomeLabConfigEntry, async_setup_platform
from .nas import button as nas_button
from .pipeline import button as pipeline_button

# A press starts a job on a server: one at a time.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeLabConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Each entry kind adds its own."""
    await async_setup_platform(
        hass,
        entry,
        async_add_entities,
        truenas=nas_button.async_setup_entry,
        pipeline=pipeline_button.async_setup_entry,
    )
