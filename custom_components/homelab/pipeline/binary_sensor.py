"""Binary sensors of the pipeline's entries: Ollama busy, Paperless-ngx stuck, Paperless-AI working.

`binary_sensor.py` hands every entry that is not a TrueNAS server to `async_setup_entry` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_STUCK_THRESHOLD, DEFAULT_STUCK_THRESHOLD
from .coordinator import ServiceCoordinator
from .entity import ServiceEntity, paperless_ai_device, service_device
from .entry import OllamaRuntimeData, PaperlessRuntimeData
from .ollama import OllamaData
from .paperless import PaperlessAIData, PaperlessData


@dataclass(frozen=True, kw_only=True)
class PipelineBinarySensorDescription[DataT](BinarySensorEntityDescription):
    """A binary sensor and how to read it from its coordinator's data."""

    is_on_fn: Callable[[DataT], bool]
    attributes_fn: Callable[[DataT], dict[str, Any] | None] = lambda _data: None


class PipelineBinarySensor[DataT](ServiceEntity[ServiceCoordinator[DataT]], BinarySensorEntity):
    """One binary sensor for every description."""

    entity_description: PipelineBinarySensorDescription[DataT]

    def __init__(
        self,
        coordinator: ServiceCoordinator[DataT],
        description: PipelineBinarySensorDescription[DataT],
        device: DeviceInfo,
    ) -> None:
        """Keep the typed description."""
        super().__init__(coordinator, description, device)

    @property
    def is_on(self) -> bool:
        """Read the state from the latest data."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Extra attributes, when the description has some."""
        return self.entity_description.attributes_fn(self.coordinator.data)


OLLAMA_BUSY = PipelineBinarySensorDescription[OllamaData](
    key="busy",
    translation_key="ollama_busy",
    device_class=BinarySensorDeviceClass.RUNNING,
    is_on_fn=lambda data: data.activity.busy,
)


def stuck_description(threshold: timedelta) -> PipelineBinarySensorDescription[PaperlessData]:
    """Stuck: the oldest waiting or running task is older than `threshold`, or Celery errs."""
    return PipelineBinarySensorDescription[PaperlessData](
        key="stuck",
        translation_key="paperless_stuck",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda data: data.stuck(threshold),
        attributes_fn=lambda data: data.stuck_attributes(threshold),
    )


def _current_document(data: PaperlessAIData) -> dict[str, Any] | None:
    current = data.processing.current
    if current is None:
        return None
    return {"document_id": current.document_id, "title": current.title}


AI_PROCESSING = PipelineBinarySensorDescription[PaperlessAIData](
    key="ai_processing",
    translation_key="ai_processing",
    device_class=BinarySensorDeviceClass.RUNNING,
    is_on_fn=lambda data: data.processing.is_processing,
    attributes_fn=_current_document,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The binary sensors of an Ollama or Paperless-ngx entry (n8n has none)."""
    runtime = entry.runtime_data
    entities: list[BinarySensorEntity] = []
    if isinstance(runtime, OllamaRuntimeData):
        entities.append(
            PipelineBinarySensor(runtime.coordinator, OLLAMA_BUSY, service_device(entry))
        )
    elif isinstance(runtime, PaperlessRuntimeData):
        minutes = int(entry.options.get(CONF_STUCK_THRESHOLD, DEFAULT_STUCK_THRESHOLD))
        entities.append(
            PipelineBinarySensor(
                runtime.coordinator,
                stuck_description(timedelta(minutes=minutes)),
                service_device(entry),
            )
        )
        if runtime.ai_coordinator is not None:
            entities.append(
                PipelineBinarySensor(
                    runtime.ai_coordinator,
                    AI_PROCESSING,
                    paperless_ai_device(entry, runtime.device_id),
                )
            )
    async_add_entities(entities)
