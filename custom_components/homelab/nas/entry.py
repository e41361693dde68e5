"""Setting up a TrueNAS entry: connect, fetch once, subscribe, and the platforms.

`__init__.py` hands every TrueNAS entry to `async_setup_entry` and `async_unload_entry` here.
The entry's service probes (subentries) are set up with it.
"""

from __future__ import annotations

from typing import Any, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_PORT,
    CONF_USERNAME,
    EVENT_HOMEASSISTANT_STOP,
    Platform,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..clients.truenas import (
    TrueNASAuthenticationError,
    TrueNASCertificateChangedError,
    TrueNASClient,
    TrueNASConnectionError,
    TrueNASError,
    TrueNASInsecureTransportError,
    is_loopback,
)
from ..const import CONF_CERTIFICATE_SHA256, CONF_SSL, CONF_VERIFY_SSL, DOMAIN, SUBENTRY_SERVICE
from ..links import async_reclaim_apps, find_links
from ..repairs import (
    async_clear_certificate_issue,
    async_report_certificate_changed,
    async_report_missing_role,
    async_sync_api_version_issue,
    async_sync_event_issue,
    async_sync_insecure_issue,
    choose_api_version,
)
from .apps.coordinator import AppsCoordinator
from .backups.coordinator import BackupCoordinator
from .coordinator import TrueNASCoordinator
from .disks.coordinator import DiskCoordinator
from .identifiers import app_identifier, pool_identifier, system_identifier
from .runtime import TrueNASConfigEntry, TrueNASRuntimeData, WaitingConfigEntry, is_waiting_entry
from .services.coordinator import ServiceCoordinator
from .system import NasSystem
from .vms.coordinator import GuestCoordinator
from .waiting import async_refresh_probes, async_setup_waiting, async_unload_waiting, build_probes

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.UPDATE,
]


class PushCoordinator(Protocol):
    """A coordinator with server subscriptions to start and stop."""

    async def async_start_push(self) -> None:
        """Subscribe."""

    async def async_stop_push(self) -> None:
        """Unsubscribe."""


def create_client(hass: HomeAssistant, data: dict[str, object]) -> TrueNASClient:
    """A client for the entry's (or a config flow's) connection data."""
    return TrueNASClient(
        str(data[CONF_HOST]),
        port=int(str(data[CONF_PORT])),
        use_ssl=bool(data.get(CONF_SSL, True)),
        verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)),
        # Pinned in the config flow when verification is off (see truenas/tls.py).
        certificate_sha256=str(data.get(CONF_CERTIFICATE_SHA256) or "") or None,
        username=str(data[CONF_USERNAME]),
        api_key=str(data[CONF_API_KEY]),
        session=async_get_clientsession(hass),
    )


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Connect, fetch once, subscribe, and set up the platforms.

    The entry's runtime data is decided here: `TrueNASRuntimeData` once the server answered, or
    `WaitingRuntimeData` (its probes only, see waiting.py) when it did not.
    """
    client = create_client(hass, dict(entry.data))
    probes = build_probes(hass, entry)
    async_sync_insecure_issue(hass, entry)
    try:
        # Pin the newest API version we support, so a TrueNAS upgrade cannot change the
        # payloads under us; without one, use /api/current and say so in a repair issue.
        if client.use_ssl or is_loopback(client.host):  # else connect() refuses at once
            served = await client.api_versions()
            chosen = choose_api_version(served)
            async_sync_api_version_issue(hass, entry, served, chosen)
            client.api_version = chosen or "current"
        await client.connect()
    except TrueNASInsecureTransportError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key="insecure_transport"
        ) from err
    except TrueNASAuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except TrueNASCertificateChangedError as err:
        # Stopped before the key was sent; the repair lets the user accept the new certificate.
        async_report_certificate_changed(hass, entry, err)
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key="certificate_changed"
        ) from err
    except TrueNASError as err:
        if probes and isinstance(err, TrueNASConnectionError):
            # Down, but its service probes can run; they matter most now.
            await async_setup_waiting(hass, entry, client, probes, err)
            entry.async_on_unload(entry.add_update_listener(_reload_on_changes))
            return True
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect_to",
            translation_placeholders={"host": client.host},
        ) from err

    async_clear_certificate_issue(hass, entry)
    entry.async_on_unload(
        client.add_denied_listener(lambda method: async_report_missing_role(hass, entry, method))
    )
    # An event subscription refused for lack of a role: setup goes on, polling instead.
    entry.async_on_unload(
        client.add_subscription_listener(
            lambda event, denied: async_sync_event_issue(hass, entry, event, denied=denied)
        )
    )
    # A NAS upgraded while we run may drop the pinned version: the client pins another one.
    client.version_chooser = choose_api_version
    entry.async_on_unload(
        client.add_version_listener(
            lambda served, chosen: async_sync_api_version_issue(hass, entry, served, chosen)
        )
    )
    coordinator = TrueNASCoordinator(hass, entry, client)
    apps = AppsCoordinator(hass, entry, client)
    backups = BackupCoordinator(hass, entry, client, coordinator)
    disks = DiskCoordinator(hass, entry, client)
    vms = GuestCoordinator(hass, entry, client)
    services = ServiceCoordinator(hass, entry, client)
    nas_system = NasSystem(hass, entry, client)
    pushers: list[PushCoordinator] = [coordinator, apps, backups, disks, vms, services, nas_system]
    try:
        await coordinator.async_config_entry_first_refresh()
        await apps.async_config_entry_first_refresh()
        # Backups do not hold the entry back: their entities appear with their first data.
        await backups.async_refresh()
        await disks.async_refresh()
        await vms.async_refresh()
        await services.async_refresh()
        await nas_system.async_refresh()
        for pusher in pushers:
            await pusher.async_start_push()
    except BaseException:
        await _stop(pushers, client)
        raise

    system = coordinator.data.system
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={system_identifier(entry)},
        manufacturer="iXsystems",
        model=system.system_product or system.model or "TrueNAS SCALE",
        name=system.hostname,
        sw_version=system.version,
        serial_number=system.system_serial,
        configuration_url=str(client.base_url),
    )
    await async_refresh_probes(probes)
    entry.runtime_data = TrueNASRuntimeData(
        client=client,
        coordinator=coordinator,
        system_device_id=device.id,
        apps=apps,
        backups=backups,
        disks=disks,
        vms=vms,
        services=services,
        system=nas_system,
        probes=probes,
        data=dict(entry.data),
        options=dict(entry.options),
        service_links=find_links(hass, apps.data),
    )
    entry.async_on_unload(entry.add_update_listener(_reload_on_changes))

    @callback
    def _relink_on_app_changes() -> None:
        # An app installed, or given another portal, that a pipeline entry now (or no longer)
        # watches: make the links anew (links.py).
        if find_links(hass, apps.data) != entry.runtime_data.service_links:
            hass.config_entries.async_schedule_reload(entry.entry_id)

    entry.async_on_unload(apps.async_add_listener(_relink_on_app_changes))

    async def _close_on_stop(_event: Event) -> None:
        # Entries are not unloaded at shutdown; close the socket so nothing lingers.
        await _stop(pushers, client)

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _close_on_stop))
    async_reclaim_apps(
        hass, entry, [name for name in apps.data if name not in entry.runtime_data.service_links]
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _reload_on_changes(
    hass: HomeAssistant, entry: TrueNASConfigEntry | WaitingConfigEntry
) -> None:
    """Data (reauth, reconfigure), options or service probes changed: reload to apply them.

    This listener is the one place a loaded TrueNAS entry reloads from: Home Assistant 2026.12
    stops flows from reloading an entry that has one (see flow_reload.py).
    """
    current = {
        subentry_id: (subentry.title, dict(subentry.data))
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_SERVICE
    }
    running = {
        subentry_id: probe.settings for subentry_id, probe in entry.runtime_data.probes.items()
    }
    runtime = entry.runtime_data
    if (
        current != running
        or dict(entry.data) != runtime.data
        or dict(entry.options) != runtime.options
    ):
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: TrueNASConfigEntry | WaitingConfigEntry
) -> bool:
    """Unload platforms, then stop pushes and close the socket."""
    if is_waiting_entry(entry):
        return await async_unload_waiting(hass, entry)
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        runtime = entry.runtime_data
        await _stop(
            [
                runtime.coordinator,
                runtime.apps,
                runtime.backups,
                runtime.disks,
                runtime.vms,
                runtime.services,
                runtime.system,
            ],
            runtime.client,
        )
        # A pipeline entry carrying an app (links.py) still shows its entities: they read the
        # closed connection now, and turn unavailable until the entry is back.
        runtime.apps.async_update_listeners()
    return unloaded


async def _stop(pushers: list[PushCoordinator], client: TrueNASClient) -> None:
    """Stop every subscription, then close the socket."""
    for pusher in pushers:
        await pusher.async_stop_push()
    await client.close()


def async_remove_config_entry_device(
    entry: TrueNASConfigEntry | WaitingConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user remove a pool device only once the pool is gone from the server."""
    if is_waiting_entry(entry):
        return False  # what the server still has is unknown until it answers
    coordinator = entry.runtime_data.coordinator
    if system_identifier(entry) in device.identifiers:
        return False
    current = {pool_identifier(entry, name) for name in coordinator.data.pools}
    current |= {
        app_identifier(entry, name)
        for name in entry.runtime_data.apps.data
        if name not in entry.runtime_data.service_links  # a pipeline entry's device shows it
    }
    current |= entry.runtime_data.backups.current_identifiers()
    current |= entry.runtime_data.disks.current_identifiers()
    current |= entry.runtime_data.vms.current_identifiers()
    current |= entry.runtime_data.services.current_identifiers()
    return not device.identifiers & current
