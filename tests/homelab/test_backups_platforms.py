"""Every backup entity of the seed lab (frozen at the lab's pinned time), and their devices."""

from __future__ import annotations

from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from tests.backups_lab import backup_lab
from tests.common import LabHandle
from tests.conftest import PINNED_NOW

from .conftest import entry_data

BACKUP_MARKERS = ("_snapshottask_", "_replication_", "_cloudsync_", "_dataset_")


def backup_entities(registry: er.EntityRegistry, entry_id: str) -> list[er.RegistryEntry]:
    return [
        entity
        for entity in er.async_entries_for_config_entry(registry, entry_id)
        if any(marker in (entity.unique_id or "") for marker in BACKUP_MARKERS)
    ]


async def setup_frozen(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    platforms: list[Platform],
) -> None:
    freezer.move_to(PINNED_NOW)
    entry.add_to_hass(hass)
    with patch("custom_components.homelab.nas.entry.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


@pytest.mark.parametrize(
    "platform", [Platform.SENSOR, Platform.BINARY_SENSOR, Platform.BUTTON, Platform.EVENT]
)
async def test_backup_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
    platform: Platform,
) -> None:
    """Snapshot tasks, replication, cloud sync and the watched datasets, on 25.10."""
    await setup_frozen(hass, mock_config_entry, freezer, [platform])
    entities = backup_entities(entity_registry, mock_config_entry.entry_id)
    assert entities
    for entity in entities:
        assert entity == snapshot(name=f"{entity.entity_id}-entry")
        state = hass.states.get(entity.entity_id)
        assert state == snapshot(name=f"{entity.entity_id}-state")


async def test_dataset_counts_on_26(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
) -> None:
    """26 counts snapshots cheaply (cached): only there a dataset gets a count sensor."""
    with backup_lab("26.0.0") as lab:
        entry = MockConfigEntry(
            domain="homelab", title="nas", unique_id=lab.host_id, data=entry_data(lab)
        )
        await setup_frozen(hass, entry, freezer, [Platform.SENSOR])
        counts = {
            entity.entity_id: hass.states.get(entity.entity_id).state  # type: ignore[union-attr]
            for entity in backup_entities(entity_registry, entry.entry_id)
            if entity.unique_id.endswith("_snapshot_count")
        }
        assert counts == snapshot
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_backup_devices(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One device per task under the system, one per watched dataset under its pool."""
    await setup_frozen(hass, mock_config_entry, freezer, [Platform.SENSOR])
    devices = dr.async_entries_for_config_entry(device_registry, mock_config_entry.entry_id)
    by_id = {device.id: device for device in devices}
    named = {
        device.name: (
            device.model,
            by_id[device.via_device_id].name if device.via_device_id else None,
        )
        for device in devices
        if device.model
        in {"Periodic snapshot task", "Replication task", "Cloud sync task", "ZFS dataset"}
    }
    assert named["Snapshots of tank/applications"] == ("Periodic snapshot task", "nas")
    assert named["Replication tank/applications - offsite"] == ("Replication task", "nas")
    assert named["Cloud sync Paperless to B2"] == ("Cloud sync task", "nas")
    assert named["tank/applications/n8n"] == ("ZFS dataset", "tank")
    assert len(named) == 5 + 10
