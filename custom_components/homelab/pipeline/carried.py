"""The TrueNAS apps a pipeline entry carries (see links.py): their entities on its devices.

An app linked to the entry's service shows its state, CPU, memory, run switch, restart button
and update on the entry's service device (Paperless-AI's app on the Paperless-AI device), made
from the TrueNAS entry's apps coordinator with the unique ids the TrueNAS entry gives them.
"""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from ..links import MAIN, LinkedApp
from ..nas.apps.entities import APP_ENTITIES
from .entity import paperless_ai_device, service_device
from .entry import PipelineConfigEntry, is_paperless_entry


def _device(entry: PipelineConfigEntry, link: LinkedApp) -> DeviceInfo:
    if link.part != MAIN and is_paperless_entry(entry):
        return paperless_ai_device(entry, entry.runtime_data.device_id)
    return service_device(entry)


def carried_app_entities(entry: PipelineConfigEntry, platform: Platform) -> list[Entity]:
    """The platform's entities of the apps the entry carries (none for a platform apps lack)."""
    make = APP_ENTITIES.get(platform)
    if make is None:
        return []
    return [
        entity
        for link in entry.runtime_data.carried
        if link.app_name in link.apps.data
        for entity in make(link.apps, link.app_name, _device(entry, link))
    ]
