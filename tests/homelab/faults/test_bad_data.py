"""Bad data from the server: frames that are not JSON, replies and events with required fields
missing, and values a newer TrueNAS may send (unknown states) -- `unknown`, never a crash.
"""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.clients.truenas import (
    TrueNASInvalidResponseError,
    TrueNASTimeoutError,
)
from tests.common import LabHandle, wait_for

from .conftest import KeepAll, VirtualClock, ours

POOL = "sensor.tank_status"
APP = "sensor.nextcloud_state"


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def _app_entry(entry: MockConfigEntry, name: str) -> dict[str, Any]:
    client = entry.runtime_data.client
    result = await client.call("app.query", [[["name", "=", name]], {}])
    return dict(result[0])


async def test_frames_that_are_not_json(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """Garbage frames are logged and ignored; a garbled reply times out its call only."""
    client = loaded_entry.runtime_data.client
    coordinator = loaded_entry.runtime_data.coordinator
    for frame in ("{not json", "[1, 2, 3]", '"just a string"', "\x00\xff", "{}", '{"id": 999999}'):
        await lab.control("POST", "/control/push", {"frame": frame})
    # Events in a broken shape: ignored (at debug level).
    for params in ({"msg": "changed"}, {"collection": 5}, "not an object"):
        await lab.control(
            "POST",
            "/control/push",
            {"frame": f'{{"jsonrpc":"2.0","method":"collection_update","params":{_js(params)}}}'},
        )
    await lab.control(
        "POST",
        "/control/push",
        {"frame": '{"jsonrpc":"2.0","method":"notify_unsubscribed","params":"?"}'},
    )
    await clock.settle()
    await wait_for(lambda: len(ours(log_guard, logging.WARNING)) >= 3, timeout=5)
    assert client.connected
    assert state(hass, POOL) == "online"
    # The reply to system.info comes back as garbage: that call times out, the next one works.
    await lab.control("POST", "/control/garble", {"method": "system.info", "raw": "}{"})
    await clock.advance(60 + 33, step=1)
    assert isinstance(coordinator.last_exception.__cause__, TrueNASTimeoutError)
    assert client.connected
    back = await clock.advance_until(lambda: state(hass, POOL) == "online", 61, step=1)
    assert back is not None
    warnings = [r.getMessage() for r in ours(log_guard, logging.WARNING)]
    assert any("not JSON" in message for message in warnings)
    assert any("not an object" in message for message in warnings)


def _js(value: Any) -> str:
    import json  # noqa: PLC0415 - only here

    return json.dumps(value)


async def test_missing_required_fields_in_replies(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """A pool without `status`: that refresh fails as an invalid response; then it recovers."""
    coordinator = loaded_entry.runtime_data.coordinator
    await lab.control("POST", "/control/garble", {"method": "pool.query", "remove": ["status"]})
    await clock.advance(61, step=1)
    assert isinstance(coordinator.last_exception.__cause__, TrueNASInvalidResponseError)
    assert state(hass, POOL) == STATE_UNAVAILABLE
    await clock.advance(61, step=1)
    assert state(hass, POOL) == "online"
    # system.info without its hostname, apps without a name, a job id that is not a number.
    for method, remove in (("system.info", ["hostname"]), ("app.query", ["name"])):
        await lab.control("POST", "/control/garble", {"method": method, "remove": remove})
    await coordinator.async_refresh()
    await loaded_entry.runtime_data.apps.async_refresh()
    assert not coordinator.last_update_success
    assert not loaded_entry.runtime_data.apps.last_update_success
    await coordinator.async_refresh()
    await loaded_entry.runtime_data.apps.async_refresh()
    assert coordinator.last_update_success
    assert loaded_entry.runtime_data.apps.last_update_success
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_missing_required_fields_in_events(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, log_guard: KeepAll
) -> None:
    """Events without the fields they need are ignored; later good events still apply."""
    events: list[dict[str, Any]] = [
        {"collection": "alert.list", "msg": "added", "id": "x", "fields": {"level": "CRITICAL"}},
        {"collection": "alert.list", "msg": "added", "id": "y", "fields": "not an object"},
        {
            "collection": "zfs.pool.scan",
            "msg": "changed",
            "fields": {"scan": {"state": "SCANNING"}},
        },
        {"collection": "zfs.pool.scan", "msg": "changed", "fields": {"name": "tank", "scan": 7}},
        {"collection": "app.query", "msg": "changed", "id": "ghost", "fields": {"state": "X"}},
        {"collection": "app.query", "msg": "added", "id": "ghost", "fields": None},
        {"collection": "core.get_jobs", "msg": "changed", "id": "nan", "fields": {"state": 1}},
        {"collection": "core.get_jobs", "msg": "added", "id": 5, "fields": ["x"]},
        {"collection": 'app.stats:{"interval": 10}', "msg": "added", "fields": [{"cpu": 1}, 3]},
        {"collection": 'app.stats:{"interval": 10}', "msg": "added", "fields": {"x": 1}},
    ]
    for event in events:
        await lab.control("POST", "/control/push", {"event": event})
    await lab.control("POST", "/control/apps/nextcloud/crash")
    await wait_for(lambda: state(hass, APP) == "crashed", timeout=5)
    assert state(hass, POOL) == "online"
    assert loaded_entry.runtime_data.client.connected


async def test_unknown_enum_values_read_unknown(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """A newer TrueNAS's states (pool, scan, app, container, alert level, job): `unknown`."""
    patch = {
        "status": "EXPANDING",
        "scan": {"function": "TRIM", "state": "PAUSED", "percentage": 12.5},
    }
    await lab.control(
        "POST", "/control/garble", {"method": "pool.query", "patch": patch, "count": None}
    )
    await clock.advance(61, step=1)
    assert state(hass, POOL) == STATE_UNKNOWN
    assert state(hass, "sensor.tank_scrub_state") == STATE_UNKNOWN
    assert state(hass, "binary_sensor.tank_problem") in ("on", "off")
    # An app in TrueNAS 27's ERROR state, with a container in a state never seen before.
    app = await _app_entry(loaded_entry, "nextcloud")
    app["state"] = "ERROR"
    for container in app["active_workloads"]["container_details"]:
        container["state"] = "paused"
    event = {"collection": "app.query", "msg": "changed", "id": "nextcloud", "fields": app}
    await lab.control("POST", "/control/push", {"event": event})
    await wait_for(lambda: state(hass, APP) == STATE_UNKNOWN, timeout=5)
    # An alert level and a job state nobody knows yet.
    before = int(state(hass, "sensor.nas_active_alerts"))
    alert = {
        "uuid": "new-level",
        "klass": "FutureAlert",
        "level": "SUPERCRITICAL",
        "formatted": "From the future",
        "dismissed": False,
    }
    await lab.control(
        "POST",
        "/control/push",
        {"event": {"collection": "alert.list", "msg": "added", "id": "new-level", "fields": alert}},
    )
    await wait_for(lambda: int(state(hass, "sensor.nas_active_alerts")) == before + 1, timeout=5)
    job = {"method": "app.start", "arguments": ["nextcloud"], "state": "QUEUED", "progress": {}}
    await lab.control(
        "POST",
        "/control/push",
        {"event": {"collection": "core.get_jobs", "msg": "added", "id": 4242, "fields": job}},
    )
    await clock.settle()
    await lab.control("DELETE", "/control/garble")
    back = await clock.advance_until(lambda: state(hass, POOL) == "online", 121, step=1)
    assert back is not None
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert not ours(log_guard, logging.WARNING)
