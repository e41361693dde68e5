"""Sensors: each product adds its own (nas/, pipeline/; the probes' through nas/)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entries import HomeLabConfigEntry, async_setup_platform
from .nas import sensor as nas_sensor
from .pipeline import sensor as pipeline_sensor

# Coordinator-driven: no parallel update limit needed.
PARALLEL_UPDATES = 0


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
        truenas=nas_sensor.async_setup_entry,
        pipeline=pipeline_sensor.async_setup_entry,
    )
