"""The device of a VM or container, and adding entities as guests appear."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, override

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ...clients.truenas.devices import Guest
from ..entity import async_add_for_each
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
    async_add_for_each(
        entry,
        async_add_entities,
        guests.current_keys(),
        guests.add_key_listener,
        lambda key: make(guests, key),
    )


class GuestEntity(CoordinatorEntity[GuestCoordinator]):
    """An entity of one VM's or container's device (under the system device)."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: GuestCoordinator, description: EntityDescription, key: GuestKey
    ) -> None:
        """Attach to the guest's device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        kind, ident = key
        self.entity_description = description
        self.key = key
        self._attr_unique_id = f"{entry.unique_id}_{kind}_{ident}_{description.key}"
        guest = coordinator.data[key]
        self._attr_device_info = DeviceInfo(
            identifiers={guest_identifier(entry, kind, ident)},
            translation_key="vm" if kind == "vm" else "container",
            translation_placeholders={"name": guest.name},
            manufacturer="iXsystems",
            model=MODELS[kind],
            via_device_id=entry.runtime_data.system_device_id,
            configuration_url=f"{entry.runtime_data.client.base_url}{UI_PATHS[kind]}",
        )

    @property
    def guest(self) -> Guest:
        """The guest's latest data (only read while available)."""
        return self.coordinator.data[self.key]

    @property
    @override
    def available(self) -> bool:
        """Unavailable when the server is unreachable or the guest is gone."""
        return (
            super().available
            and self.coordinator.client.connected
            and self.coordinator.data is not None
            and self.key in self.coordinator.data
        )
