"""A coordinator of things the server lists by key (disks, VMs, services): what they share.

Errors map to the entry's translated ones (`ServerCoordinator`); things that appear are
announced to the platforms (`add_key_listener`), the devices of things gone are removed (also
those left from before a restart), and pushes stop with the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, override

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr

from ..const import DOMAIN, LOGGER
from .server_coordinator import ServerCoordinator


class KeyedCoordinator[KeyT: Hashable, DataT](ServerCoordinator[DataT]):
    """Polls `_fetch`; `keys_of(data)` are the things that each have a device."""

    # The infixes of the device identifiers this coordinator owns (`disk`, `vm`, `service`).
    infixes: tuple[str, ...] = ()
    # The keys known, whether leftovers were removed, the listeners: they start empty and are
    # only ever replaced, never changed in place, so the constructor is `ServerCoordinator`'s.
    _known: frozenset[KeyT] = frozenset()
    _tracked = False
    _key_listeners: tuple[Callable[[set[KeyT]], None], ...] = ()

    # ------------------------------------------------------------ to implement

    def keys_of(self, data: DataT) -> Mapping[KeyT, Any]:
        """The things of `data` by key."""
        raise NotImplementedError

    def identifier(self, key: KeyT) -> tuple[str, str]:
        """The device identifier of one thing."""
        raise NotImplementedError

    @override
    def _fetched(self, data: DataT) -> None:
        self.track(data, announce_later=True)

    # ------------------------------------------------------------ dynamic things

    def add_key_listener(self, listener: Callable[[set[KeyT]], None]) -> Callable[[], None]:
        """Call `listener` with the keys of things that appeared."""
        self._key_listeners += (listener,)

        def remove() -> None:
            self._key_listeners = tuple(
                other for other in self._key_listeners if other is not listener
            )

        return remove

    def current_keys(self) -> set[KeyT]:
        """The keys of the things known now."""
        return set(self.keys_of(self.data)) if self.data is not None else set()

    def current_identifiers(self) -> set[tuple[str, str]]:
        """Identifiers of every device this coordinator owns now."""
        return {self.identifier(key) for key in self._known}

    def track(self, data: DataT, *, announce_later: bool = False) -> None:
        """Remove the devices of things gone; announce new ones (after `data` is set)."""
        keys = set(self.keys_of(data))
        added, removed = keys - self._known, self._known - keys
        self._known = frozenset(keys)
        registry = dr.async_get(self.hass)
        gone = [self.identifier(key) for key in removed]
        if not self._tracked:
            self._tracked = True
            gone += self._leftovers(registry)
        for identifier in gone:
            device = registry.async_get_device_by_identifier(identifier, self.config_entry.entry_id)
            if device is not None:
                LOGGER.info("%s is gone from the server; removing its device", device.name)
                registry.async_remove_device(device.id)
        if added:
            if announce_later:
                # From a refresh: listeners read `self.data`, set once the refresh returns.
                self.hass.loop.call_soon(self._announce, added)
            else:
                self._announce(added)

    def _leftovers(self, registry: dr.DeviceRegistry) -> list[tuple[str, str]]:
        entry = self.config_entry
        prefix = tuple(f"{entry.unique_id}_{infix}_" for infix in self.infixes)
        current = self.current_identifiers()
        return [
            identifier
            for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
            for identifier in device.identifiers
            if identifier[0] == DOMAIN
            and identifier[1].startswith(prefix)
            and identifier not in current
        ]

    @callback
    def _announce(self, keys: set[KeyT]) -> None:
        for listener in self._key_listeners:
            listener(keys)
