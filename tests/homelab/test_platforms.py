"""Every entity of the seed lab, snapshotted platform by platform."""

from __future__ import annotations

from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.common import LabHandle
from tests.conftest import PINNED_NOW


@pytest.mark.parametrize(
    "platform",
    [Platform.SENSOR, Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SWITCH, Platform.UPDATE],
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
    freezer: FrozenDateTimeFactory,
) -> None:
    """System and pool entities with their states and attributes."""
    # The lab's relative times (a certificate's expiry) are pinned to this moment too.
    freezer.move_to(PINNED_NOW)
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.homelab.nas.entry.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_pool_values(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    def state(entity_id: str) -> str:
        current = hass.states.get(entity_id)
        assert current is not None, entity_id
        return current.state

    assert state("sensor.tank_status") == "online"
    assert state("binary_sensor.tank_problem") == "off"
    assert state("sensor.tank_disks_not_online") == "0"
    assert state("sensor.tank_scrub_state") == "finished"
    assert state("binary_sensor.nas_connection") == "on"
