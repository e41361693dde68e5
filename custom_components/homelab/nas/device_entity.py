"""Entities of the things under a TrueNAS system device (a disk, a VM, a service, a backup task).

Their device info is `entity.server_device`: under the system device unless it names another
parent, linked to the thing's page in the TrueNAS UI. `KeyedEntity` is the base of the entities
of a keyed coordinator's things: it keeps the thing's key, and is there while the server lists it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Unpack, override

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from .entity import NasDeviceEntity, server_device
from .keyed import KeyedCoordinator


class KeyedEntity[CoordinatorT: KeyedCoordinator[Any, Any], KeyT: Hashable](
    NasDeviceEntity[CoordinatorT]
):
    """An entity of one thing `CoordinatorT` lists by key (a disk, a VM or container, a service)."""

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EntityDescription,
        key: KeyT,
        unique_part: str,
        ui_path: str,
        **details: Unpack[DeviceInfo],
    ) -> None:
        """Attach to the thing's device (`server_device`), identified by the coordinator."""
        self.key = key
        device = server_device(
            coordinator.config_entry, coordinator.identifier(key), ui_path, **details
        )
        super().__init__(coordinator, description, unique_part, device)

    @override
    def present(self) -> bool:
        return self.key in self.coordinator.keys_of(self.coordinator.data)
