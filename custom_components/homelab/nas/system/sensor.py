"""Sensors of the system device: live CPU, memory, ARC and network; load; certificates.

Live values come from `reporting.realtime` samples (see live.py) and are written at most once
per `LIVE_WRITE_SECONDS` each; the load averages come from the polled `system.info`. Enabled by
default: CPU usage and temperature, memory used and the 1-minute load (about 1,440 writes a day
each); the rest (memory free, ARC, 5/15-minute load, per-interface rates) is opt-in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import override

from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ... import sensor_descriptions as describe
from ...clients.truenas import SystemInfo
from ...clients.truenas.system import InterfaceRates, RealtimeStats
from ...sensor_descriptions import SensorValue, ValueSensor, ValueSensorDescription
from ...sensor_units import BYTES_GIB, RATE_KIB
from ..coordinator import TrueNASCoordinator
from ..entity import TrueNASEntity, async_add_for_each
from ..runtime import TrueNASConfigEntry
from ..throttled_writes import ThrottledWrites
from .certificates import async_setup_certificate_sensors
from .live import LIVE_WRITE_SECONDS, SystemLive

# A live sensor reads a `reporting.realtime` sample; a load average, `system.info`.
type LiveSensorDescription = ValueSensorDescription[RealtimeStats]
type LoadSensorDescription = ValueSensorDescription[SystemInfo]
# A per-interface rate reads the interface's rates in a sample.
type InterfaceSensorDescription = ValueSensorDescription[InterfaceRates]


def _load(index: int) -> Callable[[SystemInfo], float | None]:
    return lambda system: system.loadavg[index] if len(system.loadavg) > index else None


def _memory(
    key: str, value_fn: Callable[[RealtimeStats], int | None], *, enabled_default: bool
) -> LiveSensorDescription:
    """Memory or ARC in bytes, shown in GiB."""
    return ValueSensorDescription(
        key=key,
        translation_key=key,
        entity_registry_enabled_default=enabled_default,
        **BYTES_GIB,
        value_fn=value_fn,
    )


LIVE_SENSORS: tuple[LiveSensorDescription, ...] = (
    describe.measurement("cpu_usage", lambda stats: stats.cpu_usage, unit=PERCENTAGE, precision=1),
    describe.temperature("cpu_temperature", lambda stats: stats.cpu_temperature, precision=0),
    _memory("memory_used", lambda stats: stats.memory_used, enabled_default=True),
    _memory("memory_free", lambda stats: stats.memory_available, enabled_default=False),
    _memory("arc_size", lambda stats: stats.arc_size, enabled_default=False),
    describe.measurement(
        "arc_hit_ratio",
        lambda stats: stats.arc_hit_ratio,
        unit=PERCENTAGE,
        precision=0,
        enabled_default=False,
    ),
)

# The 1-minute load on by default; the 5- and 15-minute ones opt-in.
LOAD_SENSORS: tuple[LoadSensorDescription, ...] = (
    describe.measurement("load_1m", _load(0), precision=2),
    describe.measurement("load_5m", _load(1), precision=2, enabled_default=False),
    describe.measurement("load_15m", _load(2), precision=2, enabled_default=False),
)


def _interface_rate(
    key: str, value_fn: Callable[[InterfaceRates], float | None]
) -> InterfaceSensorDescription:
    # Rates change at every sample; opt-in keeps the recorder small (as app rates).
    return ValueSensorDescription(
        key=key,
        translation_key=f"interface_{key}",
        entity_registry_enabled_default=False,
        **RATE_KIB,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=value_fn,
    )


INTERFACE_SENSORS: tuple[InterfaceSensorDescription, ...] = (
    _interface_rate("rx", lambda rates: rates.received_bytes_rate),
    _interface_rate("tx", lambda rates: rates.sent_bytes_rate),
)


def async_setup_system_sensors(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Live, load, per-interface and certificate sensors of the system device."""
    runtime = entry.runtime_data
    coordinator, live = runtime.coordinator, runtime.system.live
    async_add_entities(LiveSensor(coordinator, live, d) for d in LIVE_SENSORS)
    async_add_entities(LoadSensor(coordinator, d) for d in LOAD_SENSORS)
    async_add_for_each(
        entry,
        async_add_entities,
        live.interfaces,
        lambda name: (InterfaceSensor(coordinator, live, d, name) for d in INTERFACE_SENSORS),
    )
    async_setup_certificate_sensors(entry, async_add_entities)


class _SampledSensor(TrueNASEntity, ThrottledWrites, SensorEntity):
    """A sensor written from the live samples, at most once per LIVE_WRITE_SECONDS."""

    def __init__(
        self,
        coordinator: TrueNASCoordinator,
        live: SystemLive,
        description: SensorEntityDescription,
    ) -> None:
        super().__init__(coordinator, description)
        self.live = live
        # The value of the last sample written: the entry's polls (which write the entity's
        # state for availability) never show a sample the rate limit skipped.
        self._attr_native_value = None

    async def async_added_to_hass(self) -> None:
        """Follow the samples too."""
        await super().async_added_to_hass()
        self.async_on_remove(self.live.add_listener(self._on_sample))
        if self.live.stats is not None:
            self._on_sample()  # the first sample came while the platform was set up

    @callback
    def _on_sample(self) -> None:
        if self.write_due(LIVE_WRITE_SECONDS):
            self._attr_native_value = self.sampled_value()
            self.async_write_ha_state()

    def sampled_value(self) -> SensorValue:
        """The value in the latest sample."""
        raise NotImplementedError


class LiveSensor(_SampledSensor):
    """CPU, memory or ARC from the latest sample."""

    entity_description: LiveSensorDescription

    def sampled_value(self) -> SensorValue:
        """The value in the latest sample (unknown before the first)."""
        stats = self.live.stats
        return self.entity_description.value_fn(stats) if stats is not None else None


class InterfaceSensor(_SampledSensor):
    """The receive or send rate of one network interface."""

    entity_description: InterfaceSensorDescription

    def __init__(
        self,
        coordinator: TrueNASCoordinator,
        live: SystemLive,
        description: InterfaceSensorDescription,
        interface: str,
    ) -> None:
        """One sensor per interface and direction."""
        super().__init__(coordinator, live, description)
        self.interface = interface
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}_interface_{interface}_{description.key}"
        self._attr_translation_placeholders = {"interface": interface}

    def sampled_value(self) -> SensorValue:
        """The rate in the latest sample (unknown while the link is down)."""
        stats = self.live.stats
        rates = stats.interfaces.get(self.interface) if stats is not None else None
        return self.entity_description.value_fn(rates) if rates is not None else None


class LoadSensor(TrueNASEntity, ValueSensor[SystemInfo]):
    """A load average from the polled `system.info`."""

    @override
    def sources(self) -> tuple[SystemInfo]:
        return (self.coordinator.data.system,)
