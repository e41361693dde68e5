"""Reboot and shutdown: refused while busy (unless forced), FULL_ADMIN, and one clean outage.

The lab's reboot takes `reboot_seconds` of lab time: the tests freeze the clock and advance it.
"""

from __future__ import annotations

import logging

from homeassistant.components.button import SERVICE_PRESS
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from tests.backups_lab import release_lab
from tests.common import LabHandle, wait_for

from .conftest import set_up

pytestmark = pytest.mark.usefixtures("socket_enabled")

ADMIN = ["FULL_ADMIN"]


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def power_calls(lab: LabHandle) -> list[dict[str, object]]:
    return [c for c in await lab.calls() if c["method"] in ("system.reboot", "system.shutdown")]


async def test_buttons_are_disabled_by_default(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    for entity_id in ("button.nas_reboot", "button.nas_shut_down"):
        entry = registry.async_get(entity_id)
        assert entry is not None, entity_id
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_reboot_is_one_clean_outage(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A 90-second reboot: one warning, the entities unavailable, then back."""
    with release_lab("25.10.2", ADMIN) as lab:
        await lab.control("POST", "/control/nas/clock", {"freeze": True})
        await lab.control("POST", "/control/nas/power/reboot_seconds", {"seconds": 90})
        entry = await set_up(hass, lab)
        caplog.clear()
        response = await hass.services.async_call(
            DOMAIN,
            "reboot_nas",
            {ATTR_ENTITY_ID: "sensor.nas_version", "delay": 5},
            blocking=True,
            return_response=True,
        )
        assert response is not None
        assert isinstance(response["job_id"], int)
        calls = await power_calls(lab)
        assert [c["params"] for c in calls] == [["Requested from Home Assistant", {"delay": 5}]]
        await lab.control("POST", "/control/nas/clock", {"advance": 5})
        await wait_for(lambda: state(hass, "sensor.nas_version") == STATE_UNAVAILABLE, 10)
        assert state(hass, "sensor.tank_status") == STATE_UNAVAILABLE
        await lab.control("POST", "/control/nas/clock", {"advance": 90})
        await wait_for(lambda: state(hass, "sensor.nas_version") != STATE_UNAVAILABLE, 15)
        await hass.async_block_till_done()
        assert state(hass, "sensor.tank_status") == "online"
        warnings = [
            r for r in caplog.records if r.levelno >= logging.WARNING and "homelab" in r.name
        ]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert "Lost the connection" in warnings[0].getMessage()
        assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("action", ["reboot_nas", "shutdown_nas"])
async def test_refused_during_a_scrub_unless_forced(hass: HomeAssistant, action: str) -> None:
    with release_lab("25.10.2", ADMIN) as lab:
        entry = await set_up(hass, lab)
        await lab.control("POST", "/control/pool/tank/scrub/start", {"duration_seconds": 600})
        await wait_for(lambda: state(hass, "sensor.tank_scrub_state") == "scrubbing", 5)
        device_id = entry.runtime_data.system_device_id
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, action, {ATTR_DEVICE_ID: device_id}, blocking=True
            )
        kind = action.removesuffix("_nas")
        assert err.value.translation_key == f"{kind}_refused_busy"
        assert err.value.translation_placeholders is not None
        assert "scrub of tank" in err.value.translation_placeholders["jobs"]
        assert not await power_calls(lab)
        await lab.control("POST", "/control/nas/clock", {"freeze": True})
        await hass.services.async_call(
            DOMAIN, action, {ATTR_DEVICE_ID: device_id, "force": True, "delay": 600}, blocking=True
        )
        assert len(await power_calls(lab)) == 1
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_refused_during_a_replication(hass: HomeAssistant) -> None:
    with release_lab("25.10.2", ADMIN) as lab:
        entry = await set_up(hass, lab)
        backups = entry.runtime_data.backups
        replication = next(iter(backups.data.replications))
        await lab.control("POST", "/control/nas/clock", {"freeze": True})
        await hass.services.async_call(
            DOMAIN,
            "trigger_backup",
            {ATTR_DEVICE_ID: _device_of(hass, entry, f"replication_{replication}")},
            blocking=True,
        )
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                "reboot_nas",
                {ATTR_DEVICE_ID: entry.runtime_data.system_device_id},
                blocking=True,
            )
        assert err.value.translation_key == "reboot_refused_busy"
        assert "replication" in err.value.translation_placeholders["jobs"]  # type: ignore[index]
        assert await hass.config_entries.async_unload(entry.entry_id)


def _device_of(hass: HomeAssistant, entry: MockConfigEntry, suffix: str) -> str:
    from homeassistant.helpers import device_registry as dr  # noqa: PLC0415

    for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
        if any(identifier[1].endswith(suffix) for identifier in device.identifiers):
            return device.id
    msg = f"no device {suffix}"
    raise AssertionError(msg)


async def test_refused_without_full_admin(hass: HomeAssistant, lab: LabHandle) -> None:
    """The seed lab's least-privilege key: a translated error naming FULL_ADMIN."""
    with release_lab("26.0.0", ["READONLY_ADMIN"]) as lab26:
        entry = await set_up(hass, lab26)
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                DOMAIN,
                "shutdown_nas",
                {ATTR_DEVICE_ID: entry.runtime_data.system_device_id},
                blocking=True,
            )
        assert err.value.translation_key == "power_not_authorized"
        assert err.value.translation_placeholders["role"] == "FULL_ADMIN"  # type: ignore[index]
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_not_a_nas(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "reboot_nas", {ATTR_ENTITY_ID: "sensor.tank_status"}, blocking=True
        )
    assert err.value.translation_key == "not_a_nas"


async def test_button_press_shuts_down(hass: HomeAssistant) -> None:
    with release_lab("25.04.2", ADMIN) as lab:
        await lab.control("POST", "/control/nas/clock", {"freeze": True})
        entry = await set_up(hass, lab)
        er.async_get(hass).async_update_entity("button.nas_shut_down", disabled_by=None)
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        await hass.services.async_call(
            "button", SERVICE_PRESS, {ATTR_ENTITY_ID: "button.nas_shut_down"}, blocking=True
        )
        calls = await power_calls(lab)
        assert [c["method"] for c in calls] == ["system.shutdown"]
        assert await hass.config_entries.async_unload(entry.entry_id)
