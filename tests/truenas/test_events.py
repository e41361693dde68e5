"""Event names per release, refused subscriptions, and methods a legacy API version lacks.

The facts come from the middleware's release sources (TS-25.04.2.6, TS-25.10.2,
TS-26.0.0-BETA.3); see `custom_components/homelab/truenas/events.py` and `labsim/events.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.homelab.clients.truenas import (
    SCAN_EVENT,
    ConnectionState,
    Event,
    TrueNASClient,
    TrueNASMethodNotFoundError,
)
from custom_components.homelab.clients.truenas.events import event_role, server_event_name
from tests.backups_lab import release_lab
from tests.common import LabHandle, wait_for

pytestmark = pytest.mark.usefixtures("socket_enabled")

# (release of the box, the API version the client pins there, the scrub progress event)
RELEASES = [
    ("25.04.2", "v25.04.2", "zfs.pool.scan"),
    ("25.10.2", "v25.10.2", "zfs.pool.scan"),
    ("26.0.0", "v26.0.0", "pool.scan"),
]


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
        "ssl_context": lab.ssl_context(),
        "reconnect_min_delay": 0.05,
        "reconnect_max_delay": 0.2,
    }
    options.update(kwargs)
    return TrueNASClient("127.0.0.1", **options)  # type: ignore[arg-type]


def test_names_and_roles() -> None:
    assert server_event_name(SCAN_EVENT, (25, 4)) == "zfs.pool.scan"
    assert server_event_name(SCAN_EVENT, (25, 10)) == "zfs.pool.scan"
    assert server_event_name(SCAN_EVENT, (26, 0)) == "pool.scan"
    assert server_event_name(SCAN_EVENT, (27, 0)) == "pool.scan"
    assert server_event_name(SCAN_EVENT, None) == "pool.scan"
    assert server_event_name("alert.list", (25, 4)) == "alert.list"
    assert event_role("zfs.pool.scan") == event_role("pool.scan") == "POOL_SCRUB_READ"
    assert event_role('app.stats:{"interval": 10}') == "APPS_READ"
    assert event_role("core.get_jobs") is None
    assert event_role("something.new") == "READONLY_ADMIN"


@pytest.mark.parametrize(("version", "pinned", "scan_event"), RELEASES)
async def test_scan_events_arrive_on_each_release(
    session: aiohttp.ClientSession, version: str, pinned: str, scan_event: str
) -> None:
    """The pinned API version names the event: progress arrives with READONLY_ADMIN alone."""
    events: list[Event] = []
    with release_lab(version, roles=["READONLY_ADMIN"]) as lab:
        async with make_client(lab, session, api_version=pinned) as client:
            await client.subscribe(SCAN_EVENT, events.append)
            assert not client.subscription_denied(SCAN_EVENT)
            assert list(client.subscriptions) == [scan_event]
            await lab.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 3})
            await wait_for(lambda: any(e.fields["scan"]["state"] == "FINISHED" for e in events))
            assert {event.collection for event in events} == {scan_event}
            assert any(0 < e.fields["scan"]["percentage"] < 100 for e in events)
        subscribed = [c["params"] for c in await lab.calls() if c["method"] == "core.subscribe"]
        assert subscribed == [[scan_event]]


async def test_unpinned_client_names_events_by_the_software_version(
    session: aiohttp.ClientSession,
) -> None:
    with release_lab("25.10.2") as lab:
        async with make_client(lab, session) as client:
            assert client.api_version == "current"
            assert client.event_name(SCAN_EVENT) == "pool.scan"  # unknown yet
            await client.system_info()
            assert client.event_name(SCAN_EVENT) == "zfs.pool.scan"


async def test_a_refused_subscription_is_reported_and_retried(
    session: aiohttp.ClientSession,
) -> None:
    """EACCES on core.subscribe does not raise; each reconnect tries again."""
    seen: list[tuple[str, bool]] = []
    states: list[ConnectionState] = []
    events: list[Event] = []
    with release_lab("25.10.2", roles=["ALERT_LIST_READ", "SYSTEM_GENERAL_READ"]) as lab:
        async with make_client(lab, session, api_version="v25.10.2") as client:
            client.add_subscription_listener(lambda name, denied: seen.append((name, denied)))
            client.add_connection_listener(states.append)
            await client.subscribe("alert.list", lambda _event: None)
            await client.subscribe(SCAN_EVENT, events.append)
            assert client.subscription_denied(SCAN_EVENT)
            assert not client.subscription_denied("alert.list")
            assert seen == [("zfs.pool.scan", True)]
            assert client.subscriptions == {"alert.list": client.subscriptions["alert.list"],
                                            "zfs.pool.scan": None}  # fmt: skip
            # Still refused on a reconnect: the reconnect itself succeeds.
            await lab.control("POST", "/control/drop_connections")
            await wait_for(lambda: states[-1:] == [ConnectionState.CONNECTED] and len(seen) == 2)
            assert seen[-1] == ("zfs.pool.scan", True)
            # The role given (POOL_READ includes POOL_SCRUB_READ): the next reconnect subscribes.
            await lab.control(
                "POST", f"/control/user/{lab.username}/roles", {"roles": ["POOL_READ"]}
            )
            await lab.control("POST", "/control/drop_connections")
            await wait_for(lambda: seen[-1] == ("zfs.pool.scan", False))
            assert not client.subscription_denied(SCAN_EVENT)
            await lab.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 3})
            await wait_for(lambda: bool(events))
            assert events[0].collection == "zfs.pool.scan"


async def test_refused_subscription_is_not_a_missing_method_role(
    session: aiohttp.ClientSession,
) -> None:
    denied_methods: list[str] = []
    with release_lab("26.0.0", roles=["SYSTEM_GENERAL_READ"]) as lab:
        async with make_client(lab, session, api_version="v26.0.0") as client:
            client.add_denied_listener(denied_methods.append)
            await client.subscribe(SCAN_EVENT, lambda _event: None)
            assert client.subscription_denied(SCAN_EVENT)
    assert denied_methods == []


@pytest.mark.parametrize(
    "method", ["system.info", "system.host_id", "boot.get_state", "zfs.resource.query"]
)
async def test_methods_a_legacy_api_version_lacks(
    session: aiohttp.ClientSession, method: str
) -> None:
    """A 25.10 box answers ENOMETHOD on /api/v25.04.2: the client calls that method-not-found.

    Home Lab itself pins the newest version a box serves, so it never speaks v25.04 to it.
    """
    with release_lab("25.10.2") as lab:
        async with make_client(lab, session, api_version="v25.04.2") as client:
            with pytest.raises(TrueNASMethodNotFoundError) as info:
                await client.call(method, [{}] if method == "zfs.resource.query" else [])
            assert info.value.errname == "ENOMETHOD"
            assert info.value.code == -32001
