"""Connection faults: a call cut off, every socket cut during a subscription burst, a one-minute
network outage (virtual time), and what the server does when it is overloaded.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import logging

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.truenas import (
    TrueNASClient,
    TrueNASConnectionError,
    TrueNASTimeoutError,
)
from tests.common import LabHandle, wait_for

from .conftest import KeepAll, VirtualClock, ours, subscriptions_by_session

POOL = "sensor.tank_status"
APP = "sensor.nextcloud_state"
CONNECTION = "binary_sensor.nas_connection"


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def client_of(entry: MockConfigEntry) -> TrueNASClient:
    return entry.runtime_data.client


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
        "Lost the connection to TrueNAS TrueNAS nas; reconnecting"
    ]
    recovered = [r for r in records if "recovered" in r.getMessage()]
    assert len(recovered) == 1, [r.getMessage() for r in records]

    after = await subscriptions_by_session(lab)
    restored = {sid: subs for sid, subs in after.items() if sid != session}
    assert len(restored) == 1, restored
    assert Counter(next(iter(restored.values()))) == Counter(names)
    assert (await lab.control("GET", "/control/state"))["connections"] == 1


async def test_slow_replies_past_the_timeout(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """Replies slower than the 30 s call timeout: the refresh fails, late replies are dropped."""
    coordinator = loaded_entry.runtime_data.coordinator
    await lab.control("POST", "/control/delay", {"seconds": 0.5})
    # The next poll (60 s) sends its first call; it times out 30 s later (virtual), long before
    # the real half second is over.
    await clock.advance(60 + 33, step=1)
    assert not coordinator.last_update_success
    assert isinstance(coordinator.last_exception.__cause__, TrueNASTimeoutError)
    assert state(hass, POOL) == STATE_UNAVAILABLE
    # The late reply arrives and is dropped; the socket stays up.
    await asyncio.sleep(0.7)
    assert client_of(loaded_entry).connected
    await lab.control("POST", "/control/delay", {"seconds": 0})
    back = await clock.advance_until(lambda: state(hass, POOL) == "online", 61, step=1)
    assert back is not None
    errors = ours(log_guard, logging.ERROR)
    assert len(errors) <= 1  # Home Assistant's one "Error fetching" line for the failure
