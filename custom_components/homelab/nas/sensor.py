"""Sensors: pool health, capacity and scrubs; system version, boot time and alerts."""

from __future__ import annotations

from datetime import datetime
from typing import override

from homeassistant.const import PERCENTAGE, Platform, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .. import sensor_descriptions as describe
from ..clients.truenas import POOL_STATUSES, Pool
from ..sensor_descriptions import ValueSensor, ValueSensorDescription
from .apps.entities import async_add_app_entities
from .backups.sensor import async_setup_backup_sensors
from .coordinator import TrueNASData
from .disks.sensor import disk_sensors
from .entity import PoolEntity, TrueNASEntity, async_add_per_key, async_add_per_pool
from .runtime import TrueNASConfigEntry
from .system.sensor import async_setup_system_sensors
from .vms.sensor import guest_sensors

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


# What a pool sensor reads: the pool; a system sensor: the entry's latest data.
type PoolSensorDescription = ValueSensorDescription[Pool]
type SystemSensorDescription = ValueSensorDescription[TrueNASData]

POOL_SENSORS: tuple[PoolSensorDescription, ...] = (
    describe.enum("status", POOL_STATUS_OPTIONS, pool_status, translation_key="pool_status"),
    describe.measurement(
        "used_percent", lambda pool: pool.used_percent, unit=PERCENTAGE, precision=1
    ),
    describe.data_size(
        "allocated", lambda pool: pool.allocated, shown_in=UnitOfInformation.TERABYTES, precision=2
    ),
    describe.data_size(
        "free", lambda pool: pool.free, shown_in=UnitOfInformation.TERABYTES, precision=2
    ),
    describe.measurement(
        "fragmentation", lambda pool: pool.fragmentation, unit=PERCENTAGE, diagnostic=True
    ),
    describe.timestamp("last_scrub", last_scrub),
    describe.enum("scan_state", SCAN_STATE_OPTIONS, scan_state),
    describe.progress(
        "scan_progress",
        lambda pool: pool.scan.percentage if pool.scan else None,
        precision=1,
    ),
    describe.measurement(
        "scrub_errors", lambda pool: pool.scan.errors if pool.scan else 0, diagnostic=True
    ),
    describe.measurement("read_errors", lambda pool: pool.read_errors, diagnostic=True),
    describe.measurement("write_errors", lambda pool: pool.write_errors, diagnostic=True),
    describe.measurement("checksum_errors", lambda pool: pool.checksum_errors, diagnostic=True),
    describe.measurement("disks_not_online", lambda pool: pool.disks_not_online),
)

SYSTEM_SENSORS: tuple[SystemSensorDescription, ...] = (
    describe.diagnostic("version", lambda data: data.system.version),
    describe.timestamp("boot_time", lambda data: data.system.boottime, diagnostic=True),
    describe.measurement("active_alerts", lambda data: len(data.active_alerts)),
    describe.measurement(
        "critical_alerts",
        lambda data: sum(1 for alert in data.active_alerts if alert.is_critical),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """System sensors now; pool sensors for every pool, including pools that appear later."""
    async_add_entities(SystemSensor(entry.runtime_data.coordinator, d) for d in SYSTEM_SENSORS)
    async_add_per_pool(
        entry,
        async_add_entities,
        lambda pools, name: (PoolSensor(pools, d, name) for d in POOL_SENSORS),
    )
    async_add_app_entities(entry, async_add_entities, Platform.SENSOR)
    async_setup_backup_sensors(entry, async_add_entities)
    async_add_per_key(entry, async_add_entities, entry.runtime_data.disks, disk_sensors)
    async_add_per_key(entry, async_add_entities, entry.runtime_data.vms, guest_sensors)
    async_setup_system_sensors(entry, async_add_entities)


class SystemSensor(TrueNASEntity, ValueSensor[TrueNASData]):
    """A sensor of the TrueNAS system."""

    @override
    def sources(self) -> tuple[TrueNASData]:
        return (self.coordinator.data,)


class PoolSensor(PoolEntity, ValueSensor[Pool]):
    """A sensor of one pool."""

    @override
    def sources(self) -> tuple[Pool]:
        return (self.pool,)
