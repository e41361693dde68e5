"""Buttons of the pipeline's entries: "Unload all models" on the Ollama device.

`button.py` hands every entry that is not a TrueNAS server to `async_setup_entry` here.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .ollama_coordinator import OllamaCoordinator
from .pipeline import OllamaRuntimeData
from .pipeline_actions import async_unload_models
from .pipeline_entity import ServiceEntity, service_device

UNLOAD_MODELS = ButtonEntityDescription(key="unload_models", translation_key="unload_models")


class UnloadModelsButton(ServiceEntity[OllamaCoordinator], ButtonEntity):
    """Unload every model Ollama holds in memory (frees VRAM, e.g. before a nightly scrub)."""

    async def async_press(self) -> None:
        """Unload each loaded model, then refresh."""
        await async_unload_models(self.coordinator, None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The buttons of an Ollama entry (the other entries have none)."""
    runtime = entry.runtime_data
    if isinstance(runtime, OllamaRuntimeData):
        async_add_entities(
            [UnloadModelsButton(runtime.coordinator, UNLOAD_MODELS, service_device(entry))]
        )
