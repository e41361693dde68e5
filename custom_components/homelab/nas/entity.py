"""Base entities of the NAS (system, pool, app devices), and adding entities as things appear."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, override

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..clients.truenas import App, Pool
from .coordinator import TrueNASCoordinator
from .identifiers import app_identifier, pool_identifier, system_identifier

if TYPE_CHECKING:
    from .apps.coordinator import AppsCoordinator
    from .runtime import TrueNASConfigEntry


class _Sortable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


@callback
def async_add_for_each[KeyT: _Sortable](
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    current: Iterable[KeyT],
    add_listener: Callable[[Callable[[set[KeyT]], None]], Callable[[], None]],
    make: Callable[[KeyT], Iterable[Entity]],
) -> None:
    """`make`'s entities for each key now (a pool, an app, a task), and for each that appears."""

    @callback
    def add(keys: set[KeyT]) -> None:
        async_add_entities(entity for key in sorted(keys) for entity in make(key))

    add(set(current))
    entry.async_on_unload(add_listener(add))


@callback
def async_add_per_pool(
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[TrueNASCoordinator, str], Iterable[Entity]],
) -> None:
    """`make`'s entities for every pool, including pools imported later."""
    coordinator = entry.runtime_data.coordinator
    async_add_for_each(
        entry,
        async_add_entities,
        coordinator.data.pools,
        coordinator.add_pool_listener,
        lambda name: make(coordinator, name),
    )


@callback
def async_add_per_app(
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[AppsCoordinator, str], Iterable[Entity]],
) -> None:
    """`make`'s entities for every app, including apps installed later."""
    apps = entry.runtime_data.apps
    async_add_for_each(
        entry, async_add_entities, apps.data, apps.add_app_listener, lambda name: make(apps, name)
    )


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
