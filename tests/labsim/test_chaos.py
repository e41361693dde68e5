"""The chaos routes (labsim.chaos): partition, doctored replies, pushed frames, API versions,
limits -- and how they refuse bad bodies."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from labsim import ControlError, LabSimulator
from tests.labsim.conftest import Connect
from tests.labsim.rpc_client import RpcClient


async def test_partition_stops_reads_writes_and_new_connections(
    sim: LabSimulator, client: RpcClient, connect: Connect
) -> None:
    result = await sim.control("POST", "/control/partition", {"seconds": 30})
    assert result == {"partitioned": True, "sessions": 1}
    await client.send({"jsonrpc": "2.0", "id": 99, "method": "core.ping"})
    await asyncio.sleep(0.2)
    assert client.orphans.empty()  # nothing read, nothing answered
    handshake = asyncio.ensure_future(connect())
    await asyncio.sleep(0.2)
    assert not handshake.done()  # no new connection either
    assert (await sim.control("POST", "/control/partition", {"seconds": 0})) == {
        "partitioned": False
    }
    assert (await asyncio.wait_for(client.orphans.get(), 3))["result"] == "pong"
    other = await asyncio.wait_for(handshake, 3)
    assert await other.call("core.ping") == "pong"


async def test_partition_ends_by_itself(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control("POST", "/control/partition", {"seconds": 0.2})
    assert (await client.request("core.ping", timeout=3))["result"] == "pong"


async def test_garbled_replies(sim: LabSimulator, client: RpcClient) -> None:
    await sim.control("POST", "/control/garble", {"method": "system.info", "raw": '{"x": 1}'})
    await client.send({"jsonrpc": "2.0", "id": 98, "method": "system.info"})
    assert (await asyncio.wait_for(client.orphans.get(), 3)) == {"x": 1}  # in place of a reply
    assert (await client.call("system.info"))["hostname"] == "nas"
    await sim.control("POST", "/control/garble", {"method": "core.ping", "result": 42, "count": 2})
    assert [await client.call("core.ping") for _ in range(3)] == [42, 42, "pong"]
    await sim.control(
        "POST",
        "/control/garble",
        {"method": "pool.query", "patch": {"status": "NEW"}, "remove": ["healthy"], "count": None},
    )
    for _ in range(2):
        pools = await client.call("pool.query")
        assert pools[0]["status"] == "NEW"
        assert "healthy" not in pools[0]
    await sim.control("POST", "/control/garble", {"method": "system.info", "patch": {"x": 1}})
    assert (await client.call("system.info"))["x"] == 1
    await sim.control("POST", "/control/garble", {"method": "system.host_id", "patch": {"x": 1}})
    assert isinstance(await client.call("system.host_id"), str)
    await sim.control(
        "POST", "/control/garble", {"method": "pool.snapshot.query", "patch": {"x": 1}}
    )
    names = await client.call(
        "pool.snapshot.query",
        [[["dataset", "=", "tank/applications"]], {"select": ["name"], "limit": 2}],
    )
    assert [item["x"] for item in names] == [1, 1]  # an async method's result, doctored
    await sim.control("DELETE", "/control/garble")
    assert (await client.call("pool.query"))[0]["status"] == "ONLINE"


async def test_push_frames_and_events(sim: LabSimulator, client: RpcClient) -> None:
    await client.call("core.subscribe", ["alert.list"])
    fields = {"uuid": "u", "klass": "X", "level": "INFO"}
    event = {"collection": "alert.list", "msg": "added", "id": "u", "fields": fields}
    assert (await sim.control("POST", "/control/push", {"event": event})) == {
        "emitted": "alert.list"
    }
    assert (await client.event("alert.list"))["fields"] == fields
    frame = '{"jsonrpc": "2.0", "method": "collection_update", "params": {"x": 1}}'
    assert (await sim.control("POST", "/control/push", {"frame": frame})) == {"sent": 1}
    note = await client.notification()
    assert note["params"] == {"x": 1}


async def test_api_versions_and_settings(sim: LabSimulator, client: RpcClient) -> None:
    result = await sim.control(
        "POST", "/control/api_versions", {"versions": ["v25.10.2", "v26.0.0"], "drop": True}
    )
    assert result == {"api_versions": ["v25.10.2", "v26.0.0"], "dropped": 1}
    async with aiohttp.ClientSession() as http:
        response = await http.get(sim.versions_url, ssl=sim.client_ssl_context())
        assert await response.json() == ["v25.10.2", "v26.0.0"]
    settings = await sim.control("POST", "/control/settings", {"login_rate_limit": 3})
    assert settings == {"login_rate_limit": 3, "max_running_calls": 10, "max_calls": 20}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/control/partition", {"seconds": -1}),
        ("/control/partition", {"seconds": True}),
        ("/control/partition", {}),
        ("/control/garble", {"method": ""}),
        ("/control/garble", {"method": "x", "count": 0}),
        ("/control/garble", {"method": "x", "raw": 5}),
        ("/control/garble", {"method": "x", "patch": []}),
        ("/control/garble", {"method": "x", "remove": "healthy"}),
        ("/control/garble", {"method": "x"}),
        ("/control/push", {}),
        ("/control/push", {"event": {"collection": "x", "msg": "gone"}}),
        ("/control/api_versions", {"versions": []}),
        ("/control/api_versions", {"versions": ["25.10"]}),
        ("/control/settings", {"nope": 1}),
        ("/control/settings", {"max_calls": -1}),
        ("/control/settings", {"max_calls": True}),
        ("/control/settings", [1]),
        ("/control/settings", "not json"),
    ],
)
async def test_bad_bodies(sim: LabSimulator, path: str, body: object) -> None:
    if body == "not json":
        async with (
            aiohttp.ClientSession() as http,
            http.post(sim.control_url + path, data="{nope") as response,
        ):
            assert response.status == 400
        return
    with pytest.raises(ControlError) as raised:
        await sim.control("POST", path, body)
    assert raised.value.status == 400


async def test_empty_body_is_an_empty_object(sim: LabSimulator) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(sim.control_url + "/control/settings") as response,
    ):
        assert response.status == 200
