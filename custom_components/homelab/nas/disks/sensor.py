"""Disk devices and their sensors: pool state, vdev, size, last SMART test, temperature."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import override

from homeassistant.components.sensor import SensorDeviceClass, SensorEntityDescription
from homeassistant.const import EntityCategory, UnitOfInformation, UnitOfTime
from homeassistant.helpers import device_registry as dr

from ... import sensor_descriptions as describe
from ...clients.truenas import POOL_STATUSES, Vdev
from ...clients.truenas.devices import Disk
from ...sensor_descriptions import ValueSensor, ValueSensorDescription
from ..device_entity import KeyedEntity
from ..identifiers import pool_identifier
from .coordinator import DiskCoordinator, DiskData

DISK_STATE_OPTIONS = [status.lower() for status in POOL_STATUSES]
SMART_STATUS_OPTIONS = ["success", "failed", "aborted", "running"]


@dataclass(frozen=True, slots=True)
class DiskView:
    """What a disk sensor reads: the disk, its place in a pool, what was read of it."""

    name: str
    disk: Disk
    data: DiskData
    pool: str | None
    vdev: str | None
    leaf: Vdev | None


type DiskSensorDescription = ValueSensorDescription[DiskView]


def _state(view: DiskView) -> str | None:
    if view.leaf is None:
        return None
    state = view.leaf.status.lower()
    return state if state in DISK_STATE_OPTIONS else None


def _smart_status(view: DiskView) -> str | None:
    test = view.data.smart.get(view.name)
    status = (test.status or "").lower() if test else ""
    return status if status in SMART_STATUS_OPTIONS else None


def _smart_hours(view: DiskView) -> int | None:
    test = view.data.smart.get(view.name)
    return test.lifetime if test else None


DISK_SENSORS: tuple[DiskSensorDescription, ...] = (
    describe.enum("state", DISK_STATE_OPTIONS, _state, translation_key="disk_state"),
    describe.diagnostic("vdev", lambda view: view.vdev, translation_key="disk_vdev"),
    describe.diagnostic("pool", lambda view: view.pool, translation_key="disk_pool"),
    describe.data_size(
        "size",
        lambda view: view.disk.size,
        translation_key="disk_size",
        shown_in=UnitOfInformation.TERABYTES,
        precision=2,
        measured=False,
        diagnostic=True,
    ),
)
# 25.04 only: SMART test results left the API in 25.10.
SMART_SENSORS: tuple[DiskSensorDescription, ...] = (
    describe.enum(
        "smart_last_test",
        SMART_STATUS_OPTIONS,
        _smart_status,
        translation_key="disk_smart_last_test",
    ),
    ValueSensorDescription(
        key="smart_last_test_hours",
        translation_key="disk_smart_last_test_hours",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.HOURS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_smart_hours,
    ),
)


def _temperature(
    key: str, value_fn: Callable[[DiskView], float | None], *, precision: int | None = None
) -> DiskSensorDescription:
    return describe.temperature(key, value_fn, translation_key=f"disk_{key}", precision=precision)


# 25.04: a live, standby-safe read (a sleeping disk reads as unknown).
LIVE_TEMPERATURE = _temperature("temperature", lambda view: view.data.temperatures.get(view.name))
# 25.10+: no live read spares a sleeping disk; the last day from the reporting history.
HISTORY_TEMPERATURES: tuple[DiskSensorDescription, ...] = (
    _temperature(
        "temperature_max",
        lambda view: h.max if (h := view.data.history.get(view.name)) else None,
    ),
    _temperature(
        "temperature_avg",
        lambda view: h.avg if (h := view.data.history.get(view.name)) else None,
        precision=1,
    ),
)


def disk_descriptions(coordinator: DiskCoordinator) -> tuple[DiskSensorDescription, ...]:
    """The sensors a disk gets on this release with these options."""
    descriptions = DISK_SENSORS
    if coordinator.api.smart_results:
        descriptions += SMART_SENSORS
    if coordinator.temperatures_on:
        descriptions += (
            (LIVE_TEMPERATURE,) if coordinator.live_temperatures else HISTORY_TEMPERATURES
        )
    return descriptions


def disk_sensors(disks: DiskCoordinator, key: str) -> Iterator[DiskSensor]:
    """The sensors of a disk."""
    return (DiskSensor(disks, d, key) for d in disk_descriptions(disks))


class DiskEntity(KeyedEntity[DiskCoordinator, str]):
    """An entity of one disk's device (under its pool's device, or the system's)."""

    def __init__(
        self, coordinator: DiskCoordinator, description: SensorEntityDescription, key: str
    ) -> None:
        """Attach to the disk's device (`key`: its `disk_key`; named by its kernel name)."""
        entry = coordinator.config_entry
        disk = coordinator.keys_of(coordinator.data)[key]
        via = entry.runtime_data.system_device_id
        if disk.pool is not None and disk.pool in entry.runtime_data.coordinator.data.pools:
            # The pool's entities may not have registered its device yet: they fill it in.
            via = (
                dr.async_get(coordinator.hass)
                .async_get_or_create(
                    config_entry_id=entry.entry_id, identifiers={pool_identifier(entry, disk.pool)}
                )
                .id
            )
        super().__init__(
            coordinator,
            description,
            key,
            f"disk_{key}",
            "/ui/storage/disks",
            translation_key="disk",
            translation_placeholders={"name": disk.name},
            manufacturer=(disk.model or "").split(" ", 1)[0] or None,
            model=disk.model,
            serial_number=disk.serial or None,
            via_device_id=via,
        )

    @override
    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        # The pool, vdev and state come from the pool coordinator's topology (pushed).
        pools = self.coordinator.config_entry.runtime_data.coordinator
        self.async_on_remove(pools.async_add_listener(self._handle_coordinator_update))

    def view(self) -> DiskView:
        """The disk and where it sits in the pool topology."""
        data = self.coordinator.data
        name = data.keys[self.key]  # the kernel name now: what the topology and reads use
        disk = data.disks[name]
        pools = self.coordinator.config_entry.runtime_data.coordinator.data
        for pool in pools.pools.values():
            for vdevs in pool.topology.values():
                for vdev in vdevs:
                    for leaf in vdev.leaves():
                        if leaf.disk == name:
                            group = None if vdev.is_leaf else vdev.name
                            return DiskView(name, disk, data, pool.name, group, leaf)
        return DiskView(name, disk, data, disk.pool, None, None)


class DiskSensor(DiskEntity, ValueSensor[DiskView]):
    """A sensor of one disk."""

    @override
    def sources(self) -> tuple[DiskView]:
        return (self.view(),)
