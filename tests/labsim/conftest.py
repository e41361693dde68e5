"""Fixtures for the simulator's own tests: a simulator on loopback and raw RPC clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import ssl

import aiohttp
import pytest

from labsim import LabSimulator, Scenario, load_scenario
from tests.labsim.rpc_client import RpcClient

HA_USER = "ha-svc"
HA_KEY = "1-HgiKXSjjarvO0oeFGPRMbw60yPcKiRvgq1GZbyb5uNckOmw1W2IsivGfH6dBBy4m"
ADMIN_USER = "truenas_admin"
ADMIN_KEY = "2-n96qvlShGk0wCrPw76qNteuCVG5BsLdX4OcJO86dk912QBrTVzLvmcw24LoNx1iy"

type Connect = Callable[..., Awaitable[RpcClient]]


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Allow real sockets (the Home Assistant plugin blocks them; connect stays loopback-only)."""


@pytest.fixture
def scenario() -> Scenario:
    """The seed lab, with fast scrub events so tests stay short."""
    lab = load_scenario()
    lab.settings.scan_event_interval_seconds = 0.05
    return lab


@pytest.fixture
async def sim(scenario: Scenario) -> AsyncIterator[LabSimulator]:
    """The simulator over wss://, on this test's event loop."""
    async with LabSimulator(scenario) as simulator:
        yield simulator


@pytest.fixture
async def plain_sim(scenario: Scenario) -> AsyncIterator[LabSimulator]:
    """The simulator over plain ws://."""
    async with LabSimulator(scenario, tls=False) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def trusting(simulator: LabSimulator) -> ssl.SSLContext | None:
    return simulator.client_ssl_context()


@pytest.fixture
async def connect(sim: LabSimulator, http: aiohttp.ClientSession) -> AsyncIterator[Connect]:
    """Open RPC connections (to `sim` unless told otherwise); all closed at teardown."""
    clients: list[RpcClient] = []

    async def _connect(
        simulator: LabSimulator | None = None,
        *,
        url: str | None = None,
        login: str | None = HA_USER,
        key: str | None = None,
    ) -> RpcClient:
        target = simulator or sim
        ws = await http.ws_connect(url or target.url, ssl=trusting(target) or False)
        client = RpcClient(ws)
        clients.append(client)
        if login is not None:
            result = await client.login(login, key or (HA_KEY if login == HA_USER else ADMIN_KEY))
            assert result["response_type"] == "SUCCESS", result
        return client

    yield _connect
    for client in clients:
        await client.close()


@pytest.fixture
async def client(connect: Connect) -> RpcClient:
    """A connection logged in as ha-svc (READONLY_ADMIN and a few write roles)."""
    return await connect()


@pytest.fixture
async def admin(connect: Connect) -> RpcClient:
    """A connection logged in as the FULL_ADMIN user."""
    return await connect(login=ADMIN_USER)
