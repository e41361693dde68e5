"""LabSimulator: routes, TLS, binding rules, the thread runner; plus EJSON and certificates."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
import ssl

import aiohttp
import pytest

from labsim import ControlError, LabSimulator, Scenario, ejson, load_scenario
from labsim.server import is_loopback
from labsim.tls import ensure_certificates
from tests.labsim.conftest import HA_KEY, HA_USER
from tests.labsim.rpc_client import RpcClient

VERSIONS = ["v25.04.0", "v25.04.1", "v25.04.2", "v25.10.0", "v25.10.1", "v25.10.2"]


async def test_urls(sim: LabSimulator) -> None:
    assert sim.url == f"wss://127.0.0.1:{sim.port}/api/current"
    assert sim.versioned_url("v25.10.2") == f"wss://127.0.0.1:{sim.port}/api/v25.10.2"
    assert sim.versions_url == f"https://127.0.0.1:{sim.port}/api/versions"
    assert sim.control_url == f"http://127.0.0.1:{sim.control_port}"
    assert sim.ca_file is not None
    assert sim.ca_file.name == "ca.pem"
    assert sim.port != sim.control_port


async def test_plain_urls(plain_sim: LabSimulator) -> None:
    assert plain_sim.url.startswith("ws://127.0.0.1:")
    assert plain_sim.versions_url.startswith("http://")
    assert plain_sim.ca_file is None
    assert plain_sim.client_ssl_context() is None


async def test_versions(sim: LabSimulator, http: aiohttp.ClientSession) -> None:
    async with http.get(sim.versions_url, ssl=sim.client_ssl_context()) as response:
        assert response.status == 200
        assert await response.json() == VERSIONS


async def test_pinned_and_unknown_versions(sim: LabSimulator, http: aiohttp.ClientSession) -> None:
    context = sim.client_ssl_context()
    async with http.ws_connect(sim.versioned_url("v25.04.0"), ssl=context) as ws:
        client = RpcClient(ws)
        assert (await client.login(HA_USER, HA_KEY))["response_type"] == "SUCCESS"
        await client.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await http.ws_connect(sim.versioned_url("v24.10.0"), ssl=context)
    assert info.value.status == 404
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await http.ws_connect(sim.url.replace("/api/current", "/websocket"), ssl=context)
    assert info.value.status == 404


async def test_tls_verification(sim: LabSimulator, http: aiohttp.ClientSession) -> None:
    # Verified with the simulator's CA...
    verified = ssl.create_default_context(cafile=str(sim.ca_file))
    async with http.get(sim.versions_url, ssl=verified) as response:
        assert response.status == 200
    # ...by name too (the certificate also covers "localhost")...
    async with http.get(sim.versions_url, ssl=verified, server_hostname="localhost") as resp:
        assert resp.status == 200
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await http.get(sim.versions_url, ssl=verified, server_hostname="nas.example")
    # ...refused with the system trust store...
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await http.get(sim.versions_url, ssl=ssl.create_default_context())
    # ...and fine without verification.
    async with http.get(sim.versions_url, ssl=False) as response:
        assert response.status == 200


async def test_plain_http_to_tls_port_fails(sim: LabSimulator, http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.ClientError):
        await http.get(sim.versions_url.replace("https://", "http://"))


async def test_cert_dir(scenario: Scenario, tmp_path: Path) -> None:
    async with LabSimulator(scenario, cert_dir=tmp_path / "certs") as sim:
        assert sim.ca_file == tmp_path / "certs" / "ca.pem"
        assert (tmp_path / "certs" / "key.pem").stat().st_mode & 0o777 == 0o600


def test_certificates_are_cached(tmp_path: Path) -> None:
    first = ensure_certificates(tmp_path)
    assert ensure_certificates(tmp_path) == first
    ca = first.ca_file.read_bytes()
    assert ensure_certificates(tmp_path).ca_file.read_bytes() == ca
    first.cert_file.unlink()
    regenerated = ensure_certificates(tmp_path)
    assert regenerated.cert_file.exists()
    assert regenerated.ca_file.read_bytes() != ca
    extra = ensure_certificates(tmp_path / "other", ("nas.lan", "192.0.2.7"))
    assert isinstance(extra.server_context(), ssl.SSLContext)


def test_loopback_rules(scenario: Scenario) -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")  # noqa: S104
    assert not is_loopback("nas.lan")
    with pytest.raises(ValueError, match="refusing to listen on non-loopback address"):
        LabSimulator(scenario, host="0.0.0.0")  # noqa: S104
    allowed = LabSimulator(scenario, host="192.0.2.7", allow_remote=True)
    assert allowed.host == "192.0.2.7"


async def test_remote_host_gets_a_matching_certificate(scenario: Scenario) -> None:
    # 127.0.0.2 is loopback on Linux but stands in for a LAN address here.
    async with LabSimulator(scenario, host="127.0.0.2", allow_remote=True, tls=True) as sim:
        assert sim.url.startswith("wss://127.0.0.2:")


async def test_ipv6_url(scenario: Scenario) -> None:
    try:
        sim = LabSimulator(scenario, host="::1", tls=False)
        await sim.start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert sim.url == f"ws://[::1]:{sim.port}/api/current"
    finally:
        await sim.stop()


async def test_lifecycle_errors(scenario: Scenario) -> None:
    sim = LabSimulator(scenario, tls=False)
    for name in ("state", "port", "control_port"):
        with pytest.raises(RuntimeError, match="not running"):
            getattr(sim, name)
    await sim.start()
    with pytest.raises(RuntimeError, match="already running"):
        await sim.start()
    await sim.stop()
    await sim.stop()  # stopping twice is harmless
    with pytest.raises(RuntimeError, match="control_sync needs"):
        sim.control_sync("GET", "/control/state")
    sim.stop_thread()  # nothing to stop


async def test_port_in_use(scenario: Scenario, sim: LabSimulator) -> None:
    with pytest.raises(OSError, match="address already in use"):
        await LabSimulator(scenario, port=sim.port, tls=False).start()


async def test_default_scenario_when_none() -> None:
    async with LabSimulator(tls=False) as sim:
        assert sim.scenario.name == "default"


async def test_path_scenario() -> None:
    scenario = load_scenario()
    assert scenario.source is not None
    async with LabSimulator(scenario.source, tls=False) as sim:
        assert sim.state.system.hostname == "nas"


async def test_shutdown_closes_clients(scenario: Scenario, http: aiohttp.ClientSession) -> None:
    sim = LabSimulator(scenario, tls=False)
    await sim.start()
    ws = await http.ws_connect(sim.url)
    client = RpcClient(ws)
    await client.login(HA_USER, HA_KEY)
    await sim.stop()
    await asyncio.wait_for(client.closed.wait(), 5)
    assert ws.close_code == 1001
    await client.close()


def test_thread_runner(scenario: Scenario) -> None:
    # Plain ws://: asyncio.run() below closes its loop right away, which would cut a TLS
    # transport's shutdown short and leave a "closing" socket to the garbage collector.
    sim = LabSimulator(scenario, tls=False).run_in_thread()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            sim.run_in_thread()
        assert sim.control_sync("GET", "/control/state")["hostname"] == "nas"
        assert sim.control_sync("POST", "/control/delay", {"seconds": 0}) == {"reply_delay": 0.0}
        with pytest.raises(ControlError) as info:
            sim.control_sync("DELETE", "/control/pool/nope")
        assert info.value.status == 404

        async def from_another_loop() -> object:
            async with aiohttp.ClientSession() as http:
                ws = await http.ws_connect(sim.url)
                client = RpcClient(ws)
                await client.login(HA_USER, HA_KEY)
                await client.call("core.subscribe", ["alert.list"])
                created = await sim.control(
                    "POST", "/control/alerts", {"klass": "T", "level": "INFO", "formatted": "x"}
                )
                event = await client.event("alert.list", "added")
                await client.close()
                assert event["id"] == created["uuid"]
                return await client.ws.close() or "ok"

        assert asyncio.run(from_another_loop()) == "ok"
    finally:
        sim.stop_thread()
    assert sim._thread is None


def test_thread_runner_start_failure(scenario: Scenario) -> None:
    busy = LabSimulator(scenario, tls=False).run_in_thread()
    try:
        with pytest.raises(OSError, match="address already in use"):
            LabSimulator(scenario, tls=False, port=busy.port).run_in_thread()
    finally:
        busy.stop_thread()


def test_ejson() -> None:
    moment = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)
    text = ejson.dumps({"when": moment, "naive": datetime(2026, 8, 22, 10, 0), "set": {1, 2}})  # noqa: DTZ001
    assert text == ('{"when":{"$date":1787392800000},"naive":{"$date":1787392800000},"set":[1,2]}')
    assert ejson.loads(text)["when"] == moment
    assert ejson.loads('{"$date": "x"}') == {"$date": "x"}
    assert ejson.to_wire({"a": moment}) == {"a": {"$date": 1787392800000}}
    with pytest.raises(TypeError, match="not EJSON serializable"):
        ejson.dumps(object())
