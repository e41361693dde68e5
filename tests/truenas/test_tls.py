"""Certificate pinning in the client, over real loopback TLS against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import socket

import aiohttp
import pytest

from custom_components.homelab.clients.truenas import (
    ConnectionState,
    TrueNASCertificateChangedError,
    TrueNASClient,
    TrueNASConnectionError,
    TrueNASSSLError,
    fetch_certificate_sha256,
    format_fingerprint,
    normalize_fingerprint,
)
from tests.common import LabHandle, wait_for

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def served_sha256(lab: LabHandle) -> str:
    sha256 = (await lab.control("GET", "/control/tls"))["sha256"]
    assert isinstance(sha256, str)
    return sha256


def pinned_client(
    lab: LabHandle, session: aiohttp.ClientSession, sha256: str | None
) -> TrueNASClient:
    # verify_ssl=True would refuse the self-signed certificate: only the pin lets it through.
    return TrueNASClient(
        "127.0.0.1",
        port=lab.port,
        username=lab.username,
        api_key=lab.api_key,
        session=session,
        verify_ssl=True,
        certificate_sha256=sha256,
        reconnect_min_delay=0.05,
        reconnect_max_delay=0.1,
    )


async def login_calls(lab: LabHandle) -> int:
    return sum(call["method"] == "auth.login_ex" for call in await lab.calls())


def test_fingerprint_formats() -> None:
    sha256 = "0a" * 32
    assert format_fingerprint(sha256) == ":".join(["0A"] * 32)
    assert normalize_fingerprint(format_fingerprint(sha256)) == sha256
    assert normalize_fingerprint(f" {sha256.upper()} ") == sha256
    for bad in ("0a" * 20, "zz" * 32, ""):
        with pytest.raises(ValueError, match="SHA-256"):
            normalize_fingerprint(bad)


async def test_fetch_reads_the_served_certificate_and_sends_nothing(lab: LabHandle) -> None:
    await lab.control("DELETE", "/control/calls")
    assert await fetch_certificate_sha256("127.0.0.1", lab.port, 5) == await served_sha256(lab)
    assert await lab.calls() == []


async def test_fetch_errors(lab: LabHandle, plain_lab: LabHandle) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(TrueNASConnectionError):
        await fetch_certificate_sha256("127.0.0.1", port, 2)
    # A server that does not speak TLS.
    with pytest.raises(TrueNASSSLError):
        await fetch_certificate_sha256("127.0.0.1", plain_lab.port, 2)


async def test_the_right_pin_connects(lab: LabHandle, session: aiohttp.ClientSession) -> None:
    async with pinned_client(lab, session, await served_sha256(lab)) as client:
        assert client.connected
        assert await client.api_versions()
        assert (await client.system_info()).hostname == "nas"


async def test_a_wrong_pin_never_sends_the_key(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    await lab.control("DELETE", "/control/calls")
    client = pinned_client(lab, session, "ab" * 32)
    with pytest.raises(TrueNASCertificateChangedError) as raised:
        await client.connect()
    assert raised.value.expected == "ab" * 32
    assert raised.value.presented == await served_sha256(lab)
    with pytest.raises(TrueNASCertificateChangedError):
        await client.api_versions()
    assert await lab.calls() == []
    await client.close()


async def test_a_replaced_certificate_stops_the_client(
    lab: LabHandle, session: aiohttp.ClientSession
) -> None:
    old = await served_sha256(lab)
    states: list[ConnectionState] = []
    async with pinned_client(lab, session, old) as client:
        client.add_connection_listener(states.append)
        await lab.control("DELETE", "/control/calls")
        new = (await lab.control("POST", "/control/tls/replace_certificate"))["sha256"]
        assert new != old
        await wait_for(lambda: ConnectionState.CERTIFICATE_CHANGED in states)
        assert not client.connected
        assert client.certificate_error is not None
        assert client.certificate_error.expected == old
        assert client.certificate_error.presented == new
        # Stopped: no reconnect is scheduled (backoff here is 50-100 ms), and the key never went
        # to the new server.
        await asyncio.sleep(0.5)
        assert client.retry_at is None
        assert await login_calls(lab) == 0
        assert states == [ConnectionState.DISCONNECTED, ConnectionState.CERTIFICATE_CHANGED]
