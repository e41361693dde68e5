"""One coordinator per HTTP health probe (a "service" config subentry).

Each probe runs on its own schedule with its own timeout, so a hanging service never delays
the others. A failed probe is data ("unreachable"), not an update failure: the entities stay
available and report the outage.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..clients.httpprobe import ExpectedStatus, ProbeResult, probe
from ..clients.httpprobe.probe import DEFAULT_EXPECTED
from ..const import LOGGER
from .const import (
    CONF_EXPECTED_STATUS,
    CONF_INTERVAL,
    CONF_KEYWORD,
    DEFAULT_PROBE_INTERVAL,
    MAX_PROBE_TIMEOUT,
)


class ProbeCoordinator(DataUpdateCoordinator[ProbeResult]):
    """Runs one probe every `interval` seconds."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], subentry: ConfigSubentry
    ) -> None:
        """Read the probe's settings from its subentry."""
        data = subentry.data
        interval = int(data.get(CONF_INTERVAL, DEFAULT_PROBE_INTERVAL))
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"probe {subentry.title}",
            update_interval=timedelta(seconds=interval),
            always_update=False,
        )
        self.subentry = subentry
        # What this probe was built from: a change to the subentry means a rebuild.
        self.settings = (subentry.title, dict(subentry.data))
        self.url: str = data[CONF_URL]
        self.expected = ExpectedStatus.parse(data.get(CONF_EXPECTED_STATUS) or DEFAULT_EXPECTED)
        self.keyword: str | None = data.get(CONF_KEYWORD) or None
        self.verify_ssl: bool = data.get(CONF_VERIFY_SSL, True)
        self.timeout = min(MAX_PROBE_TIMEOUT, interval * 0.8)
        self._was_reachable: bool | None = None

    @override
    async def _async_update_data(self) -> ProbeResult:
        result = await probe(
            async_get_clientsession(self.hass),
            self.url,
            expected=self.expected,
            keyword=self.keyword,
            verify_ssl=self.verify_ssl,
            timeout=self.timeout,
        )
        # Log transitions only: one line when a service goes down, one when it is back.
        if result.reachable is False and self._was_reachable is not False:
            LOGGER.info("Service %s is unreachable: %s", self.subentry.title, result.error)
        elif result.reachable and self._was_reachable is False:
            LOGGER.info("Service %s is reachable again", self.subentry.title)
        self._was_reachable = result.reachable
        return result
