"""Sensors: pool health, capacity and scrubs; system version, boot time and alerts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, Platform, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..clients.truenas import POOL_STATUSES, Pool
from ..probes.entity import async_setup_probe_sensors
from .apps.entities import async_add_app_entities
from .backups.sensor import async_setup_backup_sensors
from .coordinator import TrueNASCoordinator, TrueNASData
from .disks.sensor import async_setup_disk_sensors
from .entity import PoolEntity, TrueNASEntity, async_add_per_pool
from .runtime import TrueNASConfigEntry
from .system.sensor import async_setup_system_sensors
from .vms.sensor import async_setup_vm_sensors

type SensorValue = str | int | float | datetime | None

POOL_STATUS_OPTIONS = [status.lower() for status in POOL_STATUSES]
SCAN_STATE_OPTIONS = ["none", "scrubbing", "resilvering", "finished", "canceled"]


def pool_status(pool: Pool) -> str | None:
    """The pool state as an ENUM option; a state a newer TrueNAS adds reads as unknown."""
    status = pool.status.lower()
    return status if status in POOL_STATUS_OPTIONS else None


def scan_state(pool: Pool) -> str | None:
    """None / scrubbing / resilvering / finished / canceled."""
    scan = pool.scan
    if scan is None:
        return "none"
    if scan.state == "SCANNING":
        return {"SCRUB": "scrubbing", "RESILVER": "resilvering"}.get(scan.function)
    state = scan.state.lower()
    return state if state in SCAN_STATE_OPTIONS else None


def last_scrub(pool: Pool) -> datetime | None:
    """When the last completed scrub finished."""
    scan = pool.scan
    if scan is None or scan.function != "SCRUB" or scan.state != "FINISHED":
        return None
    return scan.end_time


@dataclass(frozen=True, kw_only=True)
class PoolSensorDescription(SensorEntityDescription):
    """A pool sensor and how to read it."""

    value_fn: Callable[[Pool], SensorValue]


@dataclass(frozen=True, kw_only=True)
class SystemSensorDescription(SensorEntityDescription):
    """A system sensor and how to read it."""

    value_fn: Callable[[TrueNASData], SensorValue]


POOL_SENSORS: tuple[PoolSensorDescription, ...] = (
    PoolSensorDescription(
        key="status",
        translation_key="pool_status",
        device_class=SensorDeviceClass.ENUM,
        options=POOL_STATUS_OPTIONS,
        value_fn=pool_status,
    ),
    PoolSensorDescription(
        key="used_percent",
        translation_key="used_percent",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda pool: pool.used_percent,
    ),
    PoolSensorDescription(
        key="allocated",
        translation_key="allocated",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.TERABYTES,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda pool: pool.allocated,
    ),
    PoolSensorDescription(
        key="free",
        translation_key="free",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.TERABYTES,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda pool: pool.free,
    ),
    PoolSensorDescription(
        key="fragmentation",
        translation_key="fragmentation",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda pool: pool.fragmentation,
    ),
    PoolSensorDescription(
        key="last_scrub",
        translation_key="last_scrub",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=last_scrub,
    ),
    PoolSensorDescription(
        key="scan_state",
        translation_key="scan_state",
        device_class=SensorDeviceClass.ENUM,
        options=SCAN_STATE_OPTIONS,
        value_fn=scan_state,
    ),
    PoolSensorDescription(
        key="scan_progress",
        translation_key="scan_progress",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        value_fn=lambda pool: pool.scan.percentage if pool.scan else None,
    ),
    PoolSensorDescription(
        key="scrub_errors",
        translation_key="scrub_errors",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda pool: pool.scan.errors if pool.scan else 0,
    ),
    PoolSensorDescription(
        key="read_errors",
        translation_key="read_errors",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda pool: pool.read_errors,
    ),
    PoolSensorDescription(
        key="write_errors",
        translation_key="write_errors",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda pool: pool.write_errors,
    ),
    PoolSensorDescription(
        key="checksum_errors",
        translation_key="checksum_errors",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda pool: pool.checksum_errors,
    ),
    PoolSensorDescription(
        key="disks_not_online",
        translation_key="disks_not_online",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda pool: pool.disks_not_online,
    ),
)

SYSTEM_SENSORS: tuple[SystemSensorDescription, ...] = (
    SystemSensorDescription(
        key="version",
        translation_key="version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.system.version,
    ),
    SystemSensorDescription(
        key="boot_time",
        translation_key="boot_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.system.boottime,
    ),
    SystemSensorDescription(
        key="active_alerts",
        translation_key="active_alerts",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.active_alerts),
    ),
    SystemSensorDescription(
        key="critical_alerts",
        translation_key="critical_alerts",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: sum(1 for alert in data.active_alerts if alert.is_critical),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """System sensors now; pool sensors for every pool, including pools that appear later."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(SystemSensor(coordinator, description) for description in SYSTEM_SENSORS)
    async_add_per_pool(
        entry,
        async_add_entities,
        lambda pools, name: (PoolSensor(pools, d, name) for d in POOL_SENSORS),
    )
    async_add_app_entities(entry, async_add_entities, Platform.SENSOR)
    async_setup_backup_sensors(entry, async_add_entities)
    async_setup_disk_sensors(entry, async_add_entities)
    async_setup_vm_sensors(entry, async_add_entities)
    async_setup_system_sensors(entry, async_add_entities)
    async_setup_probe_sensors(entry.runtime_data.probes, async_add_entities)


class SystemSensor(TrueNASEntity, SensorEntity):
    """A sensor of the TrueNAS system."""

    entity_description: SystemSensorDescription

    def __init__(
        self, coordinator: TrueNASCoordinator, description: SystemSensorDescription
    ) -> None:
        """Keep the typed description."""
        super().__init__(coordinator, description)

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the latest data."""
        return self.entity_description.value_fn(self.coordinator.data)


class PoolSensor(PoolEntity, SensorEntity):
    """A sensor of one pool."""

    entity_description: PoolSensorDescription

    def __init__(
        self, coordinator: TrueNASCoordinator, description: PoolSensorDescription, pool: str
    ) -> None:
        """Keep the typed description."""
        super().__init__(coordinator, description, pool)

    @property
    def native_value(self) -> SensorValue:
        """Read the value from the pool's latest data."""
        return self.entity_description.value_fn(self.pool)
