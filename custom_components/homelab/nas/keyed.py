"""A coordinator of things the server lists by key (disks, VMs, services): what they share.

Errors map to the entry's translated ones (`ServerCoordinator`); things that appear are
announced to the platforms (`add_key_listener`), the devices of things gone are removed (also
those left from before a restart), and pushes stop with the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, override

from homeassistant.core import callback

from .server_coordinator import ServerCoordinator


class KeyedCoordinator[KeyT: Hashable, DataT](ServerCoordinator[DataT]):
    """Polls `_fetch`; `keys_of(data)` are the things that each have a device."""

    # The infixes of the device identifiers this coordinator owns (`disk`, `vm`, `service`).
    infixes: tuple[str, ...] = ()
    # The keys known and the listeners: they start empty and are only ever replaced, never
    # changed in place, so the constructor is `ServerCoordinator`'s.
    _known: frozenset[KeyT] = frozenset()
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

    @override
    def current_identifiers(self) -> set[tuple[str, str]]:
        return {self.identifier(key) for key in self._known}

    def track(self, data: DataT, *, announce_later: bool = False) -> None:
        """Remove the devices of things gone; announce new ones (after `data` is set)."""
        keys = set(self.keys_of(data))
        added, removed = keys - self._known, self._known - keys
        self._known = frozenset(keys)
        self._remove_devices([self.identifier(key) for key in removed], self.infixes)
        if added:
            if announce_later:
                # From a refresh: listeners read `self.data`, set once the refresh returns.
                self.hass.loop.call_soon(self._announce, added)
            else:
                self._announce(added)

    @callback
    def _announce(self, keys: set[KeyT]) -> None:
        for listener in self._key_listeners:
            listener(keys)
