"""Base entities: one for the TrueNAS system device, one for a pool device."""

from __future__ import annotations

from typing import TYPE_CHECKING, override

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..clients.truenas import App, Pool
from .coordinator import TrueNASCoordinator
from .identifiers import app_identifier, pool_identifier, system_identifier

if TYPE_CHECKING:
    from .apps.coordinator import AppsCoordinator


class TrueNASEntity(CoordinatorEntity[TrueNASCoordinator]):
    """An entity of the TrueNAS system device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: TrueNASCoordinator, description: EntityDescription) -> None:
        """Attach to the system device registered at setup."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={system_identifier(entry)})


class PoolEntity(CoordinatorEntity[TrueNASCoordinator]):
    """An entity of one pool's device (under the system device)."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: TrueNASCoordinator, description: EntityDescription, pool_name: str
    ) -> None:
        """Attach to the pool's device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self.pool_name = pool_name
        self._attr_unique_id = f"{entry.unique_id}_pool_{pool_name}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={pool_identifier(entry, pool_name)},
            name=pool_name,
            manufacturer="OpenZFS",
            model="ZFS pool",
            via_device_id=entry.runtime_data.system_device_id,
            configuration_url=f"{entry.runtime_data.client.base_url}/ui/storage",
        )

    @property
    def pool(self) -> Pool:
        """The pool's latest data (only read while available)."""
        return self.coordinator.data.pools[self.pool_name]

    @property
    @override
    def available(self) -> bool:
        """Unavailable when the server is unreachable or the pool is gone."""
        return super().available and self.pool_name in self.coordinator.data.pools


class AppEntity(CoordinatorEntity["AppsCoordinator"]):
    """An entity of one TrueNAS app's device (under the system device)."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: AppsCoordinator, description: EntityDescription, app_name: str
    ) -> None:
        """Attach to the app's device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self.app_name = app_name
        self._attr_unique_id = f"{entry.unique_id}_app_{app_name}_{description.key}"
        app = coordinator.data[app_name]
        self._attr_device_info = DeviceInfo(
            identifiers={app_identifier(entry, app_name)},
            name=app.title or app_name,
            manufacturer="TrueNAS apps",
            model=f"{app.train.title()} train" if app.train else "Custom app",
            sw_version=app.human_version or app.version,
            via_device_id=entry.runtime_data.system_device_id,
            configuration_url=app.first_portal,
        )

    @property
    def app(self) -> App:
        """The app's latest data (only read while available)."""
        return self.coordinator.data[self.app_name]

    @property
    @override
    def available(self) -> bool:
        """Unavailable when the server is unreachable or the app is gone."""
        return (
            super().available
            and self.coordinator.client.connected
            and self.app_name in self.coordinator.data
        )
