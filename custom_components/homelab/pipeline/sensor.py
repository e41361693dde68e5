"""Sensors of the pipeline's entries and of the Pipeline device.

Ollama load, Paperless-ngx queue and health, Paperless-AI, n8n executions, pipeline depth.
`sensor.py` hands every entry that is not a TrueNAS server to `async_setup_entry` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import re
from typing import Any, Unpack, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from ..clients.paperless_ai import Health
from ..sensor_descriptions import SensorShape
from ..sensor_units import BYTES_GIB
from .const import SIGNAL_PIPELINE_UPDATED
from .entity import (
    DescribedEntity,
    ServiceEntityDescription,
    paperless_ai_device,
    pipeline_device,
    service_device,
)
from .entry import (
    N8nConfigEntry,
    OllamaConfigEntry,
    PaperlessConfigEntry,
    PaperlessRuntimeData,
    is_n8n_entry,
    loaded_pipeline_entries,
)
from .n8n import N8nData
from .ollama import OllamaData
from .paperless import PaperlessAIData, PaperlessData
from .platform import platform_setup

type SensorValue = str | int | float | datetime | None

HEALTH_OPTIONS = ["ok", "warning", "error"]
AI_HEALTH_OPTIONS = ["healthy", "not_configured", "database_error", "error"]
N8N_HEALTH_OPTIONS = ["ok", "not_ready"]
STAGE_PREFIX = "stage_"


@dataclass(frozen=True, kw_only=True)
class PipelineSensorDescription[DataT](ServiceEntityDescription[DataT], SensorEntityDescription):
    """A sensor and how to read it from its coordinator's data."""

    value_fn: Callable[[DataT], SensorValue]


class PipelineSensor[DataT](DescribedEntity[DataT, PipelineSensorDescription[DataT]], SensorEntity):
    """One sensor for every description."""

    entity_description: PipelineSensorDescription[DataT]

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the latest data."""
        return self.entity_description.value_fn(self.coordinator.data)


# A number of things right now (a measurement without a unit).
COUNT = SensorShape(state_class=SensorStateClass.MEASUREMENT)
# When something last happened.
TIMESTAMP = SensorShape(device_class=SensorDeviceClass.TIMESTAMP)


def _sensor[DataT](
    key: str,
    value_fn: Callable[[DataT], SensorValue],
    *,
    translation_key: str | None = None,
    attributes_fn: Callable[[DataT], dict[str, Any] | None] = lambda _data: None,
    **shape: Unpack[SensorShape],
) -> PipelineSensorDescription[DataT]:
    """A sensor of a shape (`translation_key` defaults to the key): `_sensor(key, fn, **COUNT)`."""
    return PipelineSensorDescription(
        key=key,
        translation_key=translation_key or key,
        value_fn=value_fn,
        attributes_fn=attributes_fn,
        **shape,
    )


def _version[DataT](
    translation_key: str, value_fn: Callable[[DataT], SensorValue]
) -> PipelineSensorDescription[DataT]:
    """The service's version (key `version`; the translation names the service)."""
    return _sensor(
        "version",
        value_fn,
        translation_key=translation_key,
        entity_category=EntityCategory.DIAGNOSTIC,
    )


# ---------------------------------------------------------------- Ollama


def _model_names(data: OllamaData) -> dict[str, Any]:
    return {"models": [model.name for model in data.running.models]}


OLLAMA_SENSORS: tuple[PipelineSensorDescription[OllamaData], ...] = (
    _sensor(
        "loaded_models", lambda data: len(data.running.models), attributes_fn=_model_names, **COUNT
    ),
    _sensor("vram_used", lambda data: data.running.vram_used, **BYTES_GIB),
    _sensor("ram_used", lambda data: data.running.ram_used, **BYTES_GIB),
    PipelineSensorDescription[OllamaData](
        key="gpu_share",
        translation_key="gpu_share",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.gpu_share,
    ),
    _sensor("installed_models", lambda data: len(data.installed), **COUNT),
    _sensor("last_used", lambda data: data.activity.last_used, **TIMESTAMP),
    _version("ollama_version", lambda data: data.version),
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
    _sensor("tasks_queued", lambda data: data.queue.pending, **COUNT),
    _sensor("tasks_processing", lambda data: data.queue.started, **COUNT),
    _sensor("tasks_failed", lambda data: data.queue.failed_recent, **COUNT),
    _sensor("oldest_queued_task", lambda data: data.queue.oldest, **TIMESTAMP),
    _sensor("documents_inbox", lambda data: data.statistics.documents_inbox, **COUNT),
    _sensor("documents_total", lambda data: data.statistics.documents_total, **COUNT),
    _version("paperless_version", lambda data: data.server_version),
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


AI_BACKLOG: PipelineSensorDescription[PaperlessData] = _sensor(
    "ai_backlog", lambda data: data.ai_backlog, **COUNT
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


def _last_failure_time(data: N8nData) -> datetime | None:
    last = data.last_failure
    return (last.stopped_at or last.started_at) if last else None


N8N_SENSORS: tuple[PipelineSensorDescription[N8nData], ...] = (
    _sensor("executions_running", lambda data: data.running, **COUNT),
    _sensor("executions_waiting", lambda data: data.waiting, **COUNT),
    _sensor("executions_failed", lambda data: data.failed_recent, **COUNT),
    _sensor(
        "last_failure", _last_failure_time, attributes_fn=_last_failure_attributes, **TIMESTAMP
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

    def __init__(self, entry: PaperlessConfigEntry, runtime: PaperlessRuntimeData) -> None:
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
        if self._runtime.ai_coordinator is not None:
            stages["ai_backlog"] = data.ai_backlog
        n8n_entries = loaded_pipeline_entries(self.hass, is_n8n_entry)
        if n8n_entries:
            known = [
                running
                for entry in n8n_entries
                if (n8n := entry.runtime_data.coordinator).last_update_success
                and (running := n8n.data.running) is not None
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
    hass: HomeAssistant, entry: PaperlessConfigEntry, keys: set[str]
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


def _ollama_sensors(_hass: HomeAssistant, entry: OllamaConfigEntry) -> list[SensorEntity]:
    coordinator = entry.runtime_data.coordinator
    device = service_device(entry)
    return [PipelineSensor(coordinator, description, device) for description in OLLAMA_SENSORS]


def _paperless_sensors(hass: HomeAssistant, entry: PaperlessConfigEntry) -> list[SensorEntity]:
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    device = service_device(entry)
    stages = [stage_sensor(tag) for tag in dict.fromkeys(coordinator.stage_tags)]
    _remove_stale_stage_sensors(hass, entry, {description.key for description in stages})
    entities: list[SensorEntity] = [
        PipelineSensor(coordinator, description, device)
        for description in (*PAPERLESS_SENSORS, *stages)
    ]
    if runtime.ai_coordinator is not None:
        ai_device = paperless_ai_device(entry, runtime.device_id)
        entities.append(PipelineSensor(coordinator, AI_BACKLOG, ai_device))
        entities.extend(
            PipelineSensor(runtime.ai_coordinator, description, ai_device)
            for description in AI_SENSORS
        )
    entities.append(PipelineDepthSensor(entry, runtime))
    return entities


def _n8n_sensors(_hass: HomeAssistant, entry: N8nConfigEntry) -> list[SensorEntity]:
    coordinator = entry.runtime_data.coordinator
    device = service_device(entry)
    return [PipelineSensor(coordinator, description, device) for description in N8N_SENSORS]


# The sensors of an Ollama, Paperless-ngx or n8n entry.
async_setup_entry = platform_setup(
    ollama=_ollama_sensors, paperless=_paperless_sensors, n8n=_n8n_sensors
)
