"""Stale sensors flip when the age passes what the schedule allows, on a frozen clock."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.homelab.nas.backups.options import CONF_BACKUPS
from tests.common import LabHandle
from tests.conftest import PINNED_NOW

TASK_STALE = "binary_sensor.snapshots_of_tank_applications_stale"
DATASET_STALE = "binary_sensor.tank_applications_n8n_snapshots_stale"
REPLICATION_STALE = "binary_sensor.replication_tank_applications_offsite_stale"
NEVER_SUCCEEDED = "binary_sensor.cloud_sync_nextcloud_to_b2_stale"
DISABLED_WEEKLY = "binary_sensor.snapshots_of_tank_applications_qbittorrent_stale"


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def setup_at(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory, moment: object
) -> None:
    freezer.move_to(moment)  # type: ignore[arg-type]
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def move_to(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: object) -> None:
    """Jump the frozen clock and let everything it started finish before the next jump.

    Refreshes run as background tasks, and the socket pings after a jump: a jump taken while
    a call or a ping is in flight would expire its timeout at once. A call's reply comes after
    the pong, so once it is back the heartbeat is settled too.
    """
    freezer.move_to(moment)  # type: ignore[arg-type]
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    entry = hass.config_entries.async_entries("homelab")[0]
    await entry.runtime_data.client.call("core.ping")
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_hourly_task_is_stale_after_two_hours(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Hourly: the last run (12:00) is stale from 14:00 on, as is the newest snapshot."""
    await setup_at(hass, mock_config_entry, freezer, PINNED_NOW + timedelta(minutes=10))
    # zettarepl stops running the task: its last run stays at 12:00.
    await lab.control("POST", "/control/backups/snapshot_task/1/age", {"hours": 10 / 60})
    assert state(hass, TASK_STALE) == "off"
    assert state(hass, DATASET_STALE) == "off"
    assert state(hass, NEVER_SUCCEEDED) == "on"  # its last run failed
    assert state(hass, DISABLED_WEEKLY) == "on"  # three weeks since a weekly run
    await move_to(hass, freezer, PINNED_NOW + timedelta(hours=1, minutes=59, seconds=59))
    assert state(hass, TASK_STALE) == "off"
    assert state(hass, DATASET_STALE) == "off"
    # No poll needed: the sensors turn on at the moment itself.
    await move_to(hass, freezer, PINNED_NOW + timedelta(hours=2, seconds=1))
    assert state(hass, TASK_STALE) == "on"
    assert state(hass, DATASET_STALE) == "on"
    # A run by hand makes it fresh again (at the next refresh).
    await lab.control("POST", "/control/backups/snapshot_task/1/age", {"resume": True})
    await move_to(hass, freezer, PINNED_NOW + timedelta(hours=3, minutes=1))
    await mock_config_entry.runtime_data.backups.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, TASK_STALE) == "off"
    assert state(hass, DATASET_STALE) == "off"


async def test_daily_replication_is_stale_after_two_days(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Daily at 02:00: the last success (02:01) is stale two days later.

    The simulator stops the schedule (and dates the last run 02:00); the coordinator keeps the
    02:01 success it saw.
    """
    await setup_at(hass, mock_config_entry, freezer, PINNED_NOW)
    await lab.control("POST", "/control/backups/replication/1/age", {"hours": 10})
    await mock_config_entry.runtime_data.backups.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, REPLICATION_STALE) == "off"
    await move_to(hass, freezer, PINNED_NOW + timedelta(hours=37, minutes=59))
    assert state(hass, REPLICATION_STALE) == "off"
    # Its last success (02:01 on Nov 1) plus twice the daily gap.
    await move_to(hass, freezer, PINNED_NOW + timedelta(hours=38, minutes=1, seconds=1))
    assert state(hass, REPLICATION_STALE) == "on"


async def test_options_override_the_thresholds(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry,
        options={CONF_BACKUPS: {"task_max_age": 5, "snapshot_max_age": 1}},
    )
    freezer.move_to(PINNED_NOW)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await lab.control("POST", "/control/backups/snapshot_task/1/age", {"hours": 0})
    await move_to(hass, freezer, PINNED_NOW + timedelta(hours=1, minutes=1))
    assert state(hass, DATASET_STALE) == "on"
    assert state(hass, TASK_STALE) == "off"
    await move_to(hass, freezer, PINNED_NOW + timedelta(hours=5, minutes=1))
    assert state(hass, TASK_STALE) == "on"
    coordinator = mock_config_entry.runtime_data.backups
    assert coordinator.task_max_age(("replication", 1)) == timedelta(hours=5)  # type: ignore[arg-type]
