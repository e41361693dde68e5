"""Entities of the things under a TrueNAS system device (a disk, a VM, a service, a backup task).

`server_device` is the device info they share: under the system device unless it names another
parent, linked to the thing's page in the TrueNAS UI. `KeyedEntity` is the base of the entities
of a keyed coordinator's things: it keeps the thing's key, and is there while the server lists it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Unpack, override

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from .entity import NasDeviceEntity
from .keyed import KeyedCoordinator

if TYPE_CHECKING:
    from .runtime import TrueNASConfigEntry


def server_device(
    entry: TrueNASConfigEntry,
    identifier: tuple[str, str],
    ui_path: str,
    **details: Unpack[DeviceInfo],
) -> DeviceInfo:
    """A device of the server's, under its system device unless `details` name another parent."""
    device = DeviceInfo(
        identifiers={identifier},
        via_device_id=entry.runtime_data.system_device_id,
        configuration_url=f"{entry.runtime_data.client.base_url}{ui_path}",
    )
    device.update(details)
    return device


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
