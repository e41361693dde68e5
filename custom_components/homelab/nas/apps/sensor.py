"""Sensors of TrueNAS apps: state, live CPU/memory/network from app.stats, containers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE
from homeassistant.core import callback

from ...clients.truenas import APP_STATES, App, AppStats
from ...sensor_units import BYTES_MIB, RATE_KIB
from ..entity import AppEntity
from ..throttled_writes import ThrottledWrites

APP_STATE_OPTIONS = [state.lower() for state in APP_STATES]


def app_state(app: App, _stats: AppStats | None) -> str | None:
    """The app state as an ENUM option; a state a newer TrueNAS adds reads as unknown."""
    state = app.state.lower()
    return state if state in APP_STATE_OPTIONS else None


# At most one stats value a minute per sensor (core Portainer polls every 60 s): with CPU and
# memory of 10 apps that is 28,800 rows a day instead of 86,400 at every 10 s sample.
STATS_WRITE_SECONDS = 60.0


@dataclass(frozen=True, kw_only=True)
class AppSensorDescription(SensorEntityDescription):
    """An app sensor and how to read it from the app and its latest stats sample."""

    value_fn: Callable[[App, AppStats | None], str | int | float | None]
    from_stats: bool = False
    """Shows `app.stats` values: written from the stats samples, at most every STATS_WRITE_SECONDS."""


def _network_rate(key: str, read: Callable[[AppStats], float | None]) -> AppSensorDescription:
    """A network rate of the app's, from its stats."""
    return AppSensorDescription(
        key=key,
        translation_key=f"app_{key}",
        # Network rates change on every sample; opt-in keeps the recorder small (see README).
        entity_registry_enabled_default=False,
        **RATE_KIB,
        value_fn=lambda _app, stats: read(stats) if stats else None,
        from_stats=True,
    )


APP_SENSORS: tuple[AppSensorDescription, ...] = (
    AppSensorDescription(
        key="state",
        translation_key="app_state",
        device_class=SensorDeviceClass.ENUM,
        options=APP_STATE_OPTIONS,
        value_fn=app_state,
    ),
    AppSensorDescription(
        key="cpu",
        translation_key="app_cpu",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda _app, stats: stats.cpu_usage if stats else None,
        from_stats=True,
    ),
    AppSensorDescription(
        key="memory",
        translation_key="app_memory",
        **BYTES_MIB,
        value_fn=lambda _app, stats: stats.memory if stats else None,
        from_stats=True,
    ),
    _network_rate("rx_rate", lambda stats: stats.rx_rate),
    _network_rate("tx_rate", lambda stats: stats.tx_rate),
    AppSensorDescription(
        key="containers_running",
        translation_key="app_containers_running",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda app, _stats: app.containers_running,
    ),
    AppSensorDescription(
        key="containers_total",
        translation_key="app_containers_total",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda app, _stats: len(app.containers),
    ),
)


class AppSensor(AppEntity, ThrottledWrites, SensorEntity):
    """A sensor of one app."""

    entity_description: AppSensorDescription

    async def async_added_to_hass(self) -> None:
        """Stats sensors also follow the stats samples."""
        await super().async_added_to_hass()
        if self.entity_description.from_stats:
            self.async_on_remove(self.coordinator.add_stats_listener(self.app_name, self._on_stats))

    @callback
    def _on_stats(self) -> None:
        # Samples come every 10 s or more often: one a minute is written.
        if self.write_due(STATS_WRITE_SECONDS):
            self.async_write_ha_state()

    @property
    def native_value(self) -> str | int | float | None:
        """Read the value from the app and its stats."""
        return self.entity_description.value_fn(self.app, self.coordinator.stats.get(self.app_name))
