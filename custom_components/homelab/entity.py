"""The base of the integration's entities: described, on one device, unique per owner and key."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator


class HomeLabEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity `description` describes, on `device`; its unique id is `<owner>_<key>`."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EntityDescription,
        owner: str,
        device: DeviceInfo,
    ) -> None:
        """`owner`: what the entity belongs to (an entry's unique id and the thing, a probe)."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{owner}_{description.key}"
        self._attr_device_info = device
