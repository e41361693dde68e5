"""Binary sensors: a pool problem, and whether the server is reachable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..clients.truenas import ConnectionState, Pool
from .apps.entities import async_add_app_entities
from .backups.binary_sensor import async_setup_backup_binary_sensors
from .coordinator import TrueNASCoordinator
from .entity import PoolEntity, TrueNASEntity, async_add_per_key, async_add_per_pool
from .runtime import TrueNASConfigEntry
from .services.entity import service_binary_sensors


@dataclass(frozen=True, kw_only=True)
class PoolBinarySensorDescription(BinarySensorEntityDescription):
    """A pool binary sensor and how to read it."""

    is_on_fn: Callable[[Pool], bool]


POOL_BINARY_SENSORS: tuple[PoolBinarySensorDescription, ...] = (
    PoolBinarySensorDescription(
        key="problem",
        translation_key="pool_problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        # TrueNAS sets `warning` for states such as "features not enabled" on a healthy pool.
        is_on_fn=lambda pool: not pool.healthy or pool.warning,
    ),
)

CONNECTIVITY = BinarySensorEntityDescription(
    key="connected",
    translation_key="connected",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Connectivity now; a problem sensor for every pool, including later ones."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities([ConnectivityBinarySensor(coordinator, CONNECTIVITY)])
    async_add_per_pool(
        entry,
        async_add_entities,
        lambda pools, name: (PoolBinarySensor(pools, d, name) for d in POOL_BINARY_SENSORS),
    )
    async_add_app_entities(entry, async_add_entities, Platform.BINARY_SENSOR)
    async_setup_backup_binary_sensors(entry, async_add_entities)
    async_add_per_key(
        entry, async_add_entities, entry.runtime_data.services, service_binary_sensors
    )


class PoolBinarySensor(PoolEntity, BinarySensorEntity):
    """A binary sensor of one pool."""

    entity_description: PoolBinarySensorDescription

    def __init__(
        self,
        coordinator: TrueNASCoordinator,
        description: PoolBinarySensorDescription,
        pool: str,
    ) -> None:
        """Keep the typed description."""
        super().__init__(coordinator, description, pool)

    @property
    def is_on(self) -> bool:
        """Read the state from the pool's latest data."""
        return self.entity_description.is_on_fn(self.pool)


class ConnectivityBinarySensor(TrueNASEntity, BinarySensorEntity):
    """On while the WebSocket to TrueNAS is up; stays available to show the outage."""

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.client.add_connection_listener(self._on_connection))

    @callback
    def _on_connection(self, _state: ConnectionState) -> None:
        self.async_write_ha_state()

    @property
    @override
    def available(self) -> bool:
        return True

    @property
    def is_on(self) -> bool:
        """Whether the client is logged in on a live socket."""
        return self.coordinator.client.connected
