"""Base entities of the pipeline's devices: Ollama, Paperless-ngx, Paperless-AI, Pipeline, n8n."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from ..const import DOMAIN
from .const import CONF_AI_URL
from .coordinator import ServiceCoordinator

PAPERLESS_AI: str = "paperless_ai"
PIPELINE: str = "pipeline"


def service_identifier(entry: ConfigEntry[Any], suffix: str = "") -> tuple[str, str]:
    """Device identifier of an entry's service (`suffix`: one of its sub-devices)."""
    return service_identifier_of(entry.entry_id, suffix)


def service_identifier_of(entry_id: str, suffix: str = "") -> tuple[str, str]:
    """Device identifier of the service of the entry with id `entry_id`."""
    return (DOMAIN, f"{entry_id}{'_' + suffix if suffix else ''}")


def service_device(entry: ConfigEntry[Any]) -> DeviceInfo:
    """The entry's main device (registered at setup)."""
    return DeviceInfo(identifiers={service_identifier(entry)})


def _sub_device(
    entry: ConfigEntry[Any],
    suffix: str,
    parent_device_id: str,
    *,
    name: str,
    manufacturer: str,
    model: str,
) -> DeviceInfo:
    """A service device under the entry's main device."""
    return DeviceInfo(
        identifiers={service_identifier(entry, suffix)},
        name=name,
        manufacturer=manufacturer,
        model=model,
        entry_type=DeviceEntryType.SERVICE,
        via_device_id=parent_device_id,
    )


def paperless_ai_device(entry: ConfigEntry[Any], paperless_device_id: str) -> DeviceInfo:
    """Paperless-AI, under the Paperless-ngx device."""
    device = _sub_device(
        entry,
        PAPERLESS_AI,
        paperless_device_id,
        name="Paperless-AI",
        manufacturer="Paperless-AI",
        model="Paperless-AI",
    )
    device["configuration_url"] = str(entry.data.get(CONF_AI_URL) or "") or None
    return device


def pipeline_device(entry: ConfigEntry[Any], paperless_device_id: str) -> DeviceInfo:
    """The Pipeline device: the stages of the whole document pipeline added up."""
    return _sub_device(
        entry,
        PIPELINE,
        paperless_device_id,
        name="Pipeline",
        manufacturer="Home Lab",
        model="Document pipeline",
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


@dataclass(frozen=True, kw_only=True)
class ServiceEntityDescription[DataT](EntityDescription):
    """What every described entity reads from its coordinator's data besides its state."""

    attributes_fn: Callable[[DataT], dict[str, Any] | None] = lambda _data: None
    available_fn: Callable[[DataT], bool] = lambda _data: True


class DescribedEntity[DataT, DescriptionT: ServiceEntityDescription[Any]](
    ServiceEntity[ServiceCoordinator[DataT]]
):
    """An entity whose attributes and availability its description reads from the data."""

    entity_description: DescriptionT

    def __init__(
        self,
        coordinator: ServiceCoordinator[DataT],
        description: DescriptionT,
        device: DeviceInfo,
        *,
        unique_suffix: str | None = None,
    ) -> None:
        """Keep the typed description."""
        super().__init__(coordinator, description, device, unique_suffix=unique_suffix)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Extra attributes, when the description has some."""
        return self.entity_description.attributes_fn(self.coordinator.data)

    @property
    @override
    def available(self) -> bool:
        return super().available and self.entity_description.available_fn(self.coordinator.data)
