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
from homeassistant.core import HomeAssistant

from .const import stuck_threshold
from .entity import DescribedEntity, ServiceEntityDescription, paperless_ai_device, service_device
from .entry import OllamaConfigEntry, PaperlessConfigEntry
from .ollama import OllamaData
from .paperless import PaperlessAIData, PaperlessData
from .platform import platform_setup


@dataclass(frozen=True, kw_only=True)
class PipelineBinarySensorDescription[DataT](
    ServiceEntityDescription[DataT], BinarySensorEntityDescription
):
    """A binary sensor and how to read it from its coordinator's data."""

    is_on_fn: Callable[[DataT], bool]


class PipelineBinarySensor[DataT](
    DescribedEntity[DataT, PipelineBinarySensorDescription[DataT]], BinarySensorEntity
):
    """One binary sensor for every description."""

    entity_description: PipelineBinarySensorDescription[DataT]

    @property
    def is_on(self) -> bool:
        """Read the state from the latest data."""
        return self.entity_description.is_on_fn(self.coordinator.data)


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


def _ollama_binary_sensors(
    _hass: HomeAssistant, entry: OllamaConfigEntry
) -> list[BinarySensorEntity]:
    return [
        PipelineBinarySensor(entry.runtime_data.coordinator, OLLAMA_BUSY, service_device(entry))
    ]


def _paperless_binary_sensors(
    _hass: HomeAssistant, entry: PaperlessConfigEntry
) -> list[BinarySensorEntity]:
    runtime = entry.runtime_data
    entities: list[BinarySensorEntity] = [
        PipelineBinarySensor(
            runtime.coordinator, stuck_description(stuck_threshold(entry)), service_device(entry)
        )
    ]
    if runtime.ai_coordinator is not None:
        entities.append(
            PipelineBinarySensor(
                runtime.ai_coordinator, AI_PROCESSING, paperless_ai_device(entry, runtime.device_id)
            )
        )
    return entities


# The binary sensors of an Ollama or Paperless-ngx entry (n8n has none).
async_setup_entry = platform_setup(
    ollama=_ollama_binary_sensors, paperless=_paperless_binary_sensors
)
