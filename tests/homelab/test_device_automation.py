"""Device triggers and conditions, fired by faults injected into the simulator."""

from __future__ import annotations

from homeassistant.components import automation
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.device_automation import (
    DISK_TOO_HOT_CELSIUS,
    TRIGGERS,
    default_above,
)
from custom_components.homelab.nas.disks.options import CONF_DISK_TEMPERATURES, CONF_DISKS
from custom_components.homelab.nas.identifiers import (
    app_identifier,
    keyed_identifier,
    pool_identifier,
    service_identifier,
    system_identifier,
)
from tests.backups_lab import backup_lab
from tests.common import LabHandle, wait_for

from .conftest import disk_identifier_now, set_up


def _device(hass: HomeAssistant, entry: MockConfigEntry, identifier: tuple[str, str]) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(identifier, entry.entry_id)
    assert device is not None
    return device.id


async def test_listed_triggers_and_conditions(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    pool = _device(hass, loaded_entry, pool_identifier(loaded_entry, "tank"))
    app = _device(hass, loaded_entry, app_identifier(loaded_entry, "ollama"))
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, pool)
    assert {t["type"] for t in triggers if t["domain"] == DOMAIN} == {"pool_degraded"}
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, app)
    assert {t["type"] for t in triggers if t["domain"] == DOMAIN} == {"app_crashed"}
    conditions = await async_get_device_automations(hass, DeviceAutomationType.CONDITION, app)
    assert {c["type"] for c in conditions if c["domain"] == DOMAIN} == {
        "is_crashed",
        "is_running",
    }


async def _automation(
    hass: HomeAssistant, trigger: dict[str, str], condition: dict[str, str] | None = None
) -> list[ServiceCall]:
    calls = async_mock_service(hass, "test", "fired")
    config = {
        "alias": "homelab device automation",
        "triggers": [trigger],
        "actions": [{"action": "test.fired", "data": {"to": "{{ trigger.to_state.state }}"}}],
    }
    if condition is not None:
        config["conditions"] = [condition]
    assert await async_setup_component(hass, automation.DOMAIN, {automation.DOMAIN: [config]})
    return calls


async def test_app_crashed_trigger_and_conditions(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    app = _device(hass, loaded_entry, app_identifier(loaded_entry, "ollama"))
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, app)
    crashed = next(t for t in triggers if t["type"] == "app_crashed")
    conditions = await async_get_device_automations(hass, DeviceAutomationType.CONDITION, app)
    is_crashed = next(c for c in conditions if c["type"] == "is_crashed")
    calls = await _automation(hass, crashed, is_crashed)
    await lab.control("POST", "/control/apps/ollama/crash")
    await wait_for(lambda: len(calls) == 1)
    assert calls[0].data["to"] == "crashed"


async def test_pool_degraded_trigger(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    pool = _device(hass, loaded_entry, pool_identifier(loaded_entry, "tank"))
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, pool)
    degraded = next(t for t in triggers if t["type"] == "pool_degraded")
    calls = await _automation(hass, degraded)
    await lab.control("POST", "/control/pool/tank/disk/sdc/state", {"status": "FAULTED"})
    await wait_for(lambda: len(calls) == 1, timeout=3)


async def test_nas_device_triggers_are_listed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """The NAS's own devices: its update, a VM, a disk and a sharing service."""
    system = _device(hass, loaded_entry, system_identifier(loaded_entry))
    vm = _device(hass, loaded_entry, _guest(hass, loaded_entry, "homeassistant"))
    disk = _device(hass, loaded_entry, disk_identifier_now(loaded_entry, "sda"))
    smb = _device(hass, loaded_entry, service_identifier(loaded_entry, "cifs"))
    listed = {
        device: {
            t["type"]
            for t in await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device)
            if t["domain"] == DOMAIN
        }
        for device in (system, vm, disk, smb)
    }
    assert listed == {
        system: {"update_available"},
        vm: {"vm_stopped"},
        disk: {"disk_failed"},
        smb: {"service_stopped"},
    }
    conditions = await async_get_device_automations(hass, DeviceAutomationType.CONDITION, vm)
    assert {c["type"] for c in conditions if c["domain"] == DOMAIN} == {"is_vm_running"}


async def test_vm_stopped_trigger(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    vm = _device(hass, loaded_entry, _guest(hass, loaded_entry, "homeassistant"))
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, vm)
    stopped = next(t for t in triggers if t["type"] == "vm_stopped")
    conditions = await async_get_device_automations(hass, DeviceAutomationType.CONDITION, vm)
    running = next(c for c in conditions if c["type"] == "is_vm_running")
    # The condition and the trigger watch the same entity: the VM's state, running now.
    assert running["entity_id"] == stopped["entity_id"]
    watched = er.async_get(hass).async_get(running["entity_id"])
    assert watched is not None
    assert hass.states.get(watched.entity_id).state == "running"  # type: ignore[union-attr]
    calls = await _automation(hass, stopped)
    await hass.services.async_call(
        DOMAIN, "stop_vm", {"device_id": vm, "force": True, "wait": True}, blocking=True
    )
    await wait_for(lambda: len(calls) == 1, timeout=10)
    assert calls[0].data["to"] == "stopped"


def _guest(hass: HomeAssistant, entry: MockConfigEntry, name: str) -> tuple[str, str]:
    """The identifier of the VM or container called `name`, from the entry's own data."""
    guests = entry.runtime_data.vms.data
    (key,) = [key for key, guest in guests.items() if guest.name == name]
    return keyed_identifier(entry, *key)


# ---------------------------------------------------------------- disk too hot


async def _refresh_disks(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.disks.async_refresh()
    await hass.async_block_till_done()


@pytest.mark.usefixtures("socket_enabled")
async def test_disk_too_hot_trigger(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """25.04 (a live temperature): fires when the disk's temperature crosses the user's threshold.

    The simulator's disk temperature follows the lab clock (its mean plus up to 1.5 °C, in whole
    degrees as smartctl gives them): with the clock frozen and moved by hand, sda reads 34 °C
    after two lab minutes and 35 °C after fifteen. A threshold half a degree above the first
    reading fires only at the second step; the default threshold (50 °C) never does.
    """
    with backup_lab("25.04.2") as lab:
        await lab.control("POST", "/control/nas/clock", {"freeze": True})
        entry = await set_up(hass, lab, **{CONF_DISKS: {CONF_DISK_TEMPERATURES: True}})
        disk = _device(hass, entry, disk_identifier_now(entry, "sda"))
        triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, disk)
        too_hot = next(t for t in triggers if t["type"] == "disk_too_hot")
        watched = er.async_get(hass).async_get(too_hot["entity_id"])
        assert watched is not None
        assert watched.translation_key == "disk_temperature"
        reading = float(hass.states.get(watched.entity_id).state)  # type: ignore[union-attr]
        assert 30 < reading < 40
        # The threshold field, in the sensor's unit, 50 °C by default.
        assert await async_setup_component(hass, "device_automation", {})
        client = await hass_ws_client(hass)
        await client.send_json_auto_id(
            {"type": "device_automation/trigger/capabilities", "trigger": too_hot}
        )
        answer = await client.receive_json()
        assert answer["success"], answer
        assert answer["result"]["extra_fields"] == [
            {
                "name": "above",
                "required": False,
                "optional": True,
                "default": 50.0,
                "description": {"suffix": "°C"},
                "type": "float",
            }
        ]
        calls = async_mock_service(hass, "test", "fired")
        automations = [
            {
                "alias": alias,
                "triggers": [trigger],
                "actions": [
                    {
                        "action": "test.fired",
                        "data": {"which": alias, "to": "{{ trigger.to_state.state }}"},
                    }
                ],
            }
            for alias, trigger in (
                ("custom", {**too_hot, "above": reading + 0.5}),
                ("default", too_hot),
            )
        ]
        assert await async_setup_component(
            hass, automation.DOMAIN, {automation.DOMAIN: automations}
        )
        await lab.control("POST", "/control/nas/clock", {"advance": 120})
        await _refresh_disks(hass, entry)
        assert float(hass.states.get(watched.entity_id).state) < reading + 0.5  # type: ignore[union-attr]
        assert calls == []
        await lab.control("POST", "/control/nas/clock", {"advance": 780})
        await _refresh_disks(hass, entry)
        await wait_for(lambda: len(calls) == 1, timeout=5)
        assert calls[0].data["which"] == "custom"
        assert float(calls[0].data["to"]) > reading + 0.5
        # Staying above is not crossing again.
        await lab.control("POST", "/control/nas/clock", {"advance": 60})
        await _refresh_disks(hass, entry)
        assert len(calls) == 1
        assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("socket_enabled")
async def test_disk_too_hot_watches_the_day_maximum_from_25_10(hass: HomeAssistant) -> None:
    """25.10+ has no live read: the trigger watches the disk's last-day maximum; without the
    temperatures option the disk offers no such trigger."""
    with backup_lab("25.10.2") as lab:
        entry = await set_up(hass, lab, **{CONF_DISKS: {CONF_DISK_TEMPERATURES: True}})
        disk = _device(hass, entry, disk_identifier_now(entry, "sda"))
        triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, disk)
        ours = {t["type"]: t for t in triggers if t["domain"] == DOMAIN}
        assert set(ours) == {"disk_failed", "disk_too_hot"}
        watched = er.async_get(hass).async_get(ours["disk_too_hot"]["entity_id"])
        assert watched is not None
        assert watched.translation_key == "disk_temperature_max"
        assert await hass.config_entries.async_unload(entry.entry_id)


def test_disk_too_hot_default_in_the_users_unit() -> None:
    """50 °C, offered as 122 °F to a user who shows temperatures in Fahrenheit."""
    watch = TRIGGERS["disk_too_hot"]
    assert default_above(watch, UnitOfTemperature.CELSIUS) == DISK_TOO_HOT_CELSIUS == 50.0
    assert default_above(watch, UnitOfTemperature.FAHRENHEIT) == 122.0
    assert default_above(watch, None) == 50.0
    with pytest.raises(ValueError, match="numeric"):
        default_above(TRIGGERS["disk_failed"], UnitOfTemperature.CELSIUS)
