"""The keys of the things the server lists (pools, apps, disks, ...) and who hears of new ones.

The platforms listen to add the entities of each thing that appears (`entity.async_add_for_each`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from homeassistant.core import callback


class KnownKeys[KeyT: Hashable]:
    """The keys known now; listeners are told which keys appeared."""

    def __init__(self) -> None:
        """Nothing known, nobody listening."""
        self.keys: frozenset[KeyT] = frozenset()
        self._listeners: list[Callable[[set[KeyT]], None]] = []

    def add_listener(self, listener: Callable[[set[KeyT]], None]) -> Callable[[], None]:
        """Call `listener` with the keys that appeared."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def replace(self, keys: Iterable[KeyT]) -> tuple[set[KeyT], frozenset[KeyT]]:
        """Know exactly `keys` from now on: the keys that appeared and those that went."""
        new = set(keys)
        added, removed = new - self.keys, self.keys - new
        self.keys = frozenset(new)
        return added, removed

    def add(self, keys: Iterable[KeyT]) -> set[KeyT]:
        """Know `keys` too (a key once known stays known): the keys that appeared."""
        added = set(keys) - self.keys
        self.keys |= added
        return added

    @callback
    def announce(self, keys: set[KeyT]) -> None:
        """Tell the listeners that `keys` appeared."""
        for listener in list(self._listeners):
            listener(keys)
