"""VMs and containers against the simulator: devices, pushed state, start/stop/restart."""

from __future__ import annotations

from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.switch import SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.identifiers import keyed_identifier, pool_identifier
from tests.backups_lab import release_lab
from tests.common import LabHandle, wait_for

from .conftest import set_up
from .test_nas_disks import state

pytestmark = pytest.mark.usefixtures("socket_enabled")


def vm_device(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, kind: str, key: object
) -> dr.DeviceEntry:
    device = device_registry.async_get_device_by_identifier(
        keyed_identifier(entry, kind, key), entry.entry_id
    )
    assert device is not None
    return device


async def test_vm_and_container_devices(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    device = vm_device(device_registry, loaded_entry, "vm", 1)
    assert device.name == "VM homeassistant"
    assert device.via_device_id == loaded_entry.runtime_data.system_device_id
    assert state(hass, "sensor.vm_homeassistant_state") == "running"
    assert state(hass, "sensor.vm_win11_state") == "stopped"
    assert state(hass, "sensor.vm_homeassistant_virtual_cpus") == "2"
    assert float(state(hass, "sensor.vm_homeassistant_memory")) == 4.0
    assert state(hass, "switch.vm_homeassistant_run") == "on"
    # 25.10: containers are virt.instance (the id is the name).
    assert vm_device(device_registry, loaded_entry, "instance", "pihole").name == (
        "Container pihole"
    )
    assert state(hass, "sensor.container_pihole_state") == "running"


async def test_start_stop_and_restart_vm(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """Start answers at once; a graceful stop and a restart are jobs; state comes by event."""
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.vm_win11_run"}, blocking=True
    )
    await wait_for(lambda: state(hass, "sensor.vm_win11_state") == "running", timeout=3)
    result = await hass.services.async_call(
        DOMAIN,
        "stop_vm",
        {ATTR_ENTITY_ID: "sensor.vm_win11_state", "wait": True},
        blocking=True,
        return_response=True,
    )
    assert result is not None
    assert result["state"] == "SUCCESS"
    await wait_for(lambda: state(hass, "sensor.vm_win11_state") == "stopped", timeout=3)
    stops = [c for c in await lab.calls() if c["method"] == "vm.stop"]
    assert stops[-1]["params"][1] == {"force": False, "force_after_timeout": False}
    result = await hass.services.async_call(
        DOMAIN,
        "restart_vm",
        {ATTR_ENTITY_ID: "switch.vm_homeassistant_run", "wait": True},
        blocking=True,
        return_response=True,
    )
    assert result is not None
    assert result["state"] == "SUCCESS"
    assert state(hass, "sensor.vm_homeassistant_state") == "running"


async def test_forced_stop_and_busy(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        DOMAIN, "stop_vm", {ATTR_ENTITY_ID: "switch.vm_homeassistant_run"}, blocking=True
    )
    with pytest.raises(ServiceValidationError, match="busy"):
        await hass.services.async_call(
            DOMAIN, "stop_vm", {ATTR_ENTITY_ID: "switch.vm_homeassistant_run"}, blocking=True
        )
    await wait_for(lambda: state(hass, "sensor.vm_homeassistant_state") == "stopped", timeout=5)
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.vm_homeassistant_run"}, blocking=True
    )
    await wait_for(lambda: state(hass, "sensor.vm_homeassistant_state") == "running", timeout=3)
    await hass.services.async_call(
        DOMAIN,
        "stop_vm",
        {ATTR_ENTITY_ID: "switch.vm_homeassistant_run", "force": True, "wait": True},
        blocking=True,
    )
    stops = [c for c in await lab.calls() if c["method"] == "vm.stop"]
    assert stops[-1]["params"][1]["force"] is True


async def test_vm_that_fails_to_start(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await lab.control("POST", "/control/nas/vms/win11/fail_start", {"error": "not enough memory"})
    with pytest.raises(HomeAssistantError, match="not enough memory"):
        await hass.services.async_call(
            DOMAIN, "start_vm", {ATTR_ENTITY_ID: "switch.vm_win11_run"}, blocking=True
        )
    assert state(hass, "sensor.vm_win11_state") == "stopped"


async def test_bad_target(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    pool = device_registry.async_get_device_by_identifier(
        pool_identifier(loaded_entry, "tank"), loaded_entry.entry_id
    )
    assert pool is not None
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(DOMAIN, "start_vm", {ATTR_DEVICE_ID: pool.id}, blocking=True)


async def test_vm_added_and_removed(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await lab.control("POST", "/control/nas/vms", {"id": 7, "name": "pbs", "state": "RUNNING"})
    await wait_for(lambda: hass.states.get("sensor.vm_pbs_state") is not None, timeout=3)
    await lab.control("DELETE", "/control/nas/vms/7")
    await wait_for(
        lambda: (
            device_registry.async_get_device_by_identifier(
                keyed_identifier(loaded_entry, "vm", 7), loaded_entry.entry_id
            )
            is None
        ),
        timeout=3,
    )


@pytest.mark.parametrize("version", ["25.04.2", "26.0.0"])
async def test_containers_per_release(hass: HomeAssistant, version: str) -> None:
    """25.04: virt.instance jobs; 26: container.start at once, a stop job, no restart."""
    with release_lab(version) as lab:
        entry = await set_up(hass, lab)
        kind = "container" if version == "26.0.0" else "instance"
        assert state(hass, "sensor.container_pihole_state") == "running"
        await hass.services.async_call(
            "switch",
            SERVICE_TURN_OFF,
            {ATTR_ENTITY_ID: "switch.container_pihole_run"},
            blocking=True,
        )
        # The state event can come before the stop job's end: wait for both, or the start is
        # (rightly) refused as busy.
        vms = entry.runtime_data.vms
        await wait_for(
            lambda: state(hass, "sensor.container_pihole_state") == "stopped" and not vms.jobs,
            timeout=5,
        )
        await hass.services.async_call(
            DOMAIN, "start_vm", {ATTR_ENTITY_ID: "switch.container_pihole_run"}, blocking=True
        )
        await wait_for(
            lambda: state(hass, "sensor.container_pihole_state") == "running" and not vms.jobs,
            timeout=5,
        )
        if kind == "container":
            assert hass.states.get("button.container_pihole_restart") is None
            with pytest.raises(ServiceValidationError, match="cannot restart"):
                await hass.services.async_call(
                    DOMAIN,
                    "restart_vm",
                    {ATTR_ENTITY_ID: "switch.container_pihole_run"},
                    blocking=True,
                )
        else:
            await hass.services.async_call(
                "button",
                SERVICE_PRESS,
                {ATTR_ENTITY_ID: "button.container_pihole_restart"},
                blocking=True,
            )
            methods = [c["method"] for c in await lab.calls()]
            assert "virt.instance.restart" in methods
        assert await hass.config_entries.async_unload(entry.entry_id)
