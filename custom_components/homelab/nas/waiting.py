"""A TrueNAS entry whose server did not answer at setup: its service probes run meanwhile.

A probe matters most when the NAS is down, so the entry does not wait for the NAS to load: with
service probes configured, it loads with only them (sensor and binary sensor platforms), tries
the server again every `RETRY_INTERVAL`, and reloads into the full setup once it answers. Without
probes there is nothing to run, and setup is retried the usual way (`ConfigEntryNotReady`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.event import async_track_time_interval

from ..clients.truenas import TrueNASClient, TrueNASConnectionError, TrueNASError
from ..const import LOGGER, SUBENTRY_SERVICE
from ..probes.coordinator import ProbeCoordinator
from .runtime import WaitingConfigEntry, WaitingRuntimeData

RETRY_INTERVAL: Final = timedelta(seconds=30)
# The probes' own platforms: nothing of the NAS is set up until it answers.
WAITING_PLATFORMS: Final = [Platform.BINARY_SENSOR, Platform.SENSOR]


def build_probes(hass: HomeAssistant, entry: ConfigEntry[Any]) -> dict[str, ProbeCoordinator]:
    """One coordinator per "service" subentry of the entry."""
    return {
        subentry_id: ProbeCoordinator(hass, entry, subentry)
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_SERVICE
    }


async def async_refresh_probes(probes: dict[str, ProbeCoordinator]) -> None:
    """Run every probe once, side by side: each has its own timeout, so none waits for another."""
    await asyncio.gather(*(probe.async_refresh() for probe in probes.values()))


async def async_setup_waiting(
    hass: HomeAssistant,
    entry: WaitingConfigEntry,
    client: TrueNASClient,
    probes: dict[str, ProbeCoordinator],
    error: TrueNASError,
) -> None:
    """Load with the probes only, and reload once the server answers."""
    await async_refresh_probes(probes)
    entry.runtime_data = WaitingRuntimeData(
        client=client, probes=probes, data=dict(entry.data), options=dict(entry.options)
    )
    LOGGER.warning(
        "TrueNAS %s did not answer (%s); its %d service probes run meanwhile, and it is tried "
        "again every %d s",
        client.host,
        error,
        len(probes),
        RETRY_INTERVAL.total_seconds(),
    )
    trying = asyncio.Lock()

    async def _try_again(_now: datetime) -> None:
        if trying.locked():
            return
        async with trying:
            try:
                await client.connect()
            except TrueNASConnectionError:
                return  # still down (or unreachable): try again later
            except TrueNASError:
                pass  # it answers but refuses (a key, a certificate): the full setup says why
            await client.close()
            LOGGER.info("TrueNAS %s answers again; setting it up", client.host)
            hass.config_entries.async_schedule_reload(entry.entry_id)

    entry.async_on_unload(
        async_track_time_interval(
            hass, _try_again, RETRY_INTERVAL, name="homelab-wait-for-nas", cancel_on_shutdown=True
        )
    )
    await hass.config_entries.async_forward_entry_setups(entry, WAITING_PLATFORMS)


async def async_unload_waiting(hass: HomeAssistant, entry: WaitingConfigEntry) -> bool:
    """Unload the probes' platforms and close the client used to try the server."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, WAITING_PLATFORMS)
    if unloaded:
        await entry.runtime_data.client.close()
    return unloaded
