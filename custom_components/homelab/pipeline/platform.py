"""A platform's `async_setup_entry` for the pipeline: each entry kind's entities, from a table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entry import (
    N8nConfigEntry,
    OllamaConfigEntry,
    PaperlessConfigEntry,
    PipelineConfigEntry,
    is_ollama_entry,
    is_paperless_entry,
)

type KindEntities[EntryT] = Callable[[HomeAssistant, EntryT], Sequence[Entity]]


def platform_setup(
    *,
    ollama: KindEntities[OllamaConfigEntry] | None = None,
    paperless: KindEntities[PaperlessConfigEntry] | None = None,
    n8n: KindEntities[N8nConfigEntry] | None = None,
) -> Callable[
    [HomeAssistant, PipelineConfigEntry, AddConfigEntryEntitiesCallback], Awaitable[None]
]:
    """`async_setup_entry` adding the entities of the entry's kind (none for a kind left out)."""

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: PipelineConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        entities: Sequence[Entity] = []
        if is_ollama_entry(entry):
            entities = ollama(hass, entry) if ollama else []
        elif is_paperless_entry(entry):
            entities = paperless(hass, entry) if paperless else []
        elif n8n is not None:
            entities = n8n(hass, entry)
        async_add_entities(entities)

    return async_setup_entry
