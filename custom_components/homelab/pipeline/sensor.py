"""Sensors of the pipeline's entries and of the Pipeline device.

Ollama load, Paperless-ngx queue and health, Paperless-AI, n8n executions, pipeline depth.
`sensor.py` hands every entry that is not a TrueNAS server to `async_setup_entry` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import re
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfInformation
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..clients.paperless_ai import Health
from ..const import EntryType
from .const import SIGNAL_PIPELINE_UPDATED
from .coordinator import ServiceCoordinator
from .entity import ServiceEntity, paperless_ai_device, pipeline_device, service_device
from .entry import N8nRuntimeData, OllamaRuntimeData, PaperlessRuntimeData, loaded_pipeline_entries
from .n8n import N8nData
from .ollama import OllamaData
from .paperless import PaperlessAIData, PaperlessData

type SensorValue = str | int | float | datetime | None

HEALTH_OPTIONS = ["ok", "warning", "error"]
AI_HEALTH_OPTIONS = ["healthy", "not_configured", "database_error", "error"]
N8N_HEALTH_OPTIONS = ["ok", "not_ready"]
STAGE_PREFIX = "stage_"


@dataclass(frozen=True, kw_only=True)
class PipelineSensorDescription[DataT](SensorEntityDescription):
    """A sensor and how to read it from its coordinator's data."""

    value_fn: Callable[[DataT], SensorValue]
    attributes_fn: Callable[[DataT], dict[str, Any] | None] = lambda _data: None
    available_fn: Callable[[DataT], bool] = lambda _data: True


class PipelineSensor[DataT](ServiceEntity[ServiceCoordinator[DataT]], SensorEntity):
    """One sensor for every description."""

    entity_description: PipelineSensorDescription[DataT]

    def __init__(
        self,
        coordinator: ServiceCoordinator[DataT],
        description: PipelineSensorDescription[DataT],
        device: DeviceInfo,
        *,
        unique_suffix: str | None = None,
    ) -> None:
        """Keep the typed description."""
        super().__init__(coordinator, description, device, unique_suffix=unique_suffix)

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the latest data."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Extra attributes, when the description has some."""
        return self.entity_description.attributes_fn(self.coordinator.data)

    @property
    @override
    def available(self) -> bool:
        return super().available and self.entity_description.available_fn(self.coordinator.data)


# ---------------------------------------------------------------- Ollama


def _model_names(data: OllamaData) -> dict[str, Any]:
    return {"models": [model.name for model in data.running.models]}


OLLAMA_SENSORS: tuple[PipelineSensorDescription[OllamaData], ...] = (
    PipelineSensorDescription[OllamaData](
        key="loaded_models",
        translation_key="loaded_models",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.running.models),
        attributes_fn=_model_names,
    ),
    PipelineSensorDescription[OllamaData](
        key="vram_used",
        translation_key="vram_used",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.running.vram_used,
    ),
    PipelineSensorDescription[OllamaData](
        key="ram_used",
        translation_key="ram_used",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.running.ram_used,
    ),
    PipelineSensorDescription[OllamaData](
        key="gpu_share",
        translation_key="gpu_share",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.gpu_share,
    ),
    PipelineSensorDescription[OllamaData](
        key="installed_models",
        translation_key="installed_models",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.installed),
    ),
    PipelineSensorDescription[OllamaData](
        key="last_used",
        translation_key="last_used",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data: data.activity.last_used,
    ),
    PipelineSensorDescription[OllamaData](
        key="version",
        translation_key="ollama_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.version,
    ),
)


# ---------------------------------------------------------------- Paperless-ngx


def _health(component: str) -> Callable[[PaperlessData], SensorValue]:
    def value(data: PaperlessData) -> SensorValue:
        state = getattr(data.status, component, None)
        return state.lower() if isinstance(state, str) and state.lower() in HEALTH_OPTIONS else None

    return value


def _health_sensor(component: str, *, enabled: bool) -> PipelineSensorDescription[PaperlessData]:
    return PipelineSensorDescription[PaperlessData](
        key=f"health_{component}",
        translation_key=f"health_{component}",
        device_class=SensorDeviceClass.ENUM,
        options=HEALTH_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=enabled,
        value_fn=_health(component),
        available_fn=lambda data: data.status is not None,
    )


PAPERLESS_SENSORS: tuple[PipelineSensorDescription[PaperlessData], ...] = (
    PipelineSensorDescription[PaperlessData](
        key="tasks_queued",
        translation_key="tasks_queued",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.queue.pending,
    ),
    PipelineSensorDescription[PaperlessData](
        key="tasks_processing",
        translation_key="tasks_processing",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.queue.started,
    ),
    PipelineSensorDescription[PaperlessData](
        key="tasks_failed",
        translation_key="tasks_failed",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.queue.failed_recent,
    ),
    PipelineSensorDescription[PaperlessData](
        key="oldest_queued_task",
        translation_key="oldest_queued_task",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data: data.queue.oldest,
    ),
    PipelineSensorDescription[PaperlessData](
        key="documents_inbox",
        translation_key="documents_inbox",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.statistics.documents_inbox,
    ),
    PipelineSensorDescription[PaperlessData](
        key="documents_total",
        translation_key="documents_total",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.statistics.documents_total,
    ),
    PipelineSensorDescription[PaperlessData](
        key="version",
        translation_key="paperless_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.server_version,
    ),
    _health_sensor("database", enabled=False),
    _health_sensor("redis", enabled=True),
    _health_sensor("celery", enabled=True),
    _health_sensor("index", enabled=False),
    _health_sensor("classifier", enabled=False),
)


def stage_key(tag: str) -> str:
    """The key (and unique id suffix) of a stage tag's sensor."""
    return STAGE_PREFIX + re.sub(r"[^a-z0-9]+", "_", tag.casefold()).strip("_")


def stage_sensor(tag: str) -> PipelineSensorDescription[PaperlessData]:
    """Documents with one stage tag (unknown when the tag does not exist)."""
    return PipelineSensorDescription[PaperlessData](
        key=stage_key(tag),
        translation_key="stage_documents",
        translation_placeholders={"tag": tag},
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.stages.get(tag),
    )


AI_BACKLOG = PipelineSensorDescription[PaperlessData](
    key="ai_backlog",
    translation_key="ai_backlog",
    state_class=SensorStateClass.MEASUREMENT,
    value_fn=lambda data: data.ai_backlog,
)


def _ai_health(health: Health) -> str | None:
    return health.status if health.status in AI_HEALTH_OPTIONS else None


AI_SENSORS: tuple[PipelineSensorDescription[PaperlessAIData], ...] = (
    PipelineSensorDescription[PaperlessAIData](
        key="ai_health",
        translation_key="ai_health",
        device_class=SensorDeviceClass.ENUM,
        options=AI_HEALTH_OPTIONS,
        value_fn=lambda data: _ai_health(data.health),
    ),
    PipelineSensorDescription[PaperlessAIData](
        key="ai_processed_today",
        translation_key="ai_processed_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda data: data.processing.processed_today,
    ),
)


# ---------------------------------------------------------------- n8n


def _last_failure_attributes(data: N8nData) -> dict[str, Any] | None:
    last = data.last_failure
    if last is None:
        return None
    return {
        "execution_id": last.id,
        "workflow_id": last.workflow_id,
        "workflow": data.last_failure_workflow,
    }


N8N_SENSORS: tuple[PipelineSensorDescription[N8nData], ...] = (
    PipelineSensorDescription[N8nData](
        key="executions_running",
        translation_key="executions_running",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.running,
    ),
    PipelineSensorDescription[N8nData](
        key="executions_waiting",
        translation_key="executions_waiting",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.waiting,
    ),
    PipelineSensorDescription[N8nData](
        key="executions_failed",
        translation_key="executions_failed",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.failed_recent,
    ),
    PipelineSensorDescription[N8nData](
        key="last_failure",
        translation_key="last_failure",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data: (
            (data.last_failure.stopped_at or data.last_failure.started_at)
            if data.last_failure
            else None
        ),
        attributes_fn=_last_failure_attributes,
    ),
    PipelineSensorDescription[N8nData](
        key="last_failed_workflow",
        translation_key="last_failed_workflow",
        value_fn=lambda data: data.last_failure_workflow,
    ),
    PipelineSensorDescription[N8nData](
        key="health",
        translation_key="n8n_health",
        device_class=SensorDeviceClass.ENUM,
        options=N8N_HEALTH_OPTIONS,
        value_fn=lambda data: "ok" if data.ready else "not_ready",
    ),
)


# ---------------------------------------------------------------- the pipeline's depth


class PipelineDepthSensor(SensorEntity):
    """Documents and runs in flight along the whole pipeline.

    The sum of the configured stages: Paperless-ngx tasks waiting and running, the Paperless-AI
    backlog (when configured), and n8n's running executions (when an n8n entry is loaded).
    """

    _attr_has_entity_name = True
    _attr_translation_key = "pipeline_depth"
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_should_poll = False

    def __init__(self, entry: ConfigEntry[Any], runtime: PaperlessRuntimeData) -> None:
        """Attach to the Pipeline device of a Paperless-ngx entry."""
        self._runtime = runtime
        self._attr_unique_id = f"{entry.entry_id}_pipeline_depth"
        self._attr_device_info = pipeline_device(entry, runtime.device_id)

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._runtime.coordinator.async_add_listener(self._changed))
        if self._runtime.ai_coordinator is not None:
            self.async_on_remove(self._runtime.ai_coordinator.async_add_listener(self._changed))
        self.async_on_remove(
            async_dispatcher_connect(self.hass, SIGNAL_PIPELINE_UPDATED, self._changed)
        )

    @callback
    def _changed(self) -> None:
        self.async_write_ha_state()

    def stages(self) -> dict[str, int | None]:
        """Each configured stage's number (`None`: not known right now)."""
        data = self._runtime.coordinator.data
        stages: dict[str, int | None] = {
            "paperless_queued": data.queue.pending,
            "paperless_processing": data.queue.started,
        }
        if self._runtime.ai_client is not None:
            stages["ai_backlog"] = data.ai_backlog
        n8n_entries = loaded_pipeline_entries(self.hass, EntryType.N8N)
        if n8n_entries:
            known = [
                runtime.coordinator.data.running
                for entry in n8n_entries
                if isinstance(runtime := entry.runtime_data, N8nRuntimeData)
                and runtime.coordinator.last_update_success
                and runtime.coordinator.data.running is not None
            ]
            stages["n8n_running"] = sum(known) if known else None
        return stages

    @property
    @override
    def available(self) -> bool:
        return self._runtime.coordinator.last_update_success

    @property
    def native_value(self) -> int:
        """The sum of the known stages."""
        return sum(value for value in self.stages().values() if value is not None)

    @property
    def extra_state_attributes(self) -> dict[str, int | None]:
        """Each stage's number."""
        return self.stages()


# ---------------------------------------------------------------- setup


def _remove_stale_stage_sensors(
    hass: HomeAssistant, entry: ConfigEntry[Any], keys: set[str]
) -> None:
    """Stage tags removed in the options leave no orphaned entities behind."""
    registry = er.async_get(hass)
    prefix = f"{entry.entry_id}_{STAGE_PREFIX}"
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if (
            entity.domain == "sensor"
            and entity.unique_id.startswith(prefix)
            and entity.unique_id.removeprefix(f"{entry.entry_id}_") not in keys
        ):
            registry.async_remove(entity.entity_id)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The sensors of an Ollama, Paperless-ngx or n8n entry."""
    runtime = entry.runtime_data
    device = service_device(entry)
    entities: list[SensorEntity] = []
    if isinstance(runtime, OllamaRuntimeData):
        entities.extend(
            PipelineSensor(runtime.coordinator, description, device)
            for description in OLLAMA_SENSORS
        )
    elif isinstance(runtime, PaperlessRuntimeData):
        coordinator = runtime.coordinator
        entities.extend(
            PipelineSensor(coordinator, description, device) for description in PAPERLESS_SENSORS
        )
        stages = [stage_sensor(tag) for tag in dict.fromkeys(coordinator.stage_tags)]
        entities.extend(PipelineSensor(coordinator, description, device) for description in stages)
        _remove_stale_stage_sensors(hass, entry, {description.key for description in stages})
        if runtime.ai_coordinator is not None:
            ai_device = paperless_ai_device(entry, runtime.device_id)
            entities.append(PipelineSensor(coordinator, AI_BACKLOG, ai_device))
            entities.extend(
                PipelineSensor(runtime.ai_coordinator, description, ai_device)
                for description in AI_SENSORS
            )
        entities.append(PipelineDepthSensor(entry, runtime))
    elif isinstance(runtime, N8nRuntimeData):
        entities.extend(
            PipelineSensor(runtime.coordinator, description, device) for description in N8N_SENSORS
        )
    async_add_entities(entities)
