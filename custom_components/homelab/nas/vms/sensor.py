"""Sensors of VMs and containers: state, virtual CPUs and memory (as configured)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorEntityDescription
from homeassistant.const import EntityCategory, UnitOfInformation
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...clients.truenas.devices import Guest
from .coordinator import GuestCoordinator, GuestKey
from .entity import GuestEntity, async_add_per_guest

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

# vm.query status.state and Incus/libvirt container states, lowercased.
GUEST_STATE_OPTIONS = ["running", "stopped", "suspended", "frozen", "paused", "error"]


def guest_state(guest: Guest) -> str | None:
    """The state as an ENUM option; one a newer TrueNAS adds reads as unknown."""
    state = (guest.state or "").lower()
    return state if state in GUEST_STATE_OPTIONS else None


@dataclass(frozen=True, kw_only=True)
class GuestSensorDescription(SensorEntityDescription):
    """A guest sensor and how to read it."""

    value_fn: Callable[[Guest], str | int | None]


GUEST_SENSORS: tuple[GuestSensorDescription, ...] = (
    GuestSensorDescription(
        key="state",
        translation_key="vm_state",
        device_class=SensorDeviceClass.ENUM,
        options=GUEST_STATE_OPTIONS,
        value_fn=guest_state,
    ),
    GuestSensorDescription(
        key="vcpus",
        translation_key="vm_vcpus",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda guest: guest.cpu_count,
    ),
    GuestSensorDescription(
        key="memory",
        translation_key="vm_memory",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda guest: guest.memory,
    ),
)


def async_setup_vm_sensors(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """The sensors of every VM and container (CPU and memory only where the API gives them)."""

    def make(coordinator: GuestCoordinator, key: GuestKey) -> Iterator[GuestSensor]:
        guest = coordinator.data[key]
        return (
            GuestSensor(coordinator, d, key)
            for d in GUEST_SENSORS
            if d.key == "state" or d.value_fn(guest) is not None
        )

    async_add_per_guest(entry, async_add_entities, make)


class GuestSensor(GuestEntity, SensorEntity):
    """A sensor of one VM or container."""

    entity_description: GuestSensorDescription

    @property
    def native_value(self) -> str | int | None:
        """Read the value from the latest data."""
        return self.entity_description.value_fn(self.guest)
