"""The JSON-RPC session: login, the auth gate, error shapes, limits, subscriptions."""

from __future__ import annotations

import asyncio
import json
from typing import Final

import aiohttp
import pytest

from labsim import LabSimulator, load_scenario
from labsim.rpc import SoftHardSemaphore
from labsim.scenario import Scenario
from tests.backups_lab import seed_data
from tests.labsim.conftest import ADMIN_KEY, ADMIN_USER, HA_KEY, HA_USER, Connect
from tests.labsim.rpc_client import RpcClient


def versioned_scenario(version: str) -> Scenario:
    """The seed lab as a box of that release, serving the API versions such a box serves."""
    return load_scenario(seed_data(version))


def login_params(username: str = HA_USER, api_key: str = HA_KEY, **extra: object) -> list[object]:
    return [
        {
            "mechanism": "API_KEY_PLAIN",
            "username": username,
            "api_key": api_key,
            "login_options": {"user_info": False},
            **extra,
        }
    ]


# ---------------------------------------------------------------- login


async def test_login_success(connect: Connect) -> None:
    client = await connect(login=None)
    result = await client.call("auth.login_ex", login_params())
    # The seed lab speaks 25.10: AuthRespSuccess has no reconnect_token before the 26 API.
    assert result == {"response_type": "SUCCESS", "user_info": None, "authenticator": "LEVEL_1"}
    assert await client.call("core.ping") == "pong"


async def test_login_with_user_info(connect: Connect) -> None:
    client = await connect(login=None)
    params = login_params()
    params[0]["login_options"] = {"user_info": True}  # type: ignore[index]
    result = await client.call("auth.login_ex", params)
    assert result["user_info"]["pw_name"] == HA_USER
    assert "READONLY_ADMIN" in result["user_info"]["privilege"]["roles"]["$set"]
    me = await client.call("auth.me")
    assert me["pw_name"] == HA_USER


@pytest.mark.parametrize(
    ("username", "api_key"),
    [
        (HA_USER, HA_KEY[:-1] + "X"),
        ("nobody", HA_KEY),
        (ADMIN_USER, HA_KEY),  # a valid key, but not this user's
    ],
)
async def test_login_failure_is_auth_err(connect: Connect, username: str, api_key: str) -> None:
    client = await connect(login=None)
    result = await client.call("auth.login_ex", login_params(username, api_key))
    assert result == {"response_type": "AUTH_ERR"}
    error = await client.error("system.info")
    assert error["data"]["errname"] == "ENOTAUTHENTICATED"


async def test_other_mechanisms_fail(connect: Connect) -> None:
    client = await connect(login=None)
    result = await client.call(
        "auth.login_ex", [{"mechanism": "PASSWORD_PLAIN", "username": "x", "password": "y"}]
    )
    assert result == {"response_type": "AUTH_ERR"}


@pytest.mark.parametrize(
    ("params", "attribute", "message"),
    [
        ([], "login_data", "Field required"),
        (["x"], "login_data", "Input should be a valid dictionary"),
        ([{"username": "x"}], "login_data.mechanism", "Field required"),
        ([{"mechanism": "MAGIC"}], "login_data", "Input tag 'MAGIC' found using 'mechanism'"),
        ([{"mechanism": "API_KEY_PLAIN"}], "login_data.API_KEY_PLAIN.username", "Field required"),
        (
            [{"mechanism": "API_KEY_PLAIN", "username": 1, "api_key": "k"}],
            "login_data.API_KEY_PLAIN.username",
            "Input should be a valid string",
        ),
        (
            login_params(extra_key=True),
            "login_data.API_KEY_PLAIN.extra_key",
            "Extra inputs are not permitted",
        ),
        (
            [{"mechanism": "API_KEY_PLAIN", "username": "u", "api_key": "k", "login_options": 1}],
            "login_data.API_KEY_PLAIN.login_options",
            "Input should be a valid dictionary",
        ),
        (
            [
                {
                    "mechanism": "API_KEY_PLAIN",
                    "username": "u",
                    "api_key": "k",
                    "login_options": {"user_info": "yes"},
                }
            ],
            "login_data.API_KEY_PLAIN.login_options.user_info",
            "Input should be a valid boolean",
        ),
    ],
)
async def test_login_validation(
    connect: Connect, params: list[object], attribute: str, message: str
) -> None:
    client = await connect(login=None)
    error = await client.error("auth.login_ex", params)
    assert error["code"] == -32602
    assert error["message"] == "Invalid params"
    data = error["data"]
    assert data["error"] == 22
    assert data["errname"] == "EINVAL"
    assert data["extra"][0][0] == attribute
    assert data["extra"][0][1].startswith(message)
    assert data["extra"][0][2] == 22
    assert data["reason"].startswith(f"[EINVAL] {attribute}: ")
    assert data["trace"]["class"] == "ValidationErrors"


async def test_login_with_api_key(connect: Connect) -> None:
    client = await connect(login=None)
    assert await client.call("auth.login_with_api_key", ["9-nope"]) is False
    assert await client.call("auth.login_with_api_key", ["garbage"]) is False
    assert await client.call("auth.login_with_api_key", [HA_KEY[:-1] + "Z"]) is False
    assert await client.call("auth.login_with_api_key", [HA_KEY]) is True
    assert (await client.call("system.info"))["hostname"] == "nas"


async def test_logout(client: RpcClient) -> None:
    assert await client.call("auth.logout") is True
    error = await client.error("system.info")
    assert error["data"]["reason"] == "[ENOTAUTHENTICATED] Not authenticated"


async def test_expired_key(connect: Connect, sim: LabSimulator) -> None:
    sim.state.users[0].api_keys[0].expires_at = sim.state.system.boottime
    client = await connect(login=None)
    assert await client.call("auth.login_ex", login_params()) == {"response_type": "EXPIRED"}


async def test_key_over_plain_ws_from_remote_is_revoked(
    connect: Connect, plain_sim: LabSimulator
) -> None:
    # Loopback over ws:// is fine (secure_transport counts loopback as secure).
    client = await connect(plain_sim)
    assert await client.call("core.ping") == "pong"
    await plain_sim.control("POST", "/control/remote_clients", {"enabled": True})
    trapped = await connect(plain_sim, login=None)
    watcher = client
    await watcher.call("core.subscribe", ["alert.list"])
    assert await trapped.call("auth.login_ex", login_params()) == {"response_type": "EXPIRED"}
    event = await watcher.event("alert.list", "added")
    assert event["fields"]["klass"] == "ApiKeyRevoked"
    assert event["fields"]["level"] == "WARNING"
    assert event["fields"]["args"] == {
        "name": "home-assistant",
        "reason": "Attempt to use over an insecure transport",
    }
    assert "home-assistant: API key has been revoked" in event["fields"]["formatted"]
    # The key is now dead everywhere, even over TLS or loopback.
    await plain_sim.control("POST", "/control/remote_clients", {"enabled": False})
    again = await connect(plain_sim, login=None)
    assert await again.call("auth.login_ex", login_params()) == {"response_type": "AUTH_ERR"}
    state = await plain_sim.control("GET", "/control/state")
    assert state["users"][HA_USER][0]["revoked"] is True


async def test_remote_client_over_tls_is_fine(connect: Connect, sim: LabSimulator) -> None:
    await sim.control("POST", "/control/remote_clients", {"enabled": True})
    client = await connect(login=None)
    assert (await client.login(HA_USER, HA_KEY))["response_type"] == "SUCCESS"


async def test_login_rate_limit(connect: Connect, sim: LabSimulator) -> None:
    client = await connect(login=None)
    for _ in range(20):
        assert (await client.call("auth.login_ex", login_params(api_key="1-x")))[
            "response_type"
        ] == "AUTH_ERR"
    error = await client.error("auth.login_ex", login_params())
    assert error["code"] == -32001
    assert error["data"]["error"] == 16
    assert error["data"]["errname"] == "EBUSY"
    assert error["data"]["reason"] == "[EBUSY] Rate Limit Exceeded"
    # Per method: the legacy login still has its own budget. Per origin: a new socket from the
    # same address does not reset it.
    assert await client.call("auth.login_with_api_key", [HA_KEY]) is True
    other = await connect(login=None)
    error = await other.error("auth.login_ex", login_params())
    assert error["data"]["errname"] == "EBUSY"
    # core.set_options is never rate limited; reset clears the counters.
    for _ in range(25):
        await other.call("core.set_options", [{}])
    await sim.control("POST", "/control/reset")
    assert (await other.login(HA_USER, HA_KEY))["response_type"] == "SUCCESS"


# ---------------------------------------------------------------- auth gate and errors


async def test_not_authenticated_error_shape(connect: Connect) -> None:
    client = await connect(login=None)
    reply = await client.request("pool.query", [])
    assert reply["id"] == 1
    assert reply["jsonrpc"] == "2.0"
    error = reply["error"]
    assert error["code"] == -32001
    assert error["message"] == "Method call error"
    data = error["data"]
    assert data["error"] == 207
    assert data["errname"] == "ENOTAUTHENTICATED"
    assert data["reason"] == "[ENOTAUTHENTICATED] Not authenticated"
    assert data["extra"] is None
    assert data["trace"]["class"] == "CallError"
    assert set(data["trace"]) == {"class", "frames", "formatted", "repr"}
    for method in ("core.subscribe", "core.get_jobs", "alert.list"):
        assert (await client.error(method))["data"]["errname"] == "ENOTAUTHENTICATED"


async def test_set_options_before_login(connect: Connect) -> None:
    client = await connect(login=None)
    assert await client.call("core.set_options", [{"legacy_jobs": False, "future": 1}]) == {
        "legacy_jobs": False,
        "private_methods": False,
        "py_exceptions": False,
    }
    error = await client.error("core.set_options", [{"py_exceptions": "yes"}])
    assert error["data"]["extra"] == [
        ["options.py_exceptions", "Input should be a valid boolean", 22]
    ]
    error = await client.error("core.set_options", [])
    assert error["data"]["extra"] == [["options", "Field required", 22]]


async def test_method_not_found(client: RpcClient) -> None:
    reply = await client.request("no.such.method", [])
    assert reply == {
        "jsonrpc": "2.0",
        "error": {"code": -32601, "message": "Method does not exist"},
        "id": reply["id"],
    }


# Methods a 25.10 box has, whose argument models first appear in API v25.10.0: on /api/v25.04.x
# ``LegacyAPIMethod`` cannot find them and answers ENOMETHOD (middleware tag TS-25.10.2).
NO_MODEL_IN_V25_04: Final = [
    ("system.info", []),
    ("system.host_id", []),
    ("boot.get_state", []),
    ("replication.run", [1]),
    ("cloudsync.sync", [1]),
    ("cloudsync.abort", [1]),
    ("pool.snapshot.create", [{}]),
    ("zfs.resource.query", [{}]),
]


async def test_methods_follow_the_api_version(connect: Connect, sim: LabSimulator) -> None:
    """A 25.10 box on /api/v25.04.2 refuses what v25.04 has no model for, with ENOMETHOD."""
    old = await connect(url=sim.versioned_url("v25.04.2"))
    # CoreSetOptionsArgs is in v25_04_0; its result there is null.
    assert await old.call("core.set_options", [{}]) is None
    for method, params in NO_MODEL_IN_V25_04:
        error = await old.error(method, params)
        assert error["code"] == -32001, method
        assert error["data"]["errname"] == "ENOMETHOD", method
        service, _, name = method.rpartition(".")
        assert error["data"]["reason"] == f"[ENOMETHOD] Method {name!r} not found in {service!r}"
    # Before login too: the model is looked up before anything else.
    anonymous = await connect(url=sim.versioned_url("v25.04.2"), login=None)
    error = await anonymous.error("auth.login_with_api_key", [HA_KEY])
    assert error["data"]["errname"] == "ENOMETHOD"
    # A method 25.10 does not have at all is unknown on every version.
    assert (await old.error("zfs.resource.snapshot.query", [{}]))["code"] == -32601
    new = await connect(url=sim.versioned_url("v25.10.0"))
    assert (await new.call("system.info"))["version"] == "25.10.2"
    assert await new.call("system.host_id")
    assert (await new.error("zfs.resource.snapshot.query", [{}]))["code"] == -32601


async def test_a_25_04_box_serves_them_on_v25_04(connect: Connect) -> None:
    """On a 25.04 box the same methods are old-style (no model) and served on v25.04.x."""
    async with LabSimulator(versioned_scenario("25.04.2")) as box:
        client = await connect(box, url=box.versioned_url("v25.04.2"))
        assert (await client.call("system.info"))["version"] == "25.04.2"
        assert await client.call("system.host_id")
        await client.call("boot.get_state")
        assert (await client.error("zfs.resource.query", [{}]))["code"] == -32601


async def test_not_authorized(client: RpcClient, admin: RpcClient) -> None:
    uuid = (await admin.call("alert.list"))[0]["uuid"]
    error = await client.error("alert.dismiss", [uuid])
    assert error["code"] == -32001
    assert error["data"]["error"] == 13
    assert error["data"]["errname"] == "EACCES"
    assert error["data"]["reason"] == "[EACCES] Not authorized"
    assert (await client.error("core.subscribe", ["*"]))["data"]["errname"] == "EACCES"


async def test_too_many_arguments(client: RpcClient) -> None:
    error = await client.error("system.info", [1])
    assert error["code"] == -32602
    assert error["data"]["extra"] == [["", "Too many arguments (expected 0, found 1)", 22]]


async def test_parse_errors(client: RpcClient) -> None:
    await client.send("{not json")
    reply = await asyncio.wait_for(client.orphans.get(), 5)
    assert reply["id"] is None
    assert reply["error"]["code"] == -32700
    assert "Expecting property name" in reply["error"]["message"]
    await client.send("[1, 2]")
    reply = await asyncio.wait_for(client.orphans.get(), 5)
    assert reply["error"] == {"code": -32700, "message": "Batch messages are not supported yet"}
    await client.send("42")
    reply = await asyncio.wait_for(client.orphans.get(), 5)
    assert reply["error"] == {"code": -32700, "message": "Invalid Message Format"}


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ({"method": "core.ping", "id": 1}, "'jsonrpc' is a required property"),
        ({"jsonrpc": "2.0", "id": 1}, "'method' is a required property"),
        ({"jsonrpc": "1.0", "method": "core.ping", "id": 1}, "'1.0' is not one of ['2.0']"),
        ({"jsonrpc": "2.0", "method": 5, "id": 1}, "5 is not of type 'string'"),
        (
            {"jsonrpc": "2.0", "method": "core.ping", "params": {}, "id": 1},
            "{} is not of type 'array'",
        ),
        (
            {"jsonrpc": "2.0", "method": "core.ping", "id": [1]},
            "[1] is not of type 'null', 'number', 'string'",
        ),
        (
            {"jsonrpc": "2.0", "method": "core.ping", "id": 1, "x": 1},
            "Additional properties are not allowed ('x' was unexpected)",
        ),
        (
            {"jsonrpc": "2.0", "method": "core.ping", "id": 1, "x": 1, "y": 2},
            "Additional properties are not allowed ('x', 'y' were unexpected)",
        ),
    ],
)
async def test_invalid_requests(
    client: RpcClient, message: dict[str, object], problem: str
) -> None:
    await client.send(message)
    reply = await asyncio.wait_for(client.orphans.get(), 5)
    assert reply == {"jsonrpc": "2.0", "error": {"code": -32600, "message": problem}, "id": None}


async def test_notification_without_id_still_answers(client: RpcClient) -> None:
    await client.send({"jsonrpc": "2.0", "method": "core.ping"})
    reply = await asyncio.wait_for(client.orphans.get(), 5)
    assert reply == {"jsonrpc": "2.0", "result": "pong", "id": None}


async def test_string_ids_are_echoed(client: RpcClient) -> None:
    await client.send({"jsonrpc": "2.0", "method": "core.ping", "id": "abc"})
    reply = await asyncio.wait_for(client.orphans.get(), 5)
    assert reply["id"] == "abc"


# ---------------------------------------------------------------- limits


async def test_message_too_big_before_login(connect: Connect) -> None:
    client = await connect(login=None)
    big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "core.ping", "params": ["x" * 8200]})
    await client.send(big)
    await asyncio.wait_for(client.closed.wait(), 5)
    assert client.ws.close_code == 1007
    # aiohttp keeps the close message only on the receive side; the code is what clients see.


async def test_message_just_under_the_anonymous_limit(connect: Connect) -> None:
    client = await connect(login=None)
    padding = "x" * (
        8192 - len(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "alert.list", "params": [""]}))
    )
    reply = await client.request("alert.list", [padding])
    assert reply["error"]["data"]["errname"] == "ENOTAUTHENTICATED"


async def test_message_too_big_after_login(client: RpcClient) -> None:
    # 40 KiB is fine once logged in...
    reply = await client.request("pool.query", [[["name", "=", "x" * 40000]]])
    assert reply["result"] == []
    # ...65 KiB is not: the socket is closed with 1009.
    await client.send(
        {
            "jsonrpc": "2.0",
            "id": 99,
            "method": "pool.query",
            "params": [[["name", "=", "x" * 66000]]],
        }
    )
    await asyncio.wait_for(client.closed.wait(), 5)
    assert client.ws.close_code == 1009


async def test_close_messages(sim: LabSimulator, http: aiohttp.ClientSession) -> None:
    """Read the close frames directly to check their text."""
    async with http.ws_connect(sim.url, ssl=sim.client_ssl_context() or False) as ws:
        await ws.send_str("x" * 9000)
        msg = await ws.receive()
        assert msg.type == aiohttp.WSMsgType.CLOSE
        assert msg.data == 1007
        assert msg.extra == "Anonymous connection max message length is 8 kB"
    async with http.ws_connect(sim.url, ssl=sim.client_ssl_context() or False) as ws:
        await ws.send_bytes(b"\x00\x01")
        msg = await ws.receive()
        assert msg.data == 1003
        assert msg.extra.startswith("Invalid websocket message type")
    async with http.ws_connect(sim.url, ssl=sim.client_ssl_context() or False) as ws:
        await ws.send_str(
            json.dumps(
                {"jsonrpc": "2.0", "id": 1, "method": "auth.login_ex", "params": login_params()}
            )
        )
        assert (await ws.receive_json())["result"]["response_type"] == "SUCCESS"
        await ws.send_str(
            json.dumps({"jsonrpc": "2.0", "id": 5, "method": "core.ping", "params": ["x" * 70000]})
        )
        msg = await ws.receive()
        assert msg.data == 1009
        assert msg.extra == "Max message length is 64 kB"


async def test_concurrent_call_limit(client: RpcClient, sim: LabSimulator) -> None:
    await sim.control("POST", "/control/delay", {"seconds": 0.3})
    replies = await asyncio.gather(*(client.request("core.ping", timeout=10) for _ in range(31)))
    errors = [r["error"] for r in replies if "error" in r]
    results = [r["result"] for r in replies if "result" in r]
    # 10 run and 10 wait (SoftHardSemaphore(10, 20)); the other 11 are refused at once.
    assert len(results) == 20
    assert len(errors) == 11
    assert errors[0] == {
        "code": -32000,
        "message": "Maximum number of concurrent calls (20) has exceeded",
    }
    # The refused calls are the last ones sent.
    assert all("error" in r for r in replies[20:])


async def test_a_call_waiting_for_a_slot_is_not_made_when_cancelled() -> None:
    """A connection closed while its call waits: the call's coroutine is never made.

    (It used to be made before the wait and dropped unawaited: a RuntimeWarning in the outage
    tests.)
    """
    semaphore = SoftHardSemaphore(1, 2)
    started, release = asyncio.Event(), asyncio.Event()
    made: list[str] = []

    async def call(name: str) -> None:
        made.append(name)
        started.set()
        await release.wait()

    assert semaphore.try_enter()
    assert semaphore.try_enter()
    first = asyncio.ensure_future(semaphore.run(lambda: call("first")))
    waiting = asyncio.ensure_future(semaphore.run(lambda: call("waiting")))
    await started.wait()
    await asyncio.sleep(0)  # the second call is now waiting for the slot
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await first
    assert made == ["first"]
    assert semaphore.counter == 0


async def test_calls_run_ten_at_a_time(client: RpcClient, sim: LabSimulator) -> None:
    await sim.control("POST", "/control/delay", {"seconds": 0.25})
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(client.call("core.ping") for _ in range(20)))
    # Two rounds of ten.
    assert loop.time() - started >= 0.45


# ---------------------------------------------------------------- subscriptions


async def test_subscribe_and_unsubscribe(client: RpcClient, sim: LabSimulator) -> None:
    ident = await client.call("core.subscribe", ["alert.list"])
    assert isinstance(ident, str)
    assert len(ident) == 36
    created = await sim.control(
        "POST", "/control/alerts", {"klass": "Test", "level": "INFO", "formatted": "hello"}
    )
    event = await client.event("alert.list")
    assert event["msg"] == "added"
    assert event["id"] == created["uuid"]
    assert event["fields"]["formatted"] == "hello"
    assert await client.call("core.unsubscribe", [ident]) is None
    await client.call("core.unsubscribe", ["not-a-subscription"])
    await sim.control("DELETE", f"/control/alerts/{created['uuid']}")
    await client.call("core.ping")
    assert client.drain() == []


async def test_unknown_event_is_refused_to_users_and_silent_for_admins(
    client: RpcClient, admin: RpcClient, sim: LabSimulator
) -> None:
    """As ``can_subscribe``: no role grants an unregistered name; FULL_ADMIN's ``*`` does."""
    for name in ("no.such.event", "pool.scan"):  # pool.scan is 26's name; this box is 25.10
        error = await client.error("core.subscribe", [name])
        assert error["code"] == -32001
        assert error["data"]["errname"] == "EACCES"
        assert error["data"]["reason"] == "[EACCES] Not authorized"
        ident = await admin.call("core.subscribe", [name])
        assert isinstance(ident, str)
    await sim.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 5})
    await asyncio.sleep(0.3)
    await admin.call("core.ping")
    # Accepted, never refused, and nothing arrives: scrub progress is zfs.pool.scan here.
    assert admin.drain() == []
    await sim.control("POST", "/control/pool/tank/scrub/cancel")


@pytest.mark.parametrize(
    ("version", "scan_event"), [("25.04.2", "zfs.pool.scan"), ("25.10.2", "zfs.pool.scan"),
                                ("26.0.0", "pool.scan")]
)  # fmt: skip
async def test_scan_event_name_follows_the_box(
    connect: Connect, version: str, scan_event: str
) -> None:
    """Scrub progress is zfs.pool.scan on 25.x and pool.scan on 26, on every API version."""
    other = "pool.scan" if scan_event == "zfs.pool.scan" else "zfs.pool.scan"
    async with LabSimulator(versioned_scenario(version)) as box:
        oldest = await connect(box, url=box.versioned_url("v25.04.0"))
        newest = await connect(box)
        for client in (oldest, newest):
            assert isinstance(await client.call("core.subscribe", [scan_event]), str)
            assert (await client.error("core.subscribe", [other]))["data"]["errname"] == "EACCES"
        await box.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 5})
        for client in (oldest, newest):
            event = await client.event(scan_event)
            assert event["fields"]["name"] == "tank"
            assert event["fields"]["scan"]["state"] == "SCANNING"
        await box.control("POST", "/control/pool/tank/scrub/cancel")


@pytest.mark.parametrize(
    ("roles", "granted"),
    [
        (["POOL_READ"], {"zfs.pool.scan", "pool.query", "core.get_jobs"}),
        (["POOL_SCRUB_READ"], {"zfs.pool.scan", "core.get_jobs"}),
        (["ALERT_LIST_READ", "APPS_WRITE"], {"alert.list", "app.query", "app.stats",
                                             "core.get_jobs"}),
        (["READONLY_ADMIN"], {"zfs.pool.scan", "pool.query", "alert.list", "app.query",
                              "app.stats", "core.get_jobs"}),
    ],
)  # fmt: skip
async def test_event_roles(
    connect: Connect, sim: LabSimulator, roles: list[str], granted: set[str]
) -> None:
    """Each event needs its role (or one that includes it); core.get_jobs needs none."""
    await sim.control("POST", f"/control/user/{HA_USER}/roles", {"roles": roles})
    client = await connect()
    for name in ("zfs.pool.scan", "pool.query", "alert.list", "app.query", "app.stats",
                 "core.get_jobs"):  # fmt: skip
        reply = await client.request("core.subscribe", [name])
        assert ("result" in reply) == (name in granted), (name, reply)


async def test_subscribe_validation(client: RpcClient) -> None:
    error = await client.error("core.subscribe", [5])
    assert error["data"]["extra"] == [["event", "Input should be a valid string", 22]]


async def test_wildcard_subscription(admin: RpcClient, sim: LabSimulator) -> None:
    await admin.call("core.subscribe", ["*"])
    await sim.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 5})
    event = await admin.event("zfs.pool.scan")
    assert event["fields"]["name"] == "tank"
    await sim.control("POST", "/control/pool/tank/scrub/cancel")


async def test_arguments_on_plain_events_match_nothing(
    client: RpcClient, sim: LabSimulator
) -> None:
    await client.call("core.subscribe", ["alert.list:{}"])
    await sim.control("POST", "/control/alerts", {"klass": "T", "level": "INFO", "formatted": "x"})
    await client.call("core.ping")
    assert client.drain() == []


async def test_events_only_to_subscribers(
    client: RpcClient, admin: RpcClient, sim: LabSimulator
) -> None:
    await client.call("core.subscribe", ["alert.list"])
    await sim.control("POST", "/control/alerts", {"klass": "T", "level": "INFO", "formatted": "x"})
    await client.event("alert.list", "added")
    await admin.call("core.ping")
    assert admin.drain() == []


async def test_admin_key_works(connect: Connect) -> None:
    client = await connect(login=ADMIN_USER, key=ADMIN_KEY)
    assert await client.call("core.ping") == "pong"
