"""Sensors of VMs and containers: state, virtual CPUs and memory (as configured)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import override

from homeassistant.const import UnitOfInformation

from ... import sensor_descriptions as describe
from ...clients.truenas.devices import Guest
from ...sensor_descriptions import ValueSensor, ValueSensorDescription
from .coordinator import GuestCoordinator, GuestKey
from .entity import GuestEntity

# vm.query status.state and Incus/libvirt container states, lowercased.
GUEST_STATE_OPTIONS = ["running", "stopped", "suspended", "frozen", "paused", "error"]


def guest_state(guest: Guest) -> str | None:
    """The state as an ENUM option; one a newer TrueNAS adds reads as unknown."""
    state = (guest.state or "").lower()
    return state if state in GUEST_STATE_OPTIONS else None


type GuestSensorDescription = ValueSensorDescription[Guest]

GUEST_SENSORS: tuple[GuestSensorDescription, ...] = (
    describe.enum("state", GUEST_STATE_OPTIONS, guest_state, translation_key="vm_state"),
    describe.diagnostic("vcpus", lambda guest: guest.cpu_count, translation_key="vm_vcpus"),
    describe.data_size(
        "memory",
        lambda guest: guest.memory,
        translation_key="vm_memory",
        shown_in=UnitOfInformation.GIBIBYTES,
        precision=1,
        measured=False,
        diagnostic=True,
    ),
)


def guest_sensors(guests: GuestCoordinator, key: GuestKey) -> Iterator[GuestSensor]:
    """The sensors of a VM or container (CPU and memory only where the API gives them)."""
    guest = guests.data[key]
    return (
        GuestSensor(guests, d, key)
        for d in GUEST_SENSORS
        if d.key == "state" or d.value_fn(guest) is not None
    )


class GuestSensor(GuestEntity, ValueSensor[Guest]):
    """A sensor of one VM or container."""

    @override
    def sources(self) -> tuple[Guest]:
        return (self.guest,)
