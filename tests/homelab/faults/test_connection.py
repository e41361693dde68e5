"""Connection faults: a call cut off, every socket cut during a subscription burst, a one-minute
network outage (virtual time), and what the server does when it is overloaded.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
import logging
import time
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.clients.truenas import (
    TrueNASClient,
    TrueNASConnectionError,
    TrueNASTimeoutError,
)
from tests.common import LabHandle, wait_for

from .conftest import KeepAll, VirtualClock, ours, subscriptions_by_session

POOL = "sensor.tank_status"
APP = "sensor.nextcloud_state"
CONNECTION = "binary_sensor.nas_connection"
# The client's own backoff, before the suite's `fast_reconnect` fixture patches it.
REAL_BACKOFF = TrueNASClient._backoff


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def client_of(entry: MockConfigEntry) -> TrueNASClient:
    return entry.runtime_data.client


@pytest.fixture
def real_backoff() -> Iterator[None]:
    """The client's own reconnect backoff (the suite makes it 50 ms)."""
    with patch.object(TrueNASClient, "_backoff", REAL_BACKOFF):
        yield


async def test_connection_dropped_mid_call(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, log_guard: KeepAll
) -> None:
    """A call in flight when the socket dies fails with a connection error, at once."""
    client = client_of(loaded_entry)
    await lab.control("POST", "/control/delay", {"seconds": 1})
    call = asyncio.ensure_future(client.call("system.info"))
    await wait_for(lambda: bool(client._pending))
    await lab.control("POST", "/control/delay", {"seconds": 0})
    await lab.control("POST", "/control/drop_connections")
    with pytest.raises(TrueNASConnectionError) as raised:
        await asyncio.wait_for(call, 2)
    assert not isinstance(raised.value, TrueNASTimeoutError)
    # The client reconnects by itself and the call works again.
    await wait_for(lambda: client.connected, timeout=5)
    assert (await client.call("system.info"))["hostname"] == "nas"
    await wait_for(lambda: state(hass, POOL) == "online", timeout=5)
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_every_connection_dropped_during_a_subscription_burst(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, log_guard: KeepAll
) -> None:
    """Sockets cut while subscriptions are being restored: they all come back, once each."""
    client = client_of(loaded_entry)
    before = await subscriptions_by_session(lab)
    assert len(before) == 1
    names = next(iter(before.values()))
    assert len(names) == len(set(names)), names
    # Each reconnect restores ~6 subscriptions in a burst; cut the sockets again while it runs.
    for _ in range(5):
        await lab.control("POST", "/control/drop_connections")
        await wait_for(lambda: not client.connected, timeout=5)
        await wait_for(lambda: bool(client._pending) or client.connected, timeout=5)
    await wait_for(lambda: client.connected, timeout=10)
    await wait_for(lambda: state(hass, POOL) == "online", timeout=10)
    await hass.async_block_till_done()
    after = await subscriptions_by_session(lab)
    live = (await lab.control("GET", "/control/state"))["connections"]
    assert live == 1
    last = after[max(after)]
    assert Counter(last) == Counter(names), "the last session holds every subscription once"
    assert client.subscriptions.keys() == set(names)
    assert all(server_id is not None for server_id in client.subscriptions.values())
    # Events arrive on the restored subscriptions.
    await lab.control("POST", "/control/apps/nextcloud/crash")
    await wait_for(lambda: state(hass, APP) == "crashed", timeout=5)
    warnings = [r for r in ours(log_guard, logging.WARNING) if r.levelno >= logging.WARNING]
    assert all("Lost the connection" in r.getMessage() for r in warnings)


async def test_one_minute_outage(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """The network to the NAS is gone for 60 s (virtual time), then back.

    Entities go unavailable within one poll interval (60 s), one warning is logged for the outage
    and one info line for the recovery, and the subscriptions are restored once each.
    """
    before = await subscriptions_by_session(lab)
    assert len(before) == 1
    session, names = next(iter(before.items()))
    # Run for 4m50s first, so that the 5-minute polls of apps and backups fall in the outage.
    await clock.advance(290)
    assert state(hass, POOL) == "online"
    assert not ours(log_guard, logging.WARNING)
    outage_start = clock.now
    await lab.control("POST", "/control/partition", {"seconds": 3600})
    noticed = await clock.advance_until(lambda: state(hass, POOL) == STATE_UNAVAILABLE, 60)
    assert noticed is not None, "still available a poll interval into the outage"
    assert state(hass, APP) == STATE_UNAVAILABLE
    assert state(hass, CONNECTION) == "off"
    await clock.advance(60 - (clock.now - outage_start))
    assert state(hass, POOL) == STATE_UNAVAILABLE
    await lab.control("POST", "/control/partition", {"seconds": 0})
    back = await clock.advance_until(lambda: state(hass, POOL) == "online", 30)
    assert back is not None, "not back 30 s after the network returned"
    await clock.advance(5)
    await hass.async_block_till_done()
    assert state(hass, APP) == "running"
    assert state(hass, CONNECTION) == "on"

    records = ours(log_guard, logging.INFO)
    warnings = [r for r in records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "Lost the connection to TrueNAS nas; reconnecting"
    ]
    recovered = [r for r in records if "recovered" in r.getMessage()]
    assert len(recovered) == 1, [r.getMessage() for r in records]

    after = await subscriptions_by_session(lab)
    restored = {sid: subs for sid, subs in after.items() if sid != session}
    assert len(restored) == 1, restored
    assert Counter(next(iter(restored.values()))) == Counter(names)
    assert (await lab.control("GET", "/control/state"))["connections"] == 1


@pytest.mark.usefixtures("real_backoff")
async def test_slow_replies_past_the_timeout(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """Replies slower than the liveness timeout: the server counts as gone, late replies are
    dropped, and everything comes back once replies are quick again.
    """
    client = client_of(loaded_entry)
    # Half a real second is more than a minute of virtual time: every call, the liveness check
    # and the logins of the reconnect attempts are past their timeouts.
    await lab.control("POST", "/control/delay", {"seconds": 0.5})
    noticed = await clock.advance_until(lambda: state(hass, POOL) == STATE_UNAVAILABLE, 15)
    assert noticed is not None, "a server too slow to answer core.ping still counts as up"
    assert not client.connected
    await clock.advance(20)
    # The late replies arrive on sockets already given up, and are dropped.
    await asyncio.sleep(0.7)
    await lab.control("POST", "/control/delay", {"seconds": 0})
    back = await advance_while_retrying(clock, client, lambda: state(hass, POOL) == "online", 5)
    assert back is not None, "not back 5 s after the server answered in time again"
    errors = ours(log_guard, logging.ERROR)
    assert not errors, [r.getMessage() for r in errors]


# ---------------------------------------------------------------- outages that nobody saw


async def advance_while_retrying(
    clock: VirtualClock, client: TrueNASClient, done: Callable[[], bool], limit: float
) -> float | None:
    """Virtual seconds until `done()`, counting only the time the client waits to retry.

    Virtual time moves only while the client sleeps between reconnect attempts; connecting,
    logging in and the refreshes that follow run at the speed of the machine (milliseconds on a
    LAN), so the result does not depend on how busy this computer is.
    """
    start = clock.now
    deadline = time.monotonic() + 30
    while not done():
        if clock.now - start > limit:
            return None
        assert time.monotonic() < deadline, "neither waiting to retry nor getting anywhere"
        if client.retry_at is not None:
            await clock.advance(0.25, step=0.25)
        else:
            await asyncio.sleep(0.01)
    return clock.now - start


@pytest.mark.parametrize(
    ("fault", "end"),
    [
        # The middleware is stuck: sockets open, WebSocket pings answered, no call answered.
        pytest.param(
            ("/control/hang", {"seconds": 3600}), ("/control/hang", {"seconds": 0}), id="hang"
        ),
        # A pulled cable: nothing comes through, not even a pong.
        pytest.param(
            ("/control/partition", {"seconds": 3600}),
            ("/control/partition", {"seconds": 0}),
            id="partition",
        ),
    ],
)
@pytest.mark.usefixtures("real_backoff")
async def test_silent_server_is_unavailable_within_15_s_and_back_within_5_s(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
    fault: tuple[str, dict[str, float]],
    end: tuple[str, dict[str, float]],
) -> None:
    """A server that stops answering calls shows as unavailable within 15 s (virtual), with one
    warning; once it answers again, data flows within 5 s.
    """
    client = client_of(loaded_entry)
    await clock.advance(30)
    assert state(hass, POOL) == "online"
    assert client.connected
    await lab.control("POST", *fault)
    noticed = await clock.advance_until(lambda: state(hass, POOL) == STATE_UNAVAILABLE, 15)
    assert noticed is not None, "still available 15 s after the server stopped answering"
    assert state(hass, APP) == STATE_UNAVAILABLE
    assert state(hass, CONNECTION) == "off"
    # A long outage: the backoff must not grow past its cap meanwhile.
    await clock.advance(120, step=1)
    assert state(hass, POOL) == STATE_UNAVAILABLE
    await lab.control("POST", *end)
    back = await advance_while_retrying(clock, client, lambda: state(hass, POOL) == "online", 5)
    assert back is not None, "not back 5 s after the server answered again"
    await wait_for(lambda: state(hass, APP) == "running" and state(hass, CONNECTION) == "on")
    warnings = [r.getMessage() for r in ours(log_guard, logging.WARNING)]
    assert warnings == ["Lost the connection to TrueNAS nas; reconnecting"]
    assert (await lab.control("GET", "/control/state"))["connections"] == 1


async def test_busy_server_is_not_taken_for_a_dead_one(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """While calls are being answered, no liveness check is sent; when idle, one every 10 s."""
    await clock.advance(10)
    await lab.control("DELETE", "/control/calls")
    await clock.advance(60, step=0.5)
    pings = [c for c in await lab.calls() if c["method"] == "core.ping"]
    # 60 idle seconds: about one check every 10 s (6), never a burst.
    assert 4 <= len(pings) <= 7, len(pings)
    assert client_of(loaded_entry).connected
    assert not ours(log_guard, logging.WARNING)


async def test_revoked_key_says_it_stopped_and_needs_reauth(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, log_guard: KeepAll
) -> None:
    """A revoked key: no "reconnecting" in the log, but that the client stopped and why."""
    await lab.control("POST", "/control/revoke_key", {"username": lab.username})
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()), timeout=5)
    assert state(hass, POOL) == STATE_UNAVAILABLE
    warnings = [r.getMessage() for r in ours(log_guard, logging.WARNING)]
    assert not [message for message in warnings if "reconnecting" in message], warnings
    assert warnings == [
        (
            "TrueNAS nas refused the API key; stopped trying to connect. Reauthenticate the "
            "entry (Settings > Devices & services) with a valid key"
        )
    ]
    assert not client_of(loaded_entry).connected
