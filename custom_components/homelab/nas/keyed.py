"""A coordinator of things the server lists by key (disks, VMs, services): what they share.

Errors map to the entry's translated ones (`ServerCoordinator`); things that appear are
announced to the platforms (`known`), the devices of things gone are removed (also
those left from before a restart), and pushes stop with the entry.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from functools import cached_property
from typing import Any, override

from .known_keys import KnownKeys
from .server_coordinator import ServerCoordinator


class KeyedCoordinator[KeyT: Hashable, DataT](ServerCoordinator[DataT]):
    """Polls `_fetch`; `keys_of(data)` are the things that each have a device."""

    # The infixes of the device identifiers this coordinator owns (`disk`, `vm`, `service`).
    infixes: tuple[str, ...] = ()

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

    @cached_property
    def known(self) -> KnownKeys[KeyT]:
        """The keys of the things known (made at first use: the constructor is the base's)."""
        return KnownKeys()

    def current_keys(self) -> set[KeyT]:
        """The keys of the things known now."""
        return set(self.keys_of(self.data)) if self.data is not None else set()

    @override
    def current_identifiers(self) -> set[tuple[str, str]]:
        return {self.identifier(key) for key in self.known.keys}

    def track(self, data: DataT, *, announce_later: bool = False) -> None:
        """Remove the devices of things gone; announce new ones (after `data` is set)."""
        added, removed = self.known.replace(self.keys_of(data))
        self._remove_devices([self.identifier(key) for key in removed], self.infixes)
        if added:
            if announce_later:
                # From a refresh: listeners read `self.data`, set once the refresh returns.
                self.hass.loop.call_soon(self.known.announce, added)
            else:
                self.known.announce(added)
