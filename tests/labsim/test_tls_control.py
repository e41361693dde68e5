"""The simulator's certificate: its fingerprint, and a new one swapped in from the control API."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
import ssl

import aiohttp

from labsim import LabSimulator, Scenario
from tests.labsim.conftest import Connect


async def presented_sha256(sim: LabSimulator) -> str:
    """The SHA-256 of the certificate a fresh handshake sees."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    _reader, writer = await asyncio.open_connection("127.0.0.1", sim.port, ssl=context)
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    await writer.wait_closed()
    return hashlib.sha256(der).hexdigest()


async def test_replace_certificate(sim: LabSimulator, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sim.control_url}/control/tls") as response:
        before = await response.json()
    assert before == {"tls": True, "sha256": sim.certificate_sha256}
    assert await presented_sha256(sim) == before["sha256"]
    old_ca = sim.ca_file

    async with http.post(f"{sim.control_url}/control/tls/replace_certificate") as response:
        assert response.status == 200
        after = (await response.json())["sha256"]
    assert after != before["sha256"]
    assert await presented_sha256(sim) == after == sim.certificate_sha256
    # A new CA too, in a directory of its own: clients that trusted the old one refuse it.
    assert sim.ca_file != old_ca
    async with http.get(sim.versions_url, ssl=sim.client_ssl_context()) as response:
        assert response.status == 200
    old_trust = ssl.create_default_context(cafile=str(old_ca))
    try:
        async with http.get(sim.versions_url, ssl=old_trust):
            raise AssertionError("the old CA must not verify the new certificate")
    except aiohttp.ClientConnectorCertificateError:
        pass


async def test_replace_certificate_keeps_sockets_when_asked(
    sim: LabSimulator, connect: Connect, http: aiohttp.ClientSession
) -> None:
    client = await connect()
    async with http.post(
        f"{sim.control_url}/control/tls/replace_certificate", json={"drop_connections": False}
    ) as response:
        assert response.status == 200
    assert (await client.call("core.ping")) == "pong"
    async with http.post(f"{sim.control_url}/control/tls/replace_certificate") as response:
        assert response.status == 200
    async with asyncio.timeout(5):
        while True:  # by default the sockets are cut, as the NAS's web server restart would
            async with http.get(f"{sim.control_url}/control/state") as response:
                if (await response.json())["connections"] == 0:
                    break
            await asyncio.sleep(0.02)


async def test_plain_simulator_has_no_certificate(
    plain_sim: LabSimulator, http: aiohttp.ClientSession
) -> None:
    assert plain_sim.certificate_sha256 is None
    async with http.get(f"{plain_sim.control_url}/control/tls") as response:
        assert await response.json() == {"tls": False, "sha256": None}
    async with http.post(f"{plain_sim.control_url}/control/tls/replace_certificate") as response:
        assert response.status == 409


async def test_replace_certificate_in_a_given_directory(scenario: Scenario, tmp_path: Path) -> None:
    async with LabSimulator(scenario, cert_dir=tmp_path) as sim:
        before = (tmp_path / "cert.pem").read_bytes()
        await sim.replace_certificate()
        assert (tmp_path / "cert.pem").read_bytes() != before
        assert sim.ca_file == tmp_path / "ca.pem"
