"""Set-up, unload, outages and live changes against the running simulator."""

from __future__ import annotations

import logging
import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.homelab import async_remove_config_entry_device
from custom_components.homelab.const import CONF_SSL, DOMAIN
from custom_components.homelab.nas.identifiers import pool_identifier
from tests.common import LabHandle, wait_for

from .conftest import entry_data


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def test_setup_and_unload(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    assert loaded_entry.state is ConfigEntryState.LOADED
    client = loaded_entry.runtime_data.client
    assert client.connected
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert not client.connected


async def test_server_down_is_not_ready(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = MockConfigEntry(domain=DOMAIN, unique_id="x", data=entry_data(lab, port=9))
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_refused_key_starts_reauth(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=lab.host_id, data=entry_data(lab, api_key="1-" + "n" * 64)
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_insecure_transport_is_a_setup_error(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="x", data=entry_data(lab, host="192.0.2.1", **{CONF_SSL: False})
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR


async def test_first_refresh_failure_closes_client(hass: HomeAssistant, lab: LabHandle) -> None:
    await lab.control("POST", "/control/method_error", {"method": "pool.query"})
    entry = MockConfigEntry(domain=DOMAIN, unique_id=lab.host_id, data=entry_data(lab))
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_connection_drop_and_recovery(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Drop every socket: entities go unavailable, then come back without a reload."""
    caplog.set_level(logging.INFO, logger="custom_components.homelab")
    await lab.control("POST", "/control/stall", {"seconds": 1})
    await lab.control("POST", "/control/drop_connections")
    await wait_for(lambda: state(hass, "sensor.tank_status") == STATE_UNAVAILABLE)
    assert state(hass, "binary_sensor.nas_connection") == "off"
    await wait_for(lambda: state(hass, "sensor.tank_status") == "online", timeout=10)
    assert state(hass, "binary_sensor.nas_connection") == "on"
    assert loaded_entry.state is ConfigEntryState.LOADED
    ours = [r for r in caplog.records if r.name.startswith("custom_components.homelab")]
    assert [r.levelname for r in ours if r.levelno >= logging.WARNING] == ["WARNING"]
    assert "Lost the connection" in ours[0].getMessage()
    assert len([r for r in ours if "recovered" in r.getMessage()]) == 1


async def test_degraded_pool_shows_within_two_seconds(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    assert state(hass, "binary_sensor.tank_problem") == "off"
    started = time.monotonic()
    await lab.control(
        "POST",
        "/control/pool/tank/disk/sdb/state",
        {"status": "FAULTED", "read_errors": 3, "checksum_errors": 117},
    )
    await wait_for(lambda: state(hass, "binary_sensor.tank_problem") == "on", timeout=2)
    assert time.monotonic() - started < 2
    assert state(hass, "sensor.tank_status") == "degraded"
    assert state(hass, "sensor.tank_disks_not_online") == "1"
    assert state(hass, "sensor.tank_checksum_errors") == "117"
    await wait_for(lambda: int(state(hass, "sensor.nas_critical_alerts")) >= 1)


async def test_scrub_progress_is_pushed(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await lab.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 30})
    await wait_for(lambda: state(hass, "sensor.tank_scrub_state") == "scrubbing", timeout=5)
    await lab.control("POST", "/control/pool/tank/scrub/finish")
    await wait_for(lambda: state(hass, "sensor.tank_scrub_state") == "finished", timeout=5)


async def test_alerts_are_pushed(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    before = int(state(hass, "sensor.nas_active_alerts"))
    uuid = (
        await lab.control(
            "POST", "/control/alerts", {"klass": "Test", "level": "CRITICAL", "formatted": "x"}
        )
    )["uuid"]
    await wait_for(lambda: int(state(hass, "sensor.nas_active_alerts")) == before + 1)
    await lab.control("DELETE", f"/control/alerts/{uuid}")
    await wait_for(lambda: int(state(hass, "sensor.nas_active_alerts")) == before)


async def test_pool_added_and_exported(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A pool imported while HA runs appears; an exported pool's device is removed."""
    await lab.control("POST", "/control/pool", {"name": "scratch", "disks": ["sde"]})
    await wait_for(lambda: hass.states.get("sensor.scratch_status") is not None, timeout=5)
    scratch = pool_identifier(loaded_entry, "scratch")
    device = device_registry.async_get_device_by_identifier(scratch, loaded_entry.entry_id)
    assert device is not None
    assert not await async_remove_config_entry_device(hass, loaded_entry, device)
    await lab.control("DELETE", "/control/pool/scratch")
    await wait_for(
        lambda: (
            device_registry.async_get_device_by_identifier(scratch, loaded_entry.entry_id) is None
        ),
        timeout=15,
    )
    system = device_registry.async_get(loaded_entry.runtime_data.system_device_id)
    assert system is not None
    assert not await async_remove_config_entry_device(hass, loaded_entry, system)


async def test_revoked_key_starts_reauth(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await lab.control("POST", "/control/revoke_key", {"username": lab.username})
    await wait_for(lambda: bool(hass.config_entries.flow.async_progress()), timeout=5)
    assert state(hass, "sensor.tank_status") == STATE_UNAVAILABLE


async def test_diagnostics_are_redacted(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    text = str(diagnostics)
    assert lab.api_key not in text
    assert lab.username not in text
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    # The seed lab's SMART alert names a disk ("Device: /dev/sdc, 8 Currently unreadable ...").
    [smart] = [alert for alert in diagnostics["alerts"] if alert["klass"] == "SMART"]
    assert "sdc" not in str(smart)
    assert smart["formatted"].startswith("Device: /dev/[redacted], ")
    assert diagnostics == snapshot(exclude=props("port", "datetime", "boottime", "uptime_seconds"))
