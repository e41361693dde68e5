"""Server-side limits: the per-connection call limit (-32000) and the login rate limit (EBUSY)."""

from __future__ import annotations

import asyncio
import logging
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.clients.truenas import (
    TrueNASClient,
    TrueNASError,
    TrueNASTooManyCallsError,
)
from custom_components.homelab.clients.truenas.client import MAX_CALLS_IN_FLIGHT
from custom_components.homelab.nas.apps.coordinator import stats_interval
from tests.common import LabHandle, wait_for

from .conftest import KeepAll, VirtualClock, ours

POOL = "sensor.tank_status"
# The client's own backoff, before the suite's `fast_reconnect` fixture patches it.
REAL_BACKOFF = TrueNASClient._backoff
LOGIN_LIMIT_PER_MINUTE = 20


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def test_client_never_exceeds_the_call_limit(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """Forty calls at once on a slow server: the client keeps 10 in flight, the server never
    answers -32000 (it runs 10 and queues 10 per connection)."""
    client = loaded_entry.runtime_data.client
    before = await lab.control("GET", "/control/stats")
    await lab.control("POST", "/control/delay", {"seconds": 0.1})
    results = await asyncio.gather(*(client.call("system.host_id") for _ in range(40)))
    await lab.control("POST", "/control/delay", {"seconds": 0})
    assert results == [lab.host_id] * 40
    after = await lab.control("GET", "/control/stats")
    assert after["rpc_errors"] == before["rpc_errors"]
    assert MAX_CALLS_IN_FLIGHT <= 10


async def test_call_limit_error_is_typed_and_survivable(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, log_guard: KeepAll
) -> None:
    """A server with a lower limit answers -32000: a typed error, the socket stays up, and a
    refresh that meets it fails alone; the integration recovers by itself."""
    client = loaded_entry.runtime_data.client
    coordinator = loaded_entry.runtime_data.coordinator
    await lab.control("POST", "/control/settings", {"max_running_calls": 1, "max_calls": 2})
    await lab.control("POST", "/control/drop_connections")  # new sockets get the new limit
    await wait_for(lambda: not client.connected, timeout=5)
    await wait_for(lambda: client.connected, timeout=5)
    await lab.control("POST", "/control/delay", {"seconds": 0.1})
    results = await asyncio.gather(
        *(client.call("system.host_id") for _ in range(6)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, TrueNASTooManyCallsError)]
    assert refused, results
    assert all(r == lab.host_id or isinstance(r, TrueNASTooManyCallsError) for r in results)
    assert refused[0].code == -32000
    assert client.connected
    # Every coordinator refreshing at once meets the limit; none of it crashes.
    runtime = loaded_entry.runtime_data
    await asyncio.gather(
        coordinator.async_refresh(), runtime.apps.async_refresh(), runtime.backups.async_refresh()
    )
    await lab.control("POST", "/control/delay", {"seconds": 0})
    await lab.control("POST", "/control/settings", {"max_running_calls": 10, "max_calls": 20})
    await lab.control("POST", "/control/drop_connections")
    await wait_for(lambda: client.connected, timeout=5)
    await coordinator.async_refresh()
    await wait_for(lambda: state(hass, POOL) == "online", timeout=5)
    assert loaded_entry.state is ConfigEntryState.LOADED


def test_backoff_bounds() -> None:
    """0.5 s doubling to 2 s, each with jitter on its upper half (a server back is seen soon)."""
    client = TrueNASClient(
        "127.0.0.1",
        username="u",
        api_key="k",
        session=None,  # type: ignore[arg-type]
    )
    for attempt in range(12):
        ceiling = min(2.0, 0.5 * 2.0**attempt)
        with patch("random.uniform", side_effect=lambda low, _high: low):
            low = REAL_BACKOFF(client, attempt)
        with patch("random.uniform", side_effect=lambda _low, high: high):
            high = REAL_BACKOFF(client, attempt)
        assert (low, high) == (ceiling / 2, ceiling)


def _busiest_minute(times: list[float]) -> int:
    return max((sum(1 for t in times if start <= t < start + 60) for start in times), default=0)


async def test_login_rate_limit_with_backoff(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """Logins answered EBUSY ("Rate Limit Exceeded") for five minutes (virtual time).

    The client waits out the limit's one-minute window after each EBUSY: never more than the
    server's 20 logins a minute (two at most), no re-authentication is asked for (the key is
    fine), one warning; when the limit lifts it is back within that minute.
    """
    client = loaded_entry.runtime_data.client
    attempts: list[float] = []
    refused: list[str] = []
    login = TrueNASClient._login

    async def counted_login(self: TrueNASClient, timeout: float | None = None) -> None:
        attempts.append(clock.now)
        try:
            await login(self, timeout)
        except TrueNASError as err:
            refused.append(str(err))
            raise

    with (
        patch.object(TrueNASClient, "_backoff", REAL_BACKOFF),
        patch.object(TrueNASClient, "_login", counted_login),
    ):
        await lab.control("POST", "/control/settings", {"login_rate_limit": 0})
        await lab.control("POST", "/control/drop_connections")
        await clock.advance(300, step=0.5)
        assert state(hass, POOL) == STATE_UNAVAILABLE
        assert not hass.config_entries.flow.async_progress(), "no reauth for a rate limit"
        assert len(attempts) >= 4
        assert all("Rate Limit Exceeded" in reason for reason in refused)
        assert _busiest_minute(attempts) < LOGIN_LIMIT_PER_MINUTE
        # A minute between attempts once refused: at most 2 in any minute.
        assert _busiest_minute(attempts) <= 2
        await lab.control("POST", "/control/settings", {"login_rate_limit": 20})
        back = await clock.advance_until(lambda: state(hass, POOL) == "online", 65)
    assert back is not None
    assert client.connected
    assert loaded_entry.state is ConfigEntryState.LOADED
    warnings = ours(log_guard, logging.WARNING)
    assert [r.getMessage() for r in warnings] == [
        "Lost the connection to TrueNAS nas; reconnecting"
    ]


async def test_login_rate_limit_at_setup(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    """Set up while the login rate limit is exhausted: retried later, no reauth."""
    await lab.control("POST", "/control/settings", {"login_rate_limit": 0})
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress()


def test_stats_interval_grows_with_the_apps() -> None:
    """`app.stats` lists every app each time: a big box gets samples less often."""
    assert [stats_interval(n) for n in (0, 10, 50, 51, 200, 1000)] == [10, 10, 10, 11, 40, 200]
