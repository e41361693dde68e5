"""Base entities of the pipeline's devices: Ollama, Paperless-ngx, Paperless-AI, Pipeline, n8n."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from ..const import DOMAIN
from .const import CONF_AI_URL

PAPERLESS_AI: str = "paperless_ai"
PIPELINE: str = "pipeline"


def service_identifier(entry: ConfigEntry[Any], suffix: str = "") -> tuple[str, str]:
    """Device identifier of an entry's service (`suffix`: one of its sub-devices)."""
    return (DOMAIN, f"{entry.entry_id}{'_' + suffix if suffix else ''}")


def service_device(entry: ConfigEntry[Any]) -> DeviceInfo:
    """The entry's main device (registered at setup)."""
    return DeviceInfo(identifiers={service_identifier(entry)})


def paperless_ai_device(entry: ConfigEntry[Any], paperless_device_id: str) -> DeviceInfo:
    """Paperless-AI, under the Paperless-ngx device."""
    return DeviceInfo(
        identifiers={service_identifier(entry, PAPERLESS_AI)},
        name="Paperless-AI",
        manufacturer="Paperless-AI",
        model="Paperless-AI",
        entry_type=DeviceEntryType.SERVICE,
        via_device_id=paperless_device_id,
        configuration_url=str(entry.data.get(CONF_AI_URL) or "") or None,
    )


def pipeline_device(entry: ConfigEntry[Any], paperless_device_id: str) -> DeviceInfo:
    """The Pipeline device: the stages of the whole document pipeline added up."""
    return DeviceInfo(
        identifiers={service_identifier(entry, PIPELINE)},
        name="Pipeline",
        manufacturer="Home Lab",
        model="Document pipeline",
        entry_type=DeviceEntryType.SERVICE,
        via_device_id=paperless_device_id,
    )


class ServiceEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity of a pipeline device, described by an `EntityDescription`."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EntityDescription,
        device: DeviceInfo,
        *,
        unique_suffix: str | None = None,
    ) -> None:
        """Attach to `device`; the unique id is the entry id plus the description's key."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        assert entry is not None  # noqa: S101 - pipeline coordinators always have one
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{unique_suffix or description.key}"
        self._attr_device_info = device
