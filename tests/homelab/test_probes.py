"""HTTP health probes: against real servers on loopback (Radicale, Syncthing, aiohttp)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import ipaddress
import logging
from pathlib import Path
import ssl
from typing import Any
from unittest.mock import patch

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryDataWithId
from homeassistant.const import CONF_API_KEY, CONF_NAME, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion

from custom_components.homelab import async_remove_config_entry_device
from custom_components.homelab.clients.httpprobe import ExpectedStatus, health_url
from custom_components.homelab.const import DOMAIN, SUBENTRY_SERVICE
from custom_components.homelab.diagnostics import async_get_config_entry_diagnostics
from custom_components.homelab.nas.runtime import TrueNASRuntimeData, WaitingRuntimeData
from custom_components.homelab.nas.waiting import RETRY_INTERVAL
from custom_components.homelab.probes.const import CONF_EXPECTED_STATUS, CONF_INTERVAL, CONF_KEYWORD
from custom_components.homelab.probes.coordinator import ProbeCoordinator
from tests.common import LabHandle, wait_for
from tests.servers import free_port, radicale, syncthing, threaded_site

from .conftest import entry_data

CERT_LIFETIME = timedelta(days=2)


def _short_lived_cert(directory: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + CERT_LIFETIME)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    return context


async def _ok(_request: web.Request) -> web.Response:
    return web.Response(text="all systems healthy")


async def _hang(_request: web.Request) -> web.Response:
    await asyncio.sleep(30)
    return web.Response(text="too late")  # pragma: no cover - the probe gave up long before


async def _broken(_request: web.Request) -> web.Response:
    return web.Response(status=500, text="oops")


async def _maintenance(_request: web.Request) -> web.Response:
    return web.json_response({"installed": True, "maintenance": True, "version": "31.0.4"})


def _app() -> web.Application:
    app = web.Application()
    app.add_routes(
        [
            web.get("/ok", _ok),
            web.get("/hang", _hang),
            web.get("/broken", _broken),
            web.get("/status.php", _maintenance),
        ]
    )
    return app


@pytest.fixture
def http_servers(socket_enabled: None, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A plain server with several behaviours and an HTTPS one with a 2-day certificate."""
    with (
        threaded_site(_app()) as plain,
        threaded_site(_app(), _short_lived_cert(tmp_path)) as tls,
    ):
        yield {"plain": plain, "tls": tls}


@pytest.fixture
def real_servers(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Radicale (PyPI) and Syncthing (Debian), configured to stay on loopback."""
    with radicale(tmp_path) as radicale_url, syncthing(tmp_path) as syncthing_url:
        yield {"radicale": radicale_url, "syncthing": syncthing_url}


def service(title: str, url: str, **extra: Any) -> ConfigSubentryDataWithId:
    return ConfigSubentryDataWithId(
        data={CONF_NAME: title, CONF_URL: url, CONF_INTERVAL: 60, CONF_VERIFY_SSL: True, **extra},
        subentry_id=f"probe-{title.lower().replace(' ', '-')}",
        subentry_type=SUBENTRY_SERVICE,
        title=title,
        unique_id=None,
    )


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def _setup(
    hass: HomeAssistant, lab: LabHandle, services: list[ConfigSubentryDataWithId]
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="nas",
        unique_id=lab.host_id,
        data=entry_data(lab),
        subentries_data=services,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def test_expected_status_and_health_urls() -> None:
    expected = ExpectedStatus.parse("200-299, 301")
    assert expected.accepts(204)
    assert expected.accepts(301)
    assert not expected.accepts(302)
    for bad in ("abc", "99", "300-200", "600"):
        with pytest.raises(ValueError):
            ExpectedStatus.parse(bad)
    assert health_url("nextcloud", "http://nas:30027/apps?x=1") == "http://nas:30027/status.php"
    assert health_url("Syncthing", "http://nas:20910/") == "http://nas:20910/rest/noauth/health"
    assert health_url("radicale", "http://nas:5232/") == "http://nas:5232/"


async def test_real_servers(
    hass: HomeAssistant, lab: LabHandle, real_servers: dict[str, str]
) -> None:
    """Radicale answers / with a redirect (3xx is healthy); Syncthing's noauth health is OK."""
    await _setup(
        hass,
        lab,
        [
            service("Radicale", real_servers["radicale"]),
            service(
                "Syncthing",
                health_url("syncthing", real_servers["syncthing"]),
                **{CONF_KEYWORD: "OK"},
            ),
        ],
    )
    assert state(hass, "binary_sensor.radicale_reachable") == "on"
    assert state(hass, "sensor.radicale_http_status") == "302"
    assert state(hass, "binary_sensor.syncthing_reachable") == "on"
    assert state(hass, "sensor.syncthing_http_status") == "200"
    assert float(state(hass, "sensor.syncthing_response_time")) >= 0
    # Plain HTTP has no certificate sensor.
    assert hass.states.get("sensor.syncthing_certificate_expiry") is None


async def test_probe_outcomes(
    hass: HomeAssistant, lab: LabHandle, http_servers: dict[str, str]
) -> None:
    plain, tls = http_servers["plain"], http_servers["tls"]
    # Probes run side by side: every probe is in flight before the first one finishes, so a
    # hanging one costs its own timeout once, not the others'. Counted, not timed.
    in_flight, most_in_flight = 0, 0
    refresh = ProbeCoordinator.async_refresh

    async def counted_refresh(self: ProbeCoordinator) -> None:
        nonlocal in_flight, most_in_flight
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        try:
            await refresh(self)
        finally:
            in_flight -= 1

    with (
        # Long enough for a healthy answer on a loaded machine; the hanging one takes it once.
        patch("custom_components.homelab.probes.coordinator.MAX_PROBE_TIMEOUT", 3.0),
        patch.object(ProbeCoordinator, "async_refresh", counted_refresh),
    ):
        await _setup(
            hass,
            lab,
            [
                service("Healthy", f"{plain}/ok", **{CONF_KEYWORD: "healthy"}),
                service("Wrong keyword", f"{plain}/ok", **{CONF_KEYWORD: "database"}),
                service("Broken", f"{plain}/broken"),
                service("Tolerant", f"{plain}/broken", **{CONF_EXPECTED_STATUS: "200-599"}),
                service("Hanging", f"{plain}/hang"),
                service("Nextcloud", f"{plain}/status.php"),
                service("Short cert", f"{tls}/ok", **{CONF_VERIFY_SSL: False}),
                service("Untrusted", f"{tls}/ok"),
                service("Nothing", f"http://127.0.0.1:{free_port()}/"),
            ],
        )
    assert most_in_flight == 9
    expected = {
        "healthy": "on",
        "wrong_keyword": "off",
        "broken": "off",
        "tolerant": "on",
        "hanging": "off",
        "nextcloud": "off",
        "short_cert": "on",
        "untrusted": "off",
        "nothing": "off",
    }
    for name, reachable in expected.items():
        assert state(hass, f"binary_sensor.{name}_reachable") == reachable, name
    attributes = hass.states.get("binary_sensor.hanging_reachable").attributes
    assert attributes["error"] == "no answer within 3 s"
    assert "maintenance" in hass.states.get("binary_sensor.nextcloud_reachable").attributes["error"]
    assert "certificate" in hass.states.get("binary_sensor.untrusted_reachable").attributes["error"]
    expiry = datetime.fromisoformat(state(hass, "sensor.short_cert_certificate_expiry"))
    assert abs(expiry - (datetime.now(UTC) + CERT_LIFETIME)) < timedelta(hours=2)
    assert state(hass, "sensor.broken_http_status") == "500"


async def test_probe_entities_snapshot(
    hass: HomeAssistant,
    lab: LabHandle,
    http_servers: dict[str, str],
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Registry entries of every probe entity (their states are timing-dependent)."""
    entry = await _setup(
        hass,
        lab,
        [service("Web", f"{http_servers['tls']}/ok", **{CONF_VERIFY_SSL: False})],
    )
    entries = [
        e
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.config_subentry_id is not None
    ]
    assert len(entries) == 4
    for entity_entry in sorted(entries, key=lambda e: e.entity_id):
        assert entity_entry == snapshot(name=f"{entity_entry.entity_id}-entry")


async def test_transitions_are_logged_once(
    hass: HomeAssistant,
    lab: LabHandle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="custom_components.homelab")
    port = free_port()
    entry = await _setup(hass, lab, [service("Later", f"http://127.0.0.1:{port}/")])
    probe = next(iter(entry.runtime_data.probes.values()))
    await probe.async_refresh()
    app = web.Application()
    app.add_routes([web.get("/", _ok)])
    with threaded_site(app, port=port):
        await probe.async_refresh()
        assert state(hass, "binary_sensor.later_reachable") == "on"
    messages = [r.getMessage() for r in caplog.records if "Service Later" in r.getMessage()]
    assert len(messages) == 2
    assert "unreachable" in messages[0]
    assert "reachable again" in messages[1]


async def test_subentry_flow_from_app_portal(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.subentries.async_init(
        (loaded_entry.entry_id, SUBENTRY_SERVICE), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"source": "nextcloud"}
    )
    assert result["step_id"] == "service"
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested[CONF_URL] == "http://127.0.0.1:30027/status.php"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Nextcloud",
            CONF_URL: "http://127.0.0.1:30027/status.php",
            CONF_EXPECTED_STATUS: "nonsense",
            CONF_VERIFY_SSL: True,
            CONF_INTERVAL: 30,
        },
    )
    assert result["errors"] == {CONF_EXPECTED_STATUS: "invalid_status"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Nextcloud",
            CONF_URL: "ftp://nowhere",
            CONF_EXPECTED_STATUS: "200-399",
            CONF_VERIFY_SSL: True,
            CONF_INTERVAL: 30,
        },
    )
    assert result["errors"] == {CONF_URL: "invalid_url"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Nextcloud",
            CONF_URL: "http://127.0.0.1:30027/status.php",
            CONF_EXPECTED_STATUS: "200-399",
            CONF_KEYWORD: "",
            CONF_VERIFY_SSL: True,
            CONF_INTERVAL: 30,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # The entry reloads with the new probe; nothing listens there, so it reads unreachable.
    await wait_for(lambda: hass.states.get("binary_sensor.nextcloud_reachable") is not None)
    assert state(hass, "binary_sensor.nextcloud_reachable") == "off"
    assert state(hass, "sensor.nextcloud_state") == "running"


async def test_subentry_flow_custom_and_reconfigure(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, http_servers: dict[str, str]
) -> None:
    result = await hass.config_entries.subentries.async_init(
        (loaded_entry.entry_id, SUBENTRY_SERVICE), context={"source": "user"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"source": "custom"}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Router",
            CONF_URL: f"{http_servers['plain']}/broken",
            CONF_EXPECTED_STATUS: "200",
            CONF_VERIFY_SSL: True,
            CONF_INTERVAL: 10,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    await wait_for(lambda: hass.states.get("binary_sensor.router_reachable") is not None)
    assert state(hass, "binary_sensor.router_reachable") == "off"
    subentry_id = next(sid for sid, sub in loaded_entry.subentries.items() if sub.title == "Router")
    result = await loaded_entry.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Router",
            CONF_URL: f"{http_servers['plain']}/ok",
            CONF_EXPECTED_STATUS: "200",
            CONF_VERIFY_SSL: True,
            CONF_INTERVAL: 10,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    await wait_for(lambda: state(hass, "binary_sensor.router_reachable") == "on")


async def test_probe_credentials_stay_out_of_states_and_devices(
    hass: HomeAssistant, lab: LabHandle, http_servers: dict[str, str]
) -> None:
    """A URL with a user, a password and a token: none of them in a state or a device link."""
    plain = http_servers["plain"]
    secret_url = plain.replace("http://", "http://probe-user:s3cret-pass@") + "/ok?token=t0ken-abc"
    entry = await _setup(hass, lab, [service("Secret", secret_url)])
    assert state(hass, "binary_sensor.secret_reachable") == "on"
    attributes = hass.states.get("binary_sensor.secret_reachable").attributes
    assert attributes["url"] == f"{plain}/ok"
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    links = [device.configuration_url for device in devices]
    assert f"{plain}/ok" in links
    shown = str([s.as_dict() for s in hass.states.async_all()]) + str(links)
    for secret in ("probe-user", "s3cret-pass", "t0ken-abc"):
        assert secret not in shown


async def test_subentry_flow_while_the_nas_is_down(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    """Entry not loaded: no app list to pick from, straight to the custom URL form."""
    mock_config_entry.add_to_hass(hass)
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED
    result = await hass.config_entries.subentries.async_init(
        (mock_config_entry.entry_id, SUBENTRY_SERVICE), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "service"


async def test_subentry_reconfigure_refuses_bad_input(
    hass: HomeAssistant, lab: LabHandle, http_servers: dict[str, str]
) -> None:
    entry = await _setup(hass, lab, [service("Router", f"{http_servers['plain']}/ok")])
    [subentry_id] = list(entry.subentries)
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Router",
            CONF_URL: "router.lan",
            CONF_EXPECTED_STATUS: "2xx",
            CONF_VERIFY_SSL: True,
            CONF_INTERVAL: 10,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "invalid_url", CONF_EXPECTED_STATUS: "invalid_status"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Router",
            CONF_URL: f"{http_servers['plain']}/ok",
            CONF_EXPECTED_STATUS: "200",
            CONF_KEYWORD: "healthy",
            CONF_VERIFY_SSL: True,
            CONF_INTERVAL: 10,
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[subentry_id].data[CONF_KEYWORD] == "healthy"


class _Gate:
    """A TCP port in front of the simulator that is closed (refused) until opened."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self._target = target_port
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except OSError:
                pass
            finally:
                writer.close()

        async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self._target
            )
            for task in (
                asyncio.create_task(pipe(reader, upstream_writer)),
                asyncio.create_task(pipe(upstream_reader, writer)),
            ):
                self._pipes.add(task)
                task.add_done_callback(self._pipes.discard)

        self._server = await asyncio.start_server(forward, "127.0.0.1", self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)


async def test_probes_run_while_the_nas_is_down_and_the_nas_joins_when_it_answers(
    hass: HomeAssistant,
    lab: LabHandle,
    http_servers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """HA starting while the NAS is down: the probes run at once, the NAS is set up once back."""
    gate = _Gate(lab.port)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="nas",
        unique_id=lab.host_id,
        data=entry_data(lab, port=gate.port),
        subentries_data=[service("Healthy", f"{http_servers['plain']}/ok")],
    )
    entry.add_to_hass(hass)
    try:
        # Nothing listens on the NAS's port: connection refused.
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert isinstance(entry.runtime_data, WaitingRuntimeData)
        assert state(hass, "binary_sensor.healthy_reachable") == "on"
        assert hass.states.get("binary_sensor.nas_connection") is None
        assert "did not answer" in caplog.text
        assert lab.api_key not in caplog.text
        diagnostics = await async_get_config_entry_diagnostics(hass, entry)
        assert diagnostics["connection"] == {"connected": False, "waiting_for_server": True}
        assert diagnostics["entry"]["data"][CONF_API_KEY] == "**REDACTED**"
        # Its probe device is its own; nothing of the NAS may be removed meanwhile.
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        assert devices
        assert [d for d in devices if await async_remove_config_entry_device(hass, entry, d)] == []

        # Still down at the first retry: nothing changes.
        async_fire_time_changed(hass, dt_util.utcnow() + RETRY_INTERVAL)
        await hass.async_block_till_done()
        assert isinstance(entry.runtime_data, WaitingRuntimeData)

        # The NAS answers: the next retry reloads the entry into the full setup.
        await gate.open()
        async_fire_time_changed(hass, dt_util.utcnow() + 2 * RETRY_INTERVAL)
        await hass.async_block_till_done()
        await wait_for(lambda: isinstance(getattr(entry, "runtime_data", None), TrueNASRuntimeData))
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert state(hass, "binary_sensor.nas_connection") == "on"
        assert state(hass, "binary_sensor.healthy_reachable") == "on"
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await gate.close()


async def test_without_probes_a_nas_that_is_down_is_retried_as_before(
    hass: HomeAssistant, lab: LabHandle
) -> None:
    """Nothing to run meanwhile: setup is retried the usual way (ConfigEntryNotReady)."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="nas", unique_id=lab.host_id, data=entry_data(lab, port=free_port())
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
