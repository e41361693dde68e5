"""Which kind a config entry is, as types mypy checks, and the loaded entries of a kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeIs

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN, EntryType, entry_type
from .nas.runtime import (
    TrueNASConfigEntry,
    TrueNASRuntimeData,
    WaitingConfigEntry,
    is_waiting_entry,
)
from .pipeline.carried import carried_app_entities
from .pipeline.entry import PipelineConfigEntry
from .probes.coordinator import ProbeCoordinator

# Every entry of this integration is one of these; `is_pipeline_entry` tells them apart.
type HomeLabConfigEntry = TrueNASConfigEntry | WaitingConfigEntry | PipelineConfigEntry


def is_truenas_entry(entry: ConfigEntry[Any]) -> TypeIs[TrueNASConfigEntry]:
    """A loaded TrueNAS entry whose server answered (with its service probes)."""
    return entry_type(entry) is EntryType.TRUENAS and isinstance(
        entry.runtime_data, TrueNASRuntimeData
    )


def is_pipeline_entry(entry: HomeLabConfigEntry) -> TypeIs[PipelineConfigEntry]:
    """One of the pipeline's HTTP services: Ollama, Paperless-ngx (+ Paperless-AI) or n8n."""
    return entry_type(entry) is not EntryType.TRUENAS


def loaded_truenas_entries(hass: HomeAssistant) -> list[TrueNASConfigEntry]:
    """The loaded TrueNAS entries whose server answered (not those waiting for it)."""
    return [
        entry
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        if is_truenas_entry(entry)
    ]


type PlatformSetup[EntryT] = Callable[
    [HomeAssistant, EntryT, AddConfigEntryEntitiesCallback], Awaitable[None]
]
# The probes' part of a platform: a TrueNAS entry's probes, whether its server answered or not.
type ProbesSetup = Callable[[dict[str, ProbeCoordinator], AddConfigEntryEntitiesCallback], None]


def platform_setup(
    platform: Platform,
    *,
    truenas: PlatformSetup[TrueNASConfigEntry] | None = None,
    pipeline: PlatformSetup[PipelineConfigEntry] | None = None,
    probes: ProbesSetup | None = None,
) -> PlatformSetup[HomeLabConfigEntry]:
    """A platform's `async_setup_entry` that hands each entry to the package of its kind.

    A pipeline entry also gets the platform's entities of the TrueNAS apps it carries (links.py).
    A TrueNAS entry gets its probes' entities, also while its server has not answered (then the
    probes are all it has).
    """

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: HomeLabConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        if is_pipeline_entry(entry):
            if pipeline is not None:
                await pipeline(hass, entry, async_add_entities)
            async_add_entities(carried_app_entities(entry, platform))
            return
        if truenas is not None and not is_waiting_entry(entry):
            await truenas(hass, entry, async_add_entities)
        if probes is not None:
            probes(entry.runtime_data.probes, async_add_entities)

    return async_setup_entry
