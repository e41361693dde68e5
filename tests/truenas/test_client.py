"""The TrueNAS client against the real simulator over loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from unittest.mock import AsyncMock, patch

import aiohttp
import pytest

from custom_components.homelab.clients.truenas import (
    ConnectionState,
    Event,
    TrueNASAuthenticationError,
    TrueNASCallError,
    TrueNASClient,
    TrueNASConnectionError,
    TrueNASError,
    TrueNASInsecureTransportError,
    TrueNASMethodNotFoundError,
    TrueNASSSLError,
    TrueNASTimeoutError,
    is_loopback,
)
from tests.common import LabHandle, wait_for

# Real loopback sockets (pytest-socket still refuses any other host).
pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def make_client(lab: LabHandle, session: aiohttp.ClientSession, **kwargs: object) -> TrueNASClient:
    options: dict[str, object] = {
        "port": lab.port,
        "username": lab.username,
        "api_key": lab.api_key,
        "session": session,
        "reconnect_min_delay": 0.05,
        "reconnect_max_delay": 0.2,
    }
    options.update(kwargs)
    if "ssl_context" not in options:
        options["ssl_context"] = lab.ssl_context()
    return TrueNASClient("127.0.0.1", **options)  # type: ignore[arg-type]


async def test_login_over_verified_tls(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    async with make_client(lab, session) as client:
        assert client.connected
        info = await client.system_info()
        assert info.hostname == "nas"
        assert info.boottime is not None
        assert await client.host_id()


async def test_untrusted_certificate_is_an_ssl_error(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    client = make_client(lab, session, ssl_context=None, verify_ssl=True)
    with pytest.raises(TrueNASSSLError):
        await client.connect()
    with pytest.raises(TrueNASSSLError):
        await client.api_versions()


async def test_verification_off_accepts_self_signed(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    async with make_client(lab, session, ssl_context=None, verify_ssl=False) as client:
        versions = await client.api_versions()
        assert versions
        assert all(version.startswith("v") for version in versions)


async def test_wrong_key_is_an_authentication_error(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    client = make_client(lab, session, api_key="1-" + "x" * 64)
    with pytest.raises(TrueNASAuthenticationError) as err:
        await client.connect()
    assert err.value.response_type == "AUTH_ERR"
    assert not client.connected


async def test_nothing_listening_is_a_connection_error(session: aiohttp.ClientSession) -> None:
    client = TrueNASClient(
        "127.0.0.1", port=9, username="u", api_key="k", session=session, connect_timeout=2
    )
    with pytest.raises(TrueNASConnectionError):
        await client.connect()
    with pytest.raises(TrueNASConnectionError):
        await client.api_versions()


async def test_plain_ws_to_loopback_is_allowed(
    plain_lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    async with make_client(plain_lab, session, use_ssl=False, ssl_context=None) as client:
        assert str(client.ws_url).startswith("ws://127.0.0.1:")
        assert (await client.system_info()).hostname == "nas"


async def test_key_never_sent_over_plain_ws_to_remote_host() -> None:
    session = AsyncMock(spec=aiohttp.ClientSession)
    client = TrueNASClient(
        "192.0.2.10", use_ssl=False, username="u", api_key="1-secret", session=session
    )
    with pytest.raises(TrueNASInsecureTransportError):
        await client.connect()
    # Refused before any byte: the session was never asked to connect.
    session.ws_connect.assert_not_called()
    session.get.assert_not_called()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("192.168.1.2", False),
        ("nas.local", False),
        ("10.0.0.1", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


async def test_calls_and_errors(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    async with make_client(lab, session) as client:
        with pytest.raises(TrueNASMethodNotFoundError) as missing:
            await client.call("no.such.method")
        assert missing.value.code == -32601
        with pytest.raises(TrueNASCallError) as invalid:
            await client.query("pool.query", [["name", "=", "tank"]], get=True, limit="x")  # type: ignore[arg-type]
        assert invalid.value.code in (-32602, -32001)
        with pytest.raises(TrueNASCallError):
            await client.query("pool.query", [["name", "=", "nope"]], get=True)


async def test_query_options(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    async with make_client(lab, session) as client:
        # boot-pool is not part of pool.query, as on a real TrueNAS.
        assert await client.query("pool.query", count=True) == 1
        apps = [["id", "^", "tank/applications/"]]
        extra = {"retrieve_children": False, "properties": ["used"]}
        names = await client.query(
            "pool.dataset.query", apps, select=["id"], order_by=["-id"], extra=extra
        )
        assert len(names) == 10
        assert names[0] == {"id": "tank/applications/vikunja"}
        page = await client.query(
            "pool.dataset.query", apps, select=["id"], order_by=["id"], limit=2, offset=1
        )
        assert page == [{"id": "tank/applications/n8n"}, {"id": "tank/applications/nextcloud"}]
        tank = await client.query("pool.query", [["name", "=", "tank"]], get=True)
        assert tank["name"] == "tank"


async def test_pools_are_typed(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    async with make_client(lab, session) as client:
        pools = {pool.name: pool for pool in await client.pools()}
    tank = pools["tank"]
    assert tank.status == "ONLINE"
    assert tank.healthy
    assert len(list(tank.disks())) == 4
    assert tank.disks_not_online == 0
    assert tank.used_percent is not None
    assert 0 < tank.used_percent < 100
    assert tank.scan is not None
    assert tank.scan.function == "SCRUB"


async def test_alerts_are_typed(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    async with make_client(lab, session) as client:
        alerts = await client.alerts()
    assert alerts
    assert all(alert.uuid and alert.level for alert in alerts)


async def test_subscription_events(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    events: list[Event] = []
    async with make_client(lab, session) as client:
        unsubscribe = await client.subscribe("alert.list", events.append)
        assert "alert.list" in client.subscriptions
        uuid = (
            await lab.control(
                "POST",
                "/control/alerts",
                {"klass": "Test", "level": "WARNING", "formatted": "hello"},
            )
        )["uuid"]
        await wait_for(lambda: any(e.msg == "added" for e in events))
        await lab.control("DELETE", f"/control/alerts/{uuid}")
        await wait_for(lambda: any(e.msg == "removed" and e.id == uuid for e in events))
        await unsubscribe()
        await unsubscribe()  # a second call is harmless
        assert "alert.list" not in client.subscriptions


async def test_reconnects_and_restores_subscriptions(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    states: list[ConnectionState] = []
    events: list[Event] = []
    async with make_client(lab, session) as client:
        remove = client.add_connection_listener(states.append)
        await client.subscribe("alert.list", events.append)
        await lab.control("POST", "/control/drop_connections")
        await wait_for(lambda: ConnectionState.DISCONNECTED in states)
        with pytest.raises(TrueNASConnectionError):
            await client.system_info()
        await wait_for(lambda: client.connected)
        assert states == [ConnectionState.DISCONNECTED, ConnectionState.CONNECTED]
        # Events flow again on the new socket.
        await lab.control(
            "POST", "/control/alerts", {"klass": "Test", "level": "INFO", "formatted": "x"}
        )
        await wait_for(lambda: bool(events))
        remove()
    subscribes = [c for c in await lab.calls() if c["method"] == "core.subscribe"]
    assert len(subscribes) == 2  # once per connection, no duplicates


async def test_revoked_key_during_reconnect_reports_auth_failure(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    states: list[ConnectionState] = []
    async with make_client(lab, session) as client:
        client.add_connection_listener(states.append)
        await lab.control("POST", "/control/revoke_key", {"username": lab.username})
        await wait_for(lambda: ConnectionState.AUTH_FAILED in states)
        assert not client.connected


async def test_slow_reply_times_out(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    async with make_client(lab, session, request_timeout=0.3) as client:
        await lab.control("POST", "/control/delay", {"seconds": 1})
        with pytest.raises(TrueNASTimeoutError):
            await client.system_info()
        await lab.control("POST", "/control/delay", {"seconds": 0})


async def test_never_more_than_ten_calls_in_flight(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    async with make_client(lab, session) as client:
        await lab.control("POST", "/control/delay", {"seconds": 0.2})
        results = await asyncio.gather(*(client.system_info() for _ in range(35)))
        await lab.control("POST", "/control/delay", {"seconds": 0})
    # The server would answer -32000 past 10 running + 20 queued; the client never gets there.
    assert len(results) == 35


async def test_request_too_large_is_refused(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    async with make_client(lab, session) as client:
        with pytest.raises(TrueNASError, match="larger"):
            await client.query("pool.query", [["name", "in", ["x" * 70000]]])


async def test_call_before_connect_fails(session: aiohttp.ClientSession) -> None:
    client = TrueNASClient("127.0.0.1", username="u", api_key="k", session=session)
    with pytest.raises(TrueNASConnectionError):
        await client.call("system.info")


async def test_listener_errors_are_contained(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    def broken(_state: ConnectionState) -> None:
        raise RuntimeError

    def broken_event(_event: Event) -> None:
        raise RuntimeError

    async with make_client(lab, session) as client:
        client.add_connection_listener(broken)
        await client.subscribe("alert.list", broken_event)
        await lab.control(
            "POST", "/control/alerts", {"klass": "T", "level": "INFO", "formatted": "x"}
        )
        await lab.control("POST", "/control/drop_connections")
        await wait_for(lambda: client.connected is False)
        await wait_for(lambda: client.connected)


async def test_websocket_upgrade_refused(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    client = make_client(lab, session, api_version="v1.0.0")
    with pytest.raises(TrueNASConnectionError, match="refused"):
        await client.connect()


async def test_timeout_during_connect(session: aiohttp.ClientSession) -> None:
    with patch.object(session, "ws_connect", side_effect=TimeoutError):
        client = TrueNASClient("127.0.0.1", username="u", api_key="k", session=session)
        with pytest.raises(TrueNASConnectionError):
            await client.connect()


async def test_hung_server_is_dropped_and_rejoined(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    """Pings answered, calls not: the liveness check drops the socket; back once calls are."""
    states: list[ConnectionState] = []
    async with make_client(lab, session, liveness_interval=0.1, liveness_timeout=1.0) as client:
        client.add_connection_listener(states.append)
        await lab.control("POST", "/control/hang", {"seconds": 3600})
        await wait_for(lambda: ConnectionState.DISCONNECTED in states)
        assert not client.connected
        await lab.control("POST", "/control/hang", {"seconds": 0})
        await wait_for(lambda: client.connected)
        assert states[-2:] == [ConnectionState.DISCONNECTED, ConnectionState.CONNECTED]
        assert (await client.system_info()).hostname == "nas"


async def test_liveness_check_goes_past_a_full_call_queue(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    """Ten slow calls hold every slot: the liveness check is still sent (and answered)."""
    async with make_client(lab, session, liveness_interval=0.05, liveness_timeout=5) as client:
        await lab.control("POST", "/control/delay", {"seconds": 0.5})
        calls = asyncio.gather(*(client.system_info() for _ in range(12)))
        await wait_for(lambda: len(client._pending) >= 11)  # 10 slots + the liveness check
        await calls
        await lab.control("POST", "/control/delay", {"seconds": 0})
        assert client.connected


def test_backoff_stays_short() -> None:
    """However long the outage, the next attempt is at most 2 s away (default cap)."""
    client = TrueNASClient("127.0.0.1", username="u", api_key="k", session=None)  # type: ignore[arg-type]
    assert max(client._backoff(attempt) for attempt in range(100)) <= 2.0
    assert client._backoff(0) <= 0.5


async def test_login_rate_limit_waits_out_its_window(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    """EBUSY from the login rate limit: the next attempt waits a minute, not the short backoff."""
    async with make_client(lab, session) as client:
        await lab.control("POST", "/control/settings", {"login_rate_limit": 0})
        await lab.control("POST", "/control/drop_connections")
        await wait_for(
            lambda: (
                client.retry_at is not None
                and client.retry_at - asyncio.get_running_loop().time() > 30
            )
        )
        assert not client.connected
