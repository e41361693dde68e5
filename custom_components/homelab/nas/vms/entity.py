"""The device of a VM or container, its model and its page in the TrueNAS UI."""

from __future__ import annotations

from homeassistant.helpers.entity import EntityDescription

from ...clients.truenas.devices import Guest
from ..device_entity import KeyedEntity
from .coordinator import GuestCoordinator, GuestKey

MODELS = {"vm": "Virtual machine", "instance": "Incus instance", "container": "Container"}
UI_PATHS = {"vm": "/ui/vm", "instance": "/ui/instances", "container": "/ui/containers"}


class GuestEntity(KeyedEntity[GuestCoordinator, GuestKey]):
    """An entity of one VM's or container's device (under the system device)."""

    def __init__(
        self, coordinator: GuestCoordinator, description: EntityDescription, key: GuestKey
    ) -> None:
        """Attach to the guest's device."""
        kind, ident = key
        super().__init__(
            coordinator,
            description,
            key,
            f"{kind}_{ident}",
            UI_PATHS[kind],
            translation_key="vm" if kind == "vm" else "container",
            translation_placeholders={"name": coordinator.data[key].name},
            manufacturer="iXsystems",
            model=MODELS[kind],
        )

    @property
    def guest(self) -> Guest:
        """The guest's latest data (only read while available)."""
        return self.coordinator.data[self.key]
