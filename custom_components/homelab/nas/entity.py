"""Base entities of the NAS (system, pool, app devices), and adding entities as things appear."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, Unpack, override

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..clients.truenas import App, Pool
from ..entity import HomeLabEntity
from .coordinator import TrueNASCoordinator
from .identifiers import app_identifier, pool_identifier, system_identifier
from .server_coordinator import ServerCoordinator

if TYPE_CHECKING:
    from .apps.coordinator import AppsCoordinator
    from .keyed import KeyedCoordinator
    from .known_keys import KnownKeys
    from .runtime import TrueNASConfigEntry


class _Sortable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...
    def __hash__(self) -> int: ...


@callback
def async_add_for_each[KeyT: _Sortable](
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    known: KnownKeys[KeyT],
    make: Callable[[KeyT], Iterable[Entity]],
) -> None:
    """`make`'s entities for each key known (a pool, an app, a disk), and for each that appears."""

    @callback
    def add(keys: set[KeyT]) -> None:
        async_add_entities(entity for key in sorted(keys) for entity in make(key))

    add(set(known.keys))
    entry.async_on_unload(known.add_listener(add))


@callback
def async_add_per_key[CoordinatorT: KeyedCoordinator[Any, Any], KeyT: _Sortable](
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    coordinator: CoordinatorT,
    make: Callable[[CoordinatorT, KeyT], Iterable[Entity]],
) -> None:
    """`make`'s entities for each thing `coordinator` knows (a disk, a VM), and each that appears."""
    async_add_for_each(entry, async_add_entities, coordinator.known, partial(make, coordinator))


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
        coordinator.known_pools,
        lambda name: make(coordinator, name),
    )


@callback
def async_add_per_app(
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[AppsCoordinator, str], Iterable[Entity]],
) -> None:
    """`make`'s entities for every app, including apps installed later.

    Apps a pipeline entry carries (links.py) are left to it: their entities show on its device.
    """
    apps = entry.runtime_data.apps
    carried = entry.runtime_data.service_links
    async_add_for_each(
        entry,
        async_add_entities,
        apps.known_apps,
        lambda name: () if name in carried else make(apps, name),
    )


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


def app_device(coordinator: AppsCoordinator, app_name: str) -> DeviceInfo:
    """The device of a TrueNAS app the TrueNAS entry shows itself (under the system device)."""
    app = coordinator.data[app_name]
    device = server_device(
        coordinator.config_entry,
        app_identifier(coordinator.config_entry, app_name),
        "/ui/apps/installed",
        name=app.title or app_name,
        manufacturer="TrueNAS apps",
        model=f"{app.train.title()} train" if app.train else "Custom app",
        sw_version=app.human_version or app.version,
    )
    if app.first_portal:  # the app's own web page: what a user opens it for
        device["configuration_url"] = app.first_portal
    return device


class TrueNASEntity(HomeLabEntity[TrueNASCoordinator]):
    """An entity of the TrueNAS system device."""

    def __init__(self, coordinator: TrueNASCoordinator, description: EntityDescription) -> None:
        """Attach to the system device registered at setup."""
        entry = coordinator.config_entry
        device = DeviceInfo(identifiers={system_identifier(entry)})
        super().__init__(coordinator, description, f"{entry.unique_id}", device)


class NasDeviceEntity[CoordinatorT: ServerCoordinator[Any]](HomeLabEntity[CoordinatorT]):
    """An entity of one thing's device: unique id `<entry>_<part>_<key>`, available while present.

    `present` says whether the thing is still in the coordinator's data; `follows_connection`
    makes the entity unavailable while the server is unreachable.
    """

    follows_connection = True

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: EntityDescription,
        unique_part: str,
        device_info: DeviceInfo,
    ) -> None:
        """Attach to the device `device_info` describes."""
        entry = coordinator.config_entry
        super().__init__(coordinator, description, f"{entry.unique_id}_{unique_part}", device_info)

    def present(self) -> bool:
        """Whether the thing is in the coordinator's data (which is set)."""
        raise NotImplementedError

    @property
    @override
    def available(self) -> bool:
        """Unavailable without data, when the server is unreachable or the thing is gone."""
        return (
            super().available
            and (self.coordinator.client.connected or not self.follows_connection)
            and self.coordinator.data is not None
            and self.present()
        )


class PoolEntity(NasDeviceEntity[TrueNASCoordinator]):
    """An entity of one pool's device (under the system device)."""

    # Unavailable when the server is unreachable through the pool coordinator's own refresh.
    follows_connection = False

    def __init__(
        self, coordinator: TrueNASCoordinator, description: EntityDescription, pool_name: str
    ) -> None:
        """Attach to the pool's device."""
        entry = coordinator.config_entry
        self.pool_name = pool_name
        device = server_device(
            entry,
            pool_identifier(entry, pool_name),
            "/ui/storage",
            name=pool_name,
            manufacturer="OpenZFS",
            model="ZFS pool",
        )
        super().__init__(coordinator, description, f"pool_{pool_name}", device)

    @property
    def pool(self) -> Pool:
        """The pool's latest data (only read while available)."""
        return self.coordinator.data.pools[self.pool_name]

    @override
    def present(self) -> bool:
        return self.pool_name in self.coordinator.data.pools


class AppEntity(NasDeviceEntity["AppsCoordinator"]):
    """An entity of one TrueNAS app.

    It shows on the app's device (under the system device), or on the device of the pipeline
    service that carries the app (`device_info`, see links.py).
    """

    def __init__(
        self,
        coordinator: AppsCoordinator,
        description: EntityDescription,
        app_name: str,
        device_info: DeviceInfo | None = None,
    ) -> None:
        """Attach to the app's device, or to `device_info`."""
        self.app_name = app_name
        super().__init__(
            coordinator,
            description,
            f"app_{app_name}",
            device_info or app_device(coordinator, app_name),
        )

    @property
    def app(self) -> App:
        """The app's latest data (only read while available)."""
        return self.coordinator.data[self.app_name]

    @override
    def present(self) -> bool:
        return self.app_name in self.coordinator.data
