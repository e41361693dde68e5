"""The device of a VM or container, and adding entities as guests appear."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, override

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...clients.truenas.devices import Guest
from ..entity import NasDeviceEntity, async_add_per_key
from ..identifiers import guest_identifier
from .coordinator import GuestCoordinator, GuestKey

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

MODELS = {"vm": "Virtual machine", "instance": "Incus instance", "container": "Container"}
UI_PATHS = {"vm": "/ui/vm", "instance": "/ui/instances", "container": "/ui/containers"}


def async_add_per_guest(
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[GuestCoordinator, GuestKey], Iterable[Entity]],
) -> None:
    """`make`'s entities for every VM and container, including ones created later."""
    guests = entry.runtime_data.vms
    async_add_per_key(entry, async_add_entities, guests, lambda key: make(guests, key))


class GuestEntity(NasDeviceEntity[GuestCoordinator]):
    """An entity of one VM's or container's device (under the system device)."""

    def __init__(
        self, coordinator: GuestCoordinator, description: EntityDescription, key: GuestKey
    ) -> None:
        """Attach to the guest's device."""
        entry = coordinator.config_entry
        kind, ident = key
        self.key = key
        guest = coordinator.data[key]
        super().__init__(
            coordinator,
            description,
            f"{kind}_{ident}",
            DeviceInfo(
                identifiers={guest_identifier(entry, kind, ident)},
                translation_key="vm" if kind == "vm" else "container",
                translation_placeholders={"name": guest.name},
                manufacturer="iXsystems",
                model=MODELS[kind],
                via_device_id=entry.runtime_data.system_device_id,
                configuration_url=f"{entry.runtime_data.client.base_url}{UI_PATHS[kind]}",
            ),
        )

    @property
    def guest(self) -> Guest:
        """The guest's latest data (only read while available)."""
        return self.coordinator.data[self.key]

    @override
    def present(self) -> bool:
        return self.key in self.coordinator.data
