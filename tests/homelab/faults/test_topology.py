"""Topology changes while Home Assistant runs: a pool exported, an app deleted mid-job."""

from __future__ import annotations

import asyncio

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.identifiers import app_identifier, pool_identifier
from tests.common import LabHandle, wait_for

from .conftest import KeepAll


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def test_pool_exported_while_ha_runs(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    log_guard: KeepAll,
) -> None:
    """A degraded pool with a scrub running is exported: its device, entities and repair go,
    late events about it are ignored, and the other pool carries on."""
    body = {
        "name": "scratch",
        "topology": {"data": [{"type": "MIRROR", "disks": [{"disk": "sde"}, {"disk": "sdf"}]}]},
    }
    await lab.control("POST", "/control/pool", body)
    await wait_for(lambda: hass.states.get("sensor.scratch_status") is not None, timeout=5)
    await lab.control("POST", "/control/pool/scratch/disk/sdf/state", {"status": "FAULTED"})
    await wait_for(lambda: state(hass, "binary_sensor.scratch_problem") == "on", timeout=5)
    await lab.control("POST", "/control/pool/scratch/scrub/start", {"duration_seconds": 30})
    await wait_for(lambda: state(hass, "sensor.scratch_scrub_state") == "scrubbing", timeout=5)
    identifier = pool_identifier(loaded_entry, "scratch")
    device = device_registry.async_get_device_by_identifier(identifier, loaded_entry.entry_id)
    assert device is not None
    entities = er.async_entries_for_device(entity_registry, device.id)
    assert entities

    await lab.control("DELETE", "/control/pool/scratch")
    await wait_for(lambda: device_registry.async_get(device.id) is None, timeout=5)
    await hass.async_block_till_done()
    assert not er.async_entries_for_device(entity_registry, device.id)
    for entity in entities:
        assert hass.states.get(entity.entity_id) is None or (
            state(hass, entity.entity_id) == "unavailable"
        )
    # A scan event that was on its way when the pool went: ignored.
    event = {
        "collection": "zfs.pool.scan",
        "msg": "changed",
        "fields": {"name": "scratch", "scan": {"function": "SCRUB", "state": "SCANNING"}},
    }
    await lab.control("POST", "/control/push", {"event": event})
    await loaded_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    issues = [
        issue_id
        for (domain, issue_id) in ir.async_get(hass).issues
        if domain == DOMAIN and "scratch" in issue_id
    ]
    assert not issues, issues
    assert state(hass, "sensor.tank_status") == "online"
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_app_deleted_mid_job(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    log_guard: KeepAll,
) -> None:
    """An app deleted while its restart runs: the action reports the failed job (no trace),
    the app is not left busy, and its device goes."""
    identifier = app_identifier(loaded_entry, "vikunja")
    device = device_registry.async_get_device_by_identifier(identifier, loaded_entry.entry_id)
    assert device is not None
    apps = loaded_entry.runtime_data.apps
    action = asyncio.ensure_future(
        hass.services.async_call(
            DOMAIN,
            "restart_app",
            {ATTR_DEVICE_ID: device.id, "wait": True, "timeout": 10},
            blocking=True,
            return_response=True,
        )
    )
    await wait_for(lambda: apps.busy_job("vikunja") is not None, timeout=5)
    await lab.control("DELETE", "/control/apps/vikunja")
    # With a response asked for, a failed job is answered, not raised.
    response = await asyncio.wait_for(action, 10)
    assert response is not None
    assert response["state"] == "FAILED"
    assert "deleted" in str(response["error"])
    await wait_for(lambda: device_registry.async_get(device.id) is None, timeout=5)
    assert apps.busy_job("vikunja") is None
    assert "vikunja" not in apps.data
    # Acting on the gone app is refused cleanly.
    with pytest.raises(HomeAssistantError):
        await apps.async_run_app_action("vikunja", "start")
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_pool_recovery_is_pushed(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, log_guard: KeepAll
) -> None:
    """A disk back online: the VolumeStatus alert goes, and the pool reads online at once
    (not at the next poll)."""
    await lab.control("POST", "/control/pool/tank/disk/sdb/state", {"status": "FAULTED"})
    await wait_for(lambda: state(hass, "sensor.tank_status") == "degraded", timeout=2)
    await lab.control("POST", "/control/pool/tank/disk/sdb/state", {"status": "ONLINE"})
    await wait_for(lambda: state(hass, "sensor.tank_status") == "online", timeout=2)
