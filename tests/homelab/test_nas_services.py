"""System services against the simulator: running sensors, opt-in switches, per release."""

from __future__ import annotations

from homeassistant.components.switch import SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.nas.services.options import CONF_SERVICE_SWITCHES, CONF_SERVICES
from tests.backups_lab import release_lab
from tests.common import LabHandle, wait_for

from .conftest import set_up
from .test_nas_disks import state

pytestmark = pytest.mark.usefixtures("socket_enabled")
SWITCHES = {CONF_SERVICES: {CONF_SERVICE_SWITCHES: ["nfs", "ssh"]}}


async def test_running_sensors_and_no_switch_by_default(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    assert state(hass, "binary_sensor.smb_service_running") == "on"
    assert state(hass, "binary_sensor.nfs_service_running") == "off"
    assert state(hass, "binary_sensor.ups_service_running") == "off"
    assert not hass.states.async_entity_ids("switch.smb_service_run")
    assert not [e for e in hass.states.async_entity_ids("switch") if "service" in e]


@pytest.mark.parametrize("version", ["25.04.2", "25.10.2", "26.0.0"])
async def test_switch_starts_and_stops(hass: HomeAssistant, version: str) -> None:
    """25.04: service.start/stop at once; 25.10 and 26: service.control jobs. Pushed back."""
    with release_lab(version) as lab:
        entry = await set_up(hass, lab, **SWITCHES)
        assert hass.states.get("switch.smb_service_run") is None
        assert state(hass, "switch.nfs_service_run") == "off"
        await hass.services.async_call(
            "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.nfs_service_run"}, blocking=True
        )
        await wait_for(lambda: state(hass, "binary_sensor.nfs_service_running") == "on", 3)
        await hass.services.async_call(
            "switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: "switch.ssh_service_run"}, blocking=True
        )
        await wait_for(lambda: state(hass, "switch.ssh_service_run") == "off", 3)
        methods = {c["method"] for c in await lab.calls()}
        if version == "25.04.2":
            assert {"service.start", "service.stop"} <= methods
            assert "service.control" not in methods
        else:
            assert "service.control" in methods
            assert not {"service.start", "service.stop"} & methods
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_service_that_fails_to_start(hass: HomeAssistant, lab: LabHandle) -> None:
    await set_up(hass, lab, **SWITCHES)
    await lab.control("POST", "/control/nas/services/nfs/fail_start", {"error": "no exports"})
    with pytest.raises(HomeAssistantError, match="no exports"):
        await hass.services.async_call(
            "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.nfs_service_run"}, blocking=True
        )
    assert state(hass, "binary_sensor.nfs_service_running") == "off"
