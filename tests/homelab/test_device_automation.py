"""Device triggers and conditions, fired by faults injected into the simulator."""

from __future__ import annotations

from homeassistant.components import automation
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
    async_mock_service,
)

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.identifiers import (
    app_identifier,
    disk_identifier,
    guest_identifier,
    pool_identifier,
    service_identifier,
    system_identifier,
)
from tests.common import LabHandle, wait_for


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
    disk = _device(hass, loaded_entry, disk_identifier(loaded_entry, "sda"))
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
    return guest_identifier(entry, *key)
