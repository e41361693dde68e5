"""The control API: every route, and the events each action produces."""

from __future__ import annotations

import asyncio
from pathlib import Path
import time

import aiohttp
import pytest

from labsim import ControlError, LabSimulator, Scenario, load_scenario
from tests.labsim.conftest import HA_KEY, HA_USER, Connect
from tests.labsim.rpc_client import RpcClient


async def tank(client: RpcClient) -> dict:
    return await client.call("pool.query", [[["name", "=", "tank"]], {"get": True}])


async def no_event(client: RpcClient, collection: str, wait: float = 0.2) -> None:
    with pytest.raises(TimeoutError):
        await client.event(collection, timeout=wait)


# ---------------------------------------------------------------- lab state


async def test_state_summary(sim: LabSimulator, client: RpcClient) -> None:
    state = await sim.control("GET", "/control/state")
    assert state["scenario"] == "default"
    assert state["hostname"] == "nas"
    assert state["pools"]["tank"]["status"] == "ONLINE"
    assert state["pools"]["tank"]["disks"]["sda"]["status"] == "ONLINE"
    assert state["pools"]["boot-pool"]["boot"] is True
    assert state["users"]["ha-svc"] == [{"id": 1, "name": "home-assistant", "revoked": False}]
    assert state["connections"] == 1
    assert state["faults"] == {"stalled": False, "reply_delay": 0.0, "remote_clients": False}
    assert len(state["alerts"]) == 2


async def test_pool_state_degraded_and_back(sim: LabSimulator, client: RpcClient) -> None:
    await client.call("core.subscribe", ["alert.list"])
    await client.call("core.subscribe", ["pool.query"])
    entry = await sim.control("POST", "/control/pool/tank/state", {"status": "DEGRADED"})
    assert entry["status"] == "DEGRADED"
    pool = await tank(client)
    assert pool["status"] == "DEGRADED"
    assert pool["healthy"] is False
    assert pool["status_code"] == "DEGRADED"
    assert pool["status_detail"].startswith("One or more devices are faulted")
    added = await client.event("alert.list", "added")
    alert = added["fields"]
    assert alert["klass"] == "VolumeStatus"
    assert alert["source"] == "VolumeStatus"
    assert alert["level"] == "CRITICAL"
    assert alert["args"] == {
        "volume": "tank",
        "state": "DEGRADED",
        "status": pool["status_detail"],
        "devices": "",
    }
    assert alert["formatted"] == f"Pool tank state is DEGRADED: {pool['status_detail']}"
    assert alert["text"] == "Pool %(volume)s state is %(state)s: %(status)s%(devices)s"
    # Faithful: a health change is not a pool.query event.
    await no_event(client, "pool.query")
    await sim.control("POST", "/control/pool/tank/state", {"status": "online"})
    removed = await client.event("alert.list", "removed")
    assert removed["id"] == added["id"]
    assert "fields" not in removed
    assert (await tank(client))["healthy"] is True


async def test_pool_state_overrides(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control(
        "POST",
        "/control/pool/tank/state",
        {"status": "ONLINE", "status_code": "FEAT_DISABLED", "status_detail": "Some features off."},
    )
    pool = await tank(client)
    assert pool["status_code"] == "FEAT_DISABLED"
    assert pool["status_detail"] == "Some features off."
    for status, code in (
        ("SUSPENDED", "SUSPENDED"),
        ("FAULTED", "FAULTED"),
        ("OFFLINE", "OFFLINE"),
        ("REMOVED", "REMOVED"),
        ("UNAVAIL", "UNAVAIL"),
    ):
        await sim.control("POST", "/control/pool/tank/state", {"status": status})
        pool = await tank(client)
        assert pool["status"] == status
        assert pool["status_code"] == code
        assert pool["status_detail"]


async def test_warning_pool_raises_an_alert(sim: LabSimulator, client: RpcClient) -> None:
    sim.state.pools["tank"].warning = True
    sim.state.schedule_health_check()
    alerts = await client.call("alert.list")
    assert any(a["klass"] == "VolumeStatus" for a in alerts)


async def test_pool_state_errors(sim: LabSimulator) -> None:
    with pytest.raises(ControlError) as info:
        await sim.control("POST", "/control/pool/tank/state", {"status": "BROKEN"})
    assert info.value.status == 400
    assert "must be one of ONLINE" in info.value.message
    with pytest.raises(ControlError) as info:
        await sim.control("POST", "/control/pool/nope/state", {"status": "ONLINE"})
    assert info.value.status == 404
    assert info.value.message == "no pool named 'nope'"


async def test_disk_faulted_degrades_raidz1(sim: LabSimulator, client: RpcClient) -> None:
    await client.call("core.subscribe", ["alert.list"])
    entry = await sim.control(
        "POST",
        "/control/pool/tank/disk/sdb/state",
        {"status": "FAULTED", "read_errors": 3, "write_errors": 0, "checksum_errors": 117},
    )
    assert entry["status"] == "DEGRADED"
    pool = await tank(client)
    vdev = pool["topology"]["data"][0]
    assert vdev["status"] == "DEGRADED"
    sdb = vdev["children"][1]
    assert sdb["status"] == "FAULTED"
    assert sdb["stats"]["read_errors"] == 3
    assert sdb["stats"]["checksum_errors"] == 117
    assert pool["status_detail"] == (
        "One or more devices are faulted in response to persistent errors. Sufficient replicas "
        "exist for the pool to continue functioning in a degraded state."
    )
    alert = (await client.event("alert.list", "added"))["fields"]
    assert alert["args"]["devices"] == (
        f"<br>The following devices are not healthy:<ul><li>Disk {sdb['guid']} is FAULTED</li></ul>"
    )
    # A second failed disk is beyond RAIDZ1's parity: the vdev and the pool cannot open.
    await sim.control("POST", "/control/pool/tank/disk/sdc1/state", {"status": "UNAVAIL"})
    pool = await tank(client)
    assert pool["status"] == "UNAVAIL"
    assert pool["topology"]["data"][0]["status"] == "UNAVAIL"
    sdc = pool["topology"]["data"][0]["children"][2]
    assert sdc["unavail_disk"] == {"model": "WDC WD80EFPX-68C4ZN0", "serial": "WD-RD0A1B4E"}
    assert pool["status_detail"].endswith(
        "There are insufficient replicas for the pool to continue functioning."
    )
    removed = await client.event("alert.list", "removed")
    added = await client.event("alert.list", "added")
    assert added["fields"]["args"]["state"] == "UNAVAIL"
    assert removed["id"] != added["id"]
    # Repair both: healthy again, the alert clears.
    for disk in ("sdb", "sdc"):
        await sim.control(
            "POST",
            f"/control/pool/tank/disk/{disk}/state",
            {"status": "ONLINE", "read_errors": 0, "checksum_errors": 0},
        )
    assert (await tank(client))["healthy"] is True
    await client.event("alert.list", "removed")
    assert not [a for a in await client.call("alert.list") if a["klass"] == "VolumeStatus"]


async def test_checksum_errors_on_an_online_pool(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control("POST", "/control/pool/tank/disk/sda/state", {"checksum_errors": 5})
    pool = await tank(client)
    assert pool["status"] == "ONLINE"
    assert pool["healthy"] is False
    assert pool["status_code"] == "FAILING_DEV"
    alerts = [a for a in await client.call("alert.list") if a["klass"] == "VolumeStatus"]
    assert alerts[0]["formatted"].startswith(
        "Pool tank state is ONLINE: One or more devices has experienced an unrecoverable error."
    )


@pytest.mark.parametrize(
    ("states", "pool_state"),
    [
        ({"sdb": "OFFLINE"}, "DEGRADED"),
        ({"sdb": "REMOVED"}, "DEGRADED"),
        ({"sdb": "DEGRADED"}, "DEGRADED"),
        ({"sdb": "UNAVAIL", "sdc": "OFFLINE"}, "UNAVAIL"),
    ],
)
async def test_zfs_rules(
    sim: LabSimulator, client: RpcClient, states: dict[str, str], pool_state: str
) -> None:
    for disk, status in states.items():
        await sim.control("POST", f"/control/pool/tank/disk/{disk}/state", {"status": status})
    assert (await tank(client))["status"] == pool_state


async def test_mirror_and_stripe_rules(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control(
        "POST",
        "/control/pool",
        {
            "name": "fast",
            "size": "1 TB",
            "topology": {
                "data": [{"type": "MIRROR", "disks": ["nvme2n1", "nvme3n1", "nvme4n1"]}],
                "log": [{"disk": "sdx"}],
                "cache": [{"disk": "sdy"}],
            },
        },
    )
    fast = "/control/pool/fast/disk"
    await sim.control("POST", f"{fast}/nvme2n1/state", {"status": "FAULTED"})
    await sim.control("POST", f"{fast}/nvme3n1/state", {"status": "FAULTED"})
    pool = await client.call("pool.query", [[["name", "=", "fast"]], {"get": True}])
    assert pool["status"] == "DEGRADED"  # a three-way mirror survives two failures
    await sim.control("POST", f"{fast}/nvme2n1/state", {"status": "ONLINE"})
    await sim.control("POST", f"{fast}/nvme3n1/state", {"status": "ONLINE"})
    await sim.control("POST", f"{fast}/sdy/state", {"status": "FAULTED"})
    assert (await client.call("pool.query", [[["name", "=", "fast"]], {"get": True}]))[
        "status"
    ] == "ONLINE"
    await sim.control("POST", f"{fast}/sdx/state", {"status": "FAULTED"})
    assert (await client.call("pool.query", [[["name", "=", "fast"]], {"get": True}]))[
        "status"
    ] == "DEGRADED"
    await sim.control("POST", "/control/pool", {"name": "stripe", "disks": ["sdq", "sdr"]})
    await sim.control("POST", "/control/pool/stripe/disk/sdr/state", {"status": "REMOVED"})
    stripe = await client.call("pool.query", [[["name", "=", "stripe"]], {"get": True}])
    assert stripe["status"] == "UNAVAIL"
    assert "removed by the administrator" in stripe["status_detail"]


async def test_disk_errors(sim: LabSimulator) -> None:
    with pytest.raises(ControlError) as info:
        await sim.control("POST", "/control/pool/tank/disk/sdz/state", {"status": "ONLINE"})
    assert info.value.status == 404
    assert info.value.message == "pool 'tank' has no disk 'sdz'"
    for body in ({"read_errors": -1}, {"checksum_errors": "many"}, {"status": 5}):
        with pytest.raises(ControlError) as info:
            await sim.control("POST", "/control/pool/tank/disk/sda/state", body)
        assert info.value.status == 400


async def test_alert_delay(scenario: Scenario) -> None:
    scenario.settings.alert_delay_seconds = 0.3
    async with LabSimulator(scenario) as sim:
        await sim.control("POST", "/control/pool/tank/state", {"status": "DEGRADED"})
        # Flapping back within the delay raises nothing.
        await sim.control("POST", "/control/pool/tank/state", {"status": "ONLINE"})
        await asyncio.sleep(0.4)
        assert len(sim.state.alerts) == 2
        started = time.monotonic()
        await sim.control("POST", "/control/pool/tank/state", {"status": "DEGRADED"})
        assert len(sim.state.alerts) == 2
        added = asyncio.Event()
        sim.state.add_listener(lambda _event: added.set())
        await asyncio.wait_for(added.wait(), 5)
        assert time.monotonic() - started >= 0.28
        assert len(sim.state.alerts) == 3


async def test_unchanged_health_keeps_its_alert(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control("POST", "/control/pool/tank/state", {"status": "DEGRADED"})
    await client.call("core.subscribe", ["alert.list"])
    await sim.control("POST", "/control/pool/tank/state", {"status": "DEGRADED"})
    await no_event(client, "alert.list")


async def test_stop_with_pending_timers(scenario: Scenario) -> None:
    scenario.settings.alert_delay_seconds = 30
    sim = LabSimulator(scenario, tls=False)
    await sim.start()
    await sim.control("POST", "/control/pool/tank/state", {"status": "DEGRADED"})
    await sim.control("POST", "/control/stall", {"seconds": 30})
    state = sim.state
    assert state._health_handle is not None
    assert state.faults.stall_gate.handle is not None
    await sim.stop()  # cancels the alert timer and the stall timer (no lingering timers)
    assert state._health_handle is None
    assert state.faults.stall_gate.handle is None


async def test_login_budget_refills_after_a_minute(sim: LabSimulator, connect: Connect) -> None:
    client = await connect(login=None)
    for _ in range(20):
        await client.login(HA_USER, "1-x")
    assert (await client.error("auth.login_ex", [{"mechanism": "API_KEY_PLAIN"}]))["code"] == -32001
    for calls in sim.state._logins.values():
        for index in range(len(calls)):
            calls[index] -= 61
    assert (await client.login(HA_USER, HA_KEY))["response_type"] == "SUCCESS"


async def test_boot_pool_alert(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control("POST", "/control/pool/boot-pool/disk/nvme1n1/state", {"status": "FAULTED"})
    boot = await client.call("boot.get_state")
    assert boot["status"] == "DEGRADED"
    (alert,) = [a for a in await client.call("alert.list") if a["klass"] == "BootPoolStatus"]
    assert alert["level"] == "CRITICAL"
    assert alert["formatted"].startswith("Boot pool status is DEGRADED: One or more devices")


async def test_scenario_that_starts_unhealthy_has_its_alert(scenario: Scenario) -> None:
    scenario.pools[0].topology["data"][0].children[0].status = "FAULTED"
    scenario.pools[0].status = "DEGRADED"
    async with LabSimulator(scenario) as sim:
        assert [a.klass for a in sim.state.alerts.values()].count("VolumeStatus") == 1


# ---------------------------------------------------------------- scrubs


async def test_scrub_progress(sim: LabSimulator, client: RpcClient) -> None:
    await client.call("core.subscribe", ["zfs.pool.scan"])
    scan = await sim.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 0.5})
    assert scan["state"] == "SCANNING"
    assert scan["percentage"] == 0.0
    assert scan["end_time"] is None
    first = await client.event("zfs.pool.scan")
    assert first["msg"] == "changed"
    assert "id" not in first
    assert first["fields"]["name"] == "tank"
    assert first["fields"]["scan"]["state"] == "SCANNING"
    percentages = []
    while True:
        event = await client.event("zfs.pool.scan", timeout=3)
        scan = event["fields"]["scan"]
        if scan["state"] == "FINISHED":
            break
        percentages.append(scan["percentage"])
    assert len(percentages) >= 3
    assert percentages == sorted(percentages)
    assert 0 < percentages[0] < 100
    assert scan["percentage"] == 100.0
    assert scan["bytes_processed"] == scan["bytes_to_process"] == 8000000000000
    assert scan["end_time"]["$date"] >= scan["start_time"]["$date"]
    assert scan["total_secs_left"] is None
    assert (await tank(client))["scan"]["state"] == "FINISHED"


async def test_scrub_finish_cancel_and_conflicts(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 60})
    with pytest.raises(ControlError) as info:
        await sim.control("POST", "/control/pool/tank/scrub/start", {})
    assert info.value.status == 409
    await client.call("core.subscribe", ["zfs.pool.scan"])
    scan = await sim.control("POST", "/control/pool/tank/scrub/finish", {"errors": 2})
    assert scan["state"] == "FINISHED"
    assert scan["errors"] == 2
    # Progress events of the running scrub may still be queued: wait for the one we mean.
    async with asyncio.timeout(5):
        while (await client.event("zfs.pool.scan"))["fields"]["scan"]["state"] != "FINISHED":
            pass
    with pytest.raises(ControlError) as info:
        await sim.control("POST", "/control/pool/tank/scrub/finish")
    assert info.value.status == 409
    await sim.control("POST", "/control/pool/tank/scrub/start")
    scan = await sim.control("POST", "/control/pool/tank/scrub/cancel")
    assert scan["state"] == "CANCELED"
    assert scan["percentage"] < 100
    with pytest.raises(ControlError) as info:
        await sim.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": -1})
    assert info.value.status == 400


async def test_scrub_on_a_never_scrubbed_pool(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control("POST", "/control/pool", {"name": "new", "disks": ["sde"]})
    new = await client.call("pool.query", [[["name", "=", "new"]], {"get": True}])
    assert new["scan"] is None
    with pytest.raises(ControlError):
        await sim.control("POST", "/control/pool/new/scrub/finish")
    await sim.control("POST", "/control/pool/new/scrub/start", {"duration_seconds": 0})
    await asyncio.sleep(0.05)
    new = await client.call("pool.query", [[["name", "=", "new"]], {"get": True}])
    assert new["scan"]["state"] == "FINISHED"


# ---------------------------------------------------------------- pools


async def test_add_and_export_pool(sim: LabSimulator, client: RpcClient) -> None:
    await client.call("core.subscribe", ["pool.query"])
    entry = await sim.control("POST", "/control/pool", {"name": "scratch", "disks": ["sde"]})
    assert entry["id"] == 2
    added = await client.event("pool.query", "added")
    assert added["id"] == 2
    assert added["fields"]["name"] == "scratch"
    assert added["fields"]["topology"]["data"][0]["disk"] == "sde"
    assert [p["name"] for p in await client.call("pool.query")] == ["tank", "scratch"]
    await sim.control("DELETE", "/control/pool/tank")
    removed = await client.event("pool.query", "removed")
    assert removed == {"msg": "removed", "collection": "pool.query", "id": 1}
    datasets = await client.call("pool.dataset.query", [[], {"select": ["name"]}])
    assert datasets == [{"name": "scratch"}]


async def test_pool_conflicts(sim: LabSimulator) -> None:
    cases = [
        ("POST", "/control/pool", {"name": "tank", "disks": ["x"]}, 409),
        ("POST", "/control/pool", {"name": "b", "disks": ["x"], "boot": True}, 400),
        ("POST", "/control/pool", {"name": "bad name", "disks": ["x"]}, 400),
        ("DELETE", "/control/pool/nope", None, 404),
        ("DELETE", "/control/pool/boot-pool", None, 400),
    ]
    for method, path, body, status in cases:
        with pytest.raises(ControlError) as info:
            await sim.control(method, path, body)
        assert info.value.status == status, (path, body)
    entry = await sim.control("POST", "/control/pool", {"name": "dup", "id": 1, "disks": ["x"]})
    assert entry["id"] == 2


# ---------------------------------------------------------------- alerts and jobs


async def test_alert_routes(sim: LabSimulator, client: RpcClient) -> None:
    await client.call("core.subscribe", ["alert.list"])
    created = await sim.control(
        "POST",
        "/control/alerts",
        {
            "klass": "SMART",
            "level": "critical",
            "text": "Device %(d)s failed",
            "args": {"d": "sda"},
        },
    )
    assert created["alert"]["formatted"] == "Device sda failed"
    assert created["alert"]["level"] == "CRITICAL"
    event = await client.event("alert.list", "added")
    assert event["id"] == created["uuid"]
    assert (await sim.control("DELETE", f"/control/alerts/{created['uuid']}")) == {"ok": True}
    assert (await client.event("alert.list", "removed"))["id"] == created["uuid"]
    with pytest.raises(ControlError) as info:
        await sim.control("DELETE", f"/control/alerts/{created['uuid']}")
    assert info.value.status == 404
    with pytest.raises(ControlError) as info:
        await sim.control("POST", "/control/alerts", {"level": "INFO"})
    assert info.value.status == 400
    assert (await sim.control("DELETE", "/control/alerts")) == {"removed": 2}
    assert await client.call("alert.list") == []


async def test_job_route_validation(sim: LabSimulator) -> None:
    for body in ({}, {"method": "x", "arguments": "y"}, {"method": "x", "duration_seconds": "1"}):
        with pytest.raises(ControlError) as info:
            await sim.control("POST", "/control/jobs", body)
        assert info.value.status == 400


# ---------------------------------------------------------------- faults


async def test_drop_connections(sim: LabSimulator, client: RpcClient, connect: Connect) -> None:
    other = await connect()
    result = await sim.control("POST", "/control/drop_connections")
    assert result == {"dropped": 2}
    await asyncio.wait_for(client.closed.wait(), 5)
    await asyncio.wait_for(other.closed.wait(), 5)
    # No close frame: aiohttp reports an abnormal closure.
    assert client.ws.close_code in (None, 1006)
    fresh = await connect()
    assert await fresh.call("core.ping") == "pong"


async def test_stall(sim: LabSimulator, client: RpcClient, http: aiohttp.ClientSession) -> None:
    await sim.control("POST", "/control/stall", {"seconds": 0.6})
    started = time.monotonic()
    pending = asyncio.ensure_future(client.call("core.ping"))
    # New connections hang in the handshake; /api/versions hangs too.
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await http.ws_connect(sim.url, ssl=sim.client_ssl_context())
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await http.get(sim.versions_url, ssl=sim.client_ssl_context())
    assert not pending.done()
    state = await sim.control("GET", "/control/state")
    assert state["faults"]["stalled"] is True
    assert await pending == "pong"
    assert time.monotonic() - started >= 0.55
    # stall 0 ends a stall early.
    await sim.control("POST", "/control/stall", {"seconds": 30})
    pending = asyncio.ensure_future(client.call("core.ping"))
    await asyncio.sleep(0.1)
    assert not pending.done()
    await sim.control("POST", "/control/stall", {"seconds": 0})
    assert await pending == "pong"


async def test_delay(sim: LabSimulator, client: RpcClient) -> None:
    assert await sim.control("POST", "/control/delay", {"seconds": 0.3}) == {"reply_delay": 0.3}
    started = time.monotonic()
    await client.call("core.ping")
    assert time.monotonic() - started >= 0.29
    started = time.monotonic()
    assert (await client.error("no.such.method"))["code"] == -32601
    assert time.monotonic() - started >= 0.29
    await sim.control("POST", "/control/delay", {"seconds": 0})
    for body in ({}, {"seconds": -1}, {"seconds": "1"}, {"seconds": True}):
        with pytest.raises(ControlError):
            await sim.control("POST", "/control/delay", body)


async def test_revoke_key(
    sim: LabSimulator, client: RpcClient, admin: RpcClient, connect: Connect
) -> None:
    await admin.call("core.subscribe", ["alert.list"])
    result = await sim.control("POST", "/control/revoke_key", {"username": HA_USER})
    assert result == {"revoked": [1], "closed_sessions": 1}
    await asyncio.wait_for(client.closed.wait(), 5)
    assert client.ws.close_code == 1008
    event = await admin.event("alert.list", "added")
    assert event["fields"]["klass"] == "ApiKeyRevoked"
    assert event["fields"]["args"]["reason"] == "Revoked through the lab control API"
    fresh = await connect(login=None)
    assert (await fresh.login(HA_USER, HA_KEY)) == {"response_type": "AUTH_ERR"}
    # Revoking again changes nothing and raises no second alert.
    await sim.control("POST", "/control/revoke_key", {"username": HA_USER, "key_id": 1})
    await no_event(admin, "alert.list")
    for body, status in (({"username": "nobody"}, 404), ({"username": HA_USER, "key_id": 9}, 404)):
        with pytest.raises(ControlError) as info:
            await sim.control("POST", "/control/revoke_key", body)
        assert info.value.status == status


async def test_remote_clients_validation(sim: LabSimulator) -> None:
    assert await sim.control("POST", "/control/remote_clients") == {"remote_clients": True}
    with pytest.raises(ControlError):
        await sim.control("POST", "/control/remote_clients", {"enabled": "yes"})


async def test_method_error(sim: LabSimulator, client: RpcClient) -> None:
    fault = await sim.control("POST", "/control/method_error", {"method": "pool.query"})
    assert fault == {
        "method": "pool.query",
        "errno": 14,
        "message": "Injected failure",
        "count": None,
    }
    for _ in range(2):
        error = await client.error("pool.query")
        assert error["code"] == -32001
        assert error["data"]["reason"] == "[EFAULT] Injected failure"
    await sim.control("DELETE", "/control/method_error/pool.query")
    assert await client.call("pool.query", [[], {"count": True}]) == 1
    await sim.control(
        "POST",
        "/control/method_error",
        {"method": "system.info", "errno": 13, "message": "nope", "count": 1},
    )
    assert (await client.error("system.info"))["data"]["reason"] == "[EACCES] nope"
    assert (await client.call("system.info"))["hostname"] == "nas"
    await sim.control("POST", "/control/method_error", {"method": "core.ping", "count": 2})
    assert (await client.error("core.ping"))["code"] == -32001
    await sim.control("DELETE", "/control/method_error")
    assert await client.call("core.ping") == "pong"
    with pytest.raises(ControlError) as info:
        await sim.control("DELETE", "/control/method_error/core.ping")
    assert info.value.status == 404
    with pytest.raises(ControlError):
        await sim.control("POST", "/control/method_error", {"method": 5})


# ---------------------------------------------------------------- observation and reset


async def test_call_log(sim: LabSimulator, client: RpcClient, connect: Connect) -> None:
    legacy = await connect(login=None)
    await legacy.call("auth.login_with_api_key", [HA_KEY])
    await client.call("pool.query", [[["name", "=", "tank"]]])
    calls = await sim.control("GET", "/control/calls")
    assert [c["method"] for c in calls] == [
        "auth.login_ex",
        "auth.login_with_api_key",
        "pool.query",
    ]
    login = calls[0]
    assert login["params"][0]["api_key"] == "********"
    assert login["params"][0]["username"] == HA_USER
    assert calls[1]["params"] == ["********"]
    assert calls[2]["params"] == [[["name", "=", "tank"]]]
    assert isinstance(calls[2]["time"], float)
    assert calls[2]["id"] == 2
    assert calls[0]["session"] != calls[1]["session"]
    only = await sim.control("GET", "/control/calls?method=pool.query")
    assert len(only) == 1
    assert HA_KEY not in str(calls)
    assert await sim.control("DELETE", "/control/calls") == {"ok": True}
    assert await sim.control("GET", "/control/calls") == []


async def test_stats(sim: LabSimulator, client: RpcClient, connect: Connect) -> None:
    failed = await connect(login=None)
    await failed.login(HA_USER, "1-nope")
    await client.call("core.subscribe", ["alert.list"])
    await sim.control("POST", "/control/alerts", {"klass": "T", "level": "INFO", "formatted": "x"})
    await client.event("alert.list")
    await client.error("nope")
    stats = await sim.control("GET", "/control/stats")
    assert stats["connections_total"] == 2
    assert stats["connections_open"] == 2
    assert stats["logins_ok"] == 1
    assert stats["logins_failed"] == 1
    assert stats["rpc_calls"] == 4
    assert stats["rpc_errors"] == 1
    assert stats["events_sent"] == 1
    assert stats["messages_received"] == 4
    assert stats["messages_sent"] == 5
    assert stats["bytes_sent"] > 0
    assert stats["bytes_received"] > 0


async def test_reset(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control("POST", "/control/pool/tank/disk/sda/state", {"status": "FAULTED"})
    await sim.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 60})
    await sim.control("POST", "/control/delay", {"seconds": 0.01})
    await sim.control("POST", "/control/pool", {"name": "extra", "disks": ["sde"]})
    await client.call("core.subscribe", ["pool.query"])
    await client.call("core.subscribe", ["alert.list"])
    assert await sim.control("POST", "/control/reset") == {"ok": True}
    pool = await tank(client)
    assert pool["status"] == "ONLINE"
    assert pool["scan"]["state"] == "FINISHED"
    assert [p["name"] for p in await client.call("pool.query")] == ["tank"]
    state = await sim.control("GET", "/control/state")
    assert state["faults"]["reply_delay"] == 0.0
    removed = [await client.event("pool.query", "removed") for _ in range(2)]
    assert sorted(e["id"] for e in removed) == [1, 2]
    assert (await client.event("pool.query", "added"))["id"] == 1
    assert len(await client.call("alert.list")) == 2


async def test_reset_rereads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lab.yaml"
    text = load_scenario().source.read_text(encoding="utf-8")  # type: ignore[union-attr]
    path.write_text(text, encoding="utf-8")
    async with LabSimulator(path, tls=False) as sim:
        path.write_text(text.replace("hostname: nas", "hostname: nas2"), encoding="utf-8")
        await sim.control("POST", "/control/reset")
        assert sim.state.system.hostname == "nas2"
        path.write_text("schema: 1\n", encoding="utf-8")
        with pytest.raises(ControlError) as info:
            await sim.control("POST", "/control/reset")
        assert info.value.status == 400
        assert "system: required" in info.value.message


async def test_bad_bodies(sim: LabSimulator, http: aiohttp.ClientSession) -> None:
    url = f"{sim.control_url}/control/stall"
    async with http.post(url, data="{nope", headers={"Content-Type": "application/json"}) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"].startswith("invalid JSON body")
    async with http.post(url, json=[1]) as resp:
        assert resp.status == 400
        assert (await resp.json()) == {"error": "the body must be a JSON object"}
    async with http.get(f"{sim.control_url}/control/nothing") as resp:
        assert resp.status == 404


async def test_set_roles(sim: LabSimulator, client: RpcClient) -> None:
    await client.call("system.info")
    result = await sim.control("POST", f"/control/user/{HA_USER}/roles", {"roles": ["pool_read"]})
    assert result == {"roles": ["POOL_READ"]}
    # Takes effect on the next call of the open session.
    assert (await client.error("system.info"))["data"]["errname"] == "EACCES"
    assert await client.call("pool.query", [[], {"count": True}]) == 1
    for path, body, status in (
        ("/control/user/nobody/roles", {"roles": []}, 404),
        (f"/control/user/{HA_USER}/roles", {"roles": "FULL_ADMIN"}, 400),
    ):
        with pytest.raises(ControlError) as info:
            await sim.control("POST", path, body)
        assert info.value.status == status
