"""Data coordination for a TrueNAS entry.

Updates: `pool.query` and `system.info` are polled (default 60 s); `alert.list` and scrub
progress (`zfs.pool.scan` before 26, `pool.scan` from 26) are pushed. A `VolumeStatus` alert, or
a pool added/exported, triggers an immediate pool refresh because TrueNAS fires no event when a
pool's health changes. A subscription TrueNAS refuses for lack of a role is polled instead: the
alerts are read at every poll, and scans come from `pool.query`, every 10 s while one runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import UpdateFailed

from ..clients.truenas import (
    SCAN_EVENT,
    Alert,
    ConnectionState,
    Event,
    Pool,
    PoolScan,
    SystemInfo,
    TrueNASClient,
    TrueNASConnectionError,
    TrueNASError,
    TrueNASInvalidResponseError,
    TrueNASTimeoutError,
)
from ..const import (
    CONF_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    LOGGER,
    POOL_SELECT,
    VOLUME_STATUS_ALERT,
)
from ..repairs import async_report_certificate_changed, async_sync_pool_issues
from .identifiers import pool_identifier
from .known_keys import KnownKeys
from .server_coordinator import ServerCoordinator, translated_error

if TYPE_CHECKING:
    from .runtime import TrueNASConfigEntry

# How often pools are read while a scrub runs and its events are refused (see the docstring).
SCAN_POLL_INTERVAL = timedelta(seconds=10)


@dataclass(frozen=True)
class TrueNASData:
    """A consistent view of the server at one moment."""

    system: SystemInfo
    pools: dict[str, Pool]
    alerts: dict[str, Alert] = field(default_factory=dict)

    @property
    def active_alerts(self) -> list[Alert]:
        """Alerts not dismissed."""
        return [alert for alert in self.alerts.values() if not alert.dismissed]


class TrueNASCoordinator(ServerCoordinator[TrueNASData]):
    """Owns every call to the TrueNAS server for one entry."""

    def __init__(
        self, hass: HomeAssistant, entry: TrueNASConfigEntry, client: TrueNASClient
    ) -> None:
        """Set up polling at the entry's configured interval."""
        interval = entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL)
        super().__init__(hass, entry, client, name="", update_interval=timedelta(seconds=interval))
        self._interval = timedelta(seconds=interval)
        self._alerts: dict[str, Alert] = {}
        self._alerts_loaded = False
        self.known_pools = KnownKeys[str]()

    # ------------------------------------------------------------------ polling

    @override
    async def _async_update_data(self) -> TrueNASData:
        try:
            system = await self.client.system_info()
            pools = await self.client.pools(select=POOL_SELECT)
            if not self._alerts_loaded or self.client.subscription_denied("alert.list"):
                # After this, alert.list events keep the dict current (if TrueNAS sends them).
                self._alerts = {alert.uuid: alert for alert in await self.client.alerts()}
                self._alerts_loaded = True
        except TrueNASError as err:
            if isinstance(err, TrueNASConnectionError) and not isinstance(err, TrueNASTimeoutError):
                # The socket is gone (a send may fail before the reader notices): report the
                # outage here, once, so that it is the one warning and not an error line on top.
                self._connection_lost()
            raise translated_error(err) from err
        data = TrueNASData(
            system=system,
            pools={pool.name: pool for pool in pools},
            alerts=dict(self._alerts),
        )
        self._track_pools(set(data.pools))
        async_sync_pool_issues(self.hass, self.config_entry, pools)
        self._poll_scans(pools)
        return data

    def _poll_scans(self, pools: list[Pool]) -> None:
        """Poll faster while a scrub runs whose progress events TrueNAS refuses to send."""
        scanning = any(pool.scan is not None and pool.scan.state == "SCANNING" for pool in pools)
        if scanning and self.client.subscription_denied(SCAN_EVENT):
            self.update_interval = min(SCAN_POLL_INTERVAL, self._interval)
        else:
            self.update_interval = self._interval

    # ------------------------------------------------------------ dynamic pools

    def _track_pools(self, names: set[str]) -> None:
        added, removed = self.known_pools.replace(names)
        # A pool exported or destroyed: its device (and entities) go away.
        self._remove_devices([pool_identifier(self.config_entry, name) for name in removed], ())
        if added:
            self.known_pools.announce(added)

    # ------------------------------------------------------------------- pushes

    async def async_start_push(self) -> None:
        """Subscribe to the server's events; the client restores them after a reconnect."""
        await super().async_start_push()
        self._unsubscribers.append(await self.client.subscribe("alert.list", self._on_alert))
        # zfs.pool.scan before 26: the client subscribes under the server's name.
        self._unsubscribers.append(await self.client.subscribe(SCAN_EVENT, self._on_scan))
        self._unsubscribers.append(await self.client.subscribe("pool.query", self._on_pool_event))

    @callback
    @override
    def _on_connection(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED:
            # Back: refresh now instead of waiting for the next poll (not debounced: after a
            # flap, a debounced request would keep the entities unavailable for 10 s).
            self.config_entry.async_create_background_task(
                self.hass, self.async_refresh(), "homelab-reconnected-refresh"
            )
        elif state is ConnectionState.DISCONNECTED:
            self._connection_lost()
        elif state is ConnectionState.CERTIFICATE_CHANGED:
            # The client has stopped before sending the key: only the repair (accept the new
            # certificate) or a reconfigure brings it back.
            LOGGER.warning(
                "%s presented a certificate other than the pinned one; stopped connecting. "
                "See Settings > Repairs",
                self.config_entry.data.get("host", self.name),
            )
            async_report_certificate_changed(
                self.hass, self.config_entry, self.client.certificate_error
            )
            self.last_exception = UpdateFailed(
                translation_domain=DOMAIN, translation_key="certificate_changed"
            )
            if self.last_update_success:
                self.last_update_success = False
                self.async_update_listeners()
        else:
            # The client has stopped: only a new key (the reauth flow) brings it back.
            LOGGER.warning(
                "%s refused the API key; stopped trying to connect. Reauthenticate the "
                "entry (Settings > Devices & services) with a valid key",
                self.name,
            )
            self.last_exception = ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            )
            if self.last_update_success:
                self.last_update_success = False
                self.async_update_listeners()
            self.config_entry.async_start_reauth(self.hass)

    @callback
    def _connection_lost(self) -> None:
        if self.last_update_success and self.data is not None:
            # One warning per outage; the coordinator logs the recovery at info level.
            # (`name` is "TrueNAS <title>".)
            LOGGER.warning("Lost the connection to %s; reconnecting", self.name)
            self.last_update_success = False
            self.last_exception = UpdateFailed(
                translation_domain=DOMAIN, translation_key="connection_lost"
            )
            self.async_update_listeners()

    @callback
    def _on_alert(self, event: Event) -> None:
        if event.msg == "removed":
            alert = self._alerts.pop(str(event.id), None)
        else:
            try:
                alert = Alert.from_dict(event.fields)
            except TrueNASInvalidResponseError:
                LOGGER.debug("Ignoring a malformed alert event")
                return
            self._alerts[alert.uuid] = alert
        if alert is not None and alert.klass == VOLUME_STATUS_ALERT:
            # A pool's health changed (either way): TrueNAS sends no pool event for that.
            self.config_entry.async_create_background_task(
                self.hass, self.async_refresh(), "homelab-volume-status-refresh"
            )
        if self.data is not None:
            self.async_set_updated_data(replace(self.data, alerts=dict(self._alerts)))

    @callback
    def _on_scan(self, event: Event) -> None:
        fields = event.fields if isinstance(event.fields, dict) else {}
        name = fields.get("name")
        if self.data is None or not isinstance(name, str) or name not in self.data.pools:
            return
        try:
            scan = PoolScan.from_dict(fields["scan"]) if fields.get("scan") else None
        except TrueNASInvalidResponseError:
            LOGGER.debug("Ignoring a malformed scan event")
            return
        pools = dict(self.data.pools)
        pools[name] = pools[name].with_scan(scan)
        self.async_set_updated_data(replace(self.data, pools=pools))

    @callback
    def _on_pool_event(self, _event: Event) -> None:
        # A pool was added, imported or exported: refresh the list now.
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), "homelab-pool-change-refresh"
        )
