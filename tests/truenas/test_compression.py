"""permessage-deflate on the TrueNAS socket (RFC 7692), against the simulator over loopback.

The middleware serves `/api/current` with aiohttp's `WebSocketResponse()`, whose default
(`compress=True`) accepts the extension when a client offers it; the simulator does the same.
The client offers it, and works on without it when a server does not answer the offer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
import pytest

from custom_components.homelab.clients.truenas import TrueNASClient
from custom_components.homelab.clients.truenas.client import WS_COMPRESS
from tests.common import LabHandle

pytestmark = pytest.mark.usefixtures("socket_enabled")

EXTENSIONS = "Sec-WebSocket-Extensions"


@dataclass
class Handshake:
    """The headers of the WebSocket upgrade, as the client sent and received them."""

    sent: CIMultiDict[str] = field(default_factory=CIMultiDict)
    received: CIMultiDictProxy[str] | None = None


@pytest.fixture
def handshake() -> Handshake:
    return Handshake()


@pytest.fixture
async def session(handshake: Handshake) -> AsyncIterator[aiohttp.ClientSession]:
    async def on_start(
        _session: aiohttp.ClientSession, _context: SimpleNamespace, params: Any
    ) -> None:
        if params.headers.get("Upgrade", "").lower() == "websocket":
            handshake.sent = CIMultiDict(params.headers)

    async def on_end(
        _session: aiohttp.ClientSession, _context: SimpleNamespace, params: Any
    ) -> None:
        if params.response.status == 101:
            handshake.received = params.response.headers

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        yield session


def make_client(lab: LabHandle, session: aiohttp.ClientSession) -> TrueNASClient:
    return TrueNASClient(
        "127.0.0.1",
        port=lab.port,
        username=lab.username,
        api_key=lab.api_key,
        session=session,
        ssl_context=lab.ssl_context(),
    )


def server_compress(lab: LabHandle) -> list[int | bool]:
    """What each of the simulator's open sockets negotiated."""
    rpc = lab.simulator._rpc
    assert rpc is not None
    return [session.ws.compress for session in list(rpc.sessions)]


async def test_client_negotiates_permessage_deflate(
    lab: LabHandle, session: aiohttp.ClientSession, handshake: Handshake
) -> None:
    async with make_client(lab, session) as client:
        assert handshake.sent.get(EXTENSIONS, "").startswith("permessage-deflate")
        assert handshake.received is not None
        assert handshake.received.get(EXTENSIONS, "").startswith("permessage-deflate")
        assert client._ws is not None
        assert client._ws.compress == WS_COMPRESS == 15
        assert server_compress(lab) == [15]
        # Large replies and pushed events come through the compressed socket intact.
        datasets = await client.call("pool.dataset.query", [[], {"select": ["id"]}])
        assert datasets
        assert all(isinstance(row["id"], str) for row in datasets)
        assert (await client.system_info()).hostname == "nas"


class RefusingResponse(web.WebSocketResponse):
    """A server that never answers the permessage-deflate offer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["compress"] = False
        super().__init__(*args, **kwargs)


async def test_server_refusing_compression_still_works(
    lab: LabHandle,
    session: aiohttp.ClientSession,
    handshake: Handshake,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The simulator builds its WebSocketResponse through `aiohttp.web` at each connection.
    monkeypatch.setattr(web, "WebSocketResponse", RefusingResponse)
    async with make_client(lab, session) as client:
        assert handshake.sent.get(EXTENSIONS, "").startswith("permessage-deflate")
        assert handshake.received is not None
        assert EXTENSIONS not in handshake.received
        assert client._ws is not None
        assert client._ws.compress == 0
        assert server_compress(lab) == [0]
        datasets = await client.call("pool.dataset.query", [[], {"select": ["id"]}])
        assert datasets
        assert (await client.system_info()).hostname == "nas"
