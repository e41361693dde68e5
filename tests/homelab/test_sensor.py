"""Every entity of the seed lab, snapshotted."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.common import LabHandle


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Sensors and binary sensors of the system and both pools."""
    await snapshot_platform(hass, entity_registry, snapshot, loaded_entry.entry_id)


async def test_pool_values(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    assert hass.states.get("sensor.tank_status").state == "online"
    assert hass.states.get("binary_sensor.tank_problem").state == "off"
    assert hass.states.get("sensor.tank_disks_not_online").state == "0"
    assert hass.states.get("sensor.tank_scrub_state").state == "finished"
    assert hass.states.get("binary_sensor.nas_connection").state == "on"
