"""A coordinator of things the server lists by key (disks, VMs, services): what they share.

Errors map to the entry's translated ones as the app and backup coordinators do; things that
appear are announced to the platforms (`add_key_listener`), the devices of things gone are
removed (also those left from before a restart), and pushes stop with the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ..clients.truenas import (
    ConnectionState,
    TrueNASAuthenticationError,
    TrueNASClient,
    TrueNASConnectionError,
    TrueNASError,
    TrueNASInvalidResponseError,
    TrueNASTimeoutError,
)
from ..const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from .runtime import TrueNASConfigEntry


class KeyedCoordinator[KeyT: Hashable, DataT](DataUpdateCoordinator[DataT]):
    """Polls `_fetch`; `keys_of(data)` are the things that each have a device."""

    config_entry: TrueNASConfigEntry
    # The infixes of the device identifiers this coordinator owns (`disk`, `vm`, `service`).
    infixes: tuple[str, ...] = ()

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TrueNASConfigEntry,
        client: TrueNASClient,
        *,
        name: str,
        update_interval: timedelta,
    ) -> None:
        """Poll at `update_interval`."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"TrueNAS {name} {entry.title}",
            update_interval=update_interval,
            always_update=False,
        )
        self.client = client
        self._known: set[KeyT] = set()
        self._tracked = False
        self._key_listeners: list[Callable[[set[KeyT]], None]] = []
        self._unsubscribers: list[Callable[[], Any]] = []

    # ------------------------------------------------------------ to implement

    async def _fetch(self) -> DataT:
        raise NotImplementedError

    def keys_of(self, data: DataT) -> Mapping[KeyT, Any]:
        """The things of `data` by key."""
        raise NotImplementedError

    def identifier(self, key: KeyT) -> tuple[str, str]:
        """The device identifier of one thing."""
        raise NotImplementedError

    # ------------------------------------------------------------------ polling

    @override
    async def _async_update_data(self) -> DataT:
        if not self.client.connected and self.data is not None:
            # An outage is reported (once) by the pool coordinator; keep the last data.
            return self.data
        try:
            data = await self._fetch()
        except TrueNASAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except TrueNASInvalidResponseError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_response",
                translation_placeholders={"error": str(err)},
            ) from err
        except TrueNASConnectionError as err:
            if self.data is not None and not isinstance(err, TrueNASTimeoutError):
                return self.data
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="cannot_connect") from err
        except TrueNASError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.track(data, announce_later=True)
        return data

    # ------------------------------------------------------------ dynamic things

    def add_key_listener(self, listener: Callable[[set[KeyT]], None]) -> Callable[[], None]:
        """Call `listener` with the keys of things that appeared."""
        self._key_listeners.append(listener)
        return lambda: self._key_listeners.remove(listener)

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
        self._known = keys
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
        for listener in list(self._key_listeners):
            listener(keys)

    # ------------------------------------------------------------------- pushes

    async def async_start_push(self) -> None:
        """Follow the connection (subclasses subscribe to their events too)."""
        self._unsubscribers.append(self.client.add_connection_listener(self._on_connection))

    async def async_stop_push(self) -> None:
        """Undo `async_start_push`."""
        while self._unsubscribers:
            result = self._unsubscribers.pop()()
            if result is not None:
                await result

    @callback
    def _on_connection(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED and self.refresh_on_reconnect:
            # Events may have been missed while the socket was down.
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), f"homelab-{self.infixes[0]}-reconnected"
            )
        self.async_update_listeners()

    @property
    def refresh_on_reconnect(self) -> bool:
        """Whether a reconnect refreshes (pushed data may have been missed)."""
        return True
