"""The backup coordinator's edges: errors, dynamic tasks and datasets, options, job events."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.clients.truenas import (
    ConnectionState,
    Event,
    TrueNASAuthenticationError,
    TrueNASCallError,
    TrueNASConnectionError,
    TrueNASError,
    TrueNASInvalidResponseError,
    TrueNASMethodNotFoundError,
    TrueNASTimeoutError,
)
from custom_components.homelab.clients.truenas.backups import (
    CloudSyncTask,
    ReplicationProgress,
    ReplicationTask,
    SnapshotTask,
    TaskJob,
)
from custom_components.homelab.const import CONF_POLL_INTERVAL, DOMAIN
from custom_components.homelab.nas.backups.coordinator import (
    BackupCoordinator,
    BackupData,
    TaskKind,
)
from custom_components.homelab.nas.backups.options import (
    CONF_BACKUPS,
    DEFAULT_DATASETS,
    BackupOptions,
    backup_options_from_input,
    backup_section,
)
from custom_components.homelab.nas.backups.sensor import cloud_sync_progress, replication_progress
from custom_components.homelab.nas.identifiers import dataset_identifier
from tests.common import LabHandle, wait_for


def backups(entry: MockConfigEntry) -> BackupCoordinator:
    coordinator: BackupCoordinator = entry.runtime_data.backups
    return coordinator


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TrueNASAuthenticationError("no"), ConfigEntryAuthFailed),
        (TrueNASMethodNotFoundError("gone", code=-32601), UpdateFailed),
        (TrueNASInvalidResponseError("bad"), UpdateFailed),
        (TrueNASTimeoutError("slow"), UpdateFailed),
        (TrueNASCallError("boom", code=-32001), UpdateFailed),
    ],
)
async def test_refresh_errors(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, error: Exception, expected: type
) -> None:
    coordinator = backups(loaded_entry)
    with patch.object(coordinator, "_fetch", AsyncMock(side_effect=error)), pytest.raises(expected):
        await coordinator._async_update_data()
    if isinstance(error, TrueNASMethodNotFoundError):
        assert coordinator.api is None  # the methods are picked again next time
        await coordinator.async_refresh()
        assert coordinator.api is not None


async def test_connection_loss_keeps_the_data(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    coordinator = backups(loaded_entry)
    data = coordinator.data
    with patch.object(coordinator, "_fetch", AsyncMock(side_effect=TrueNASConnectionError("x"))):
        assert await coordinator._async_update_data() is data
    coordinator._on_connection(ConnectionState.CONNECTED)
    await hass.async_block_till_done()


async def test_backups_come_later_when_their_first_refresh_fails(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    await lab.control(
        "POST", "/control/method_error", {"method": "pool.snapshottask.query", "count": 1}
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.snapshots_of_tank_applications_state") is None
    await backups(mock_config_entry).async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.snapshots_of_tank_applications_state") is not None
    assert hass.states.get("event.replication_tank_applications_offsite_run") is not None


async def test_tasks_and_datasets_come_and_go(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    coordinator = backups(loaded_entry)
    created = await lab.control(
        "POST",
        "/control/backups/cloudsync",
        {"description": "Photos to S3", "path": "/mnt/tank/photos", "schedule": {"hour": "1"}},
    )
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.cloud_sync_photos_to_s3_last_job").state == "never_run"
    identifier = (DOMAIN, f"{loaded_entry.unique_id}_cloudsync_{created['id']}")
    device = device_registry.async_get_device_by_identifier(identifier, loaded_entry.entry_id)
    assert device is not None
    from custom_components.homelab import async_remove_config_entry_device  # noqa: PLC0415

    assert not await async_remove_config_entry_device(hass, loaded_entry, device)  # type: ignore[arg-type]
    await lab.control("DELETE", f"/control/backups/cloudsync/{created['id']}")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert device_registry.async_get_device_by_identifier(identifier, loaded_entry.entry_id) is None
    for kind, body in (
        ("snapshot_task", {"dataset": "tank/applications/n8n", "schedule": {"minute": "30"}}),
        ("replication", {"name": "n8n", "target_dataset": "b/n8n", "schedule": {"hour": "3"}}),
    ):
        await lab.control("POST", f"/control/backups/{kind}", body)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.snapshots_of_tank_applications_n8n_state").state == "pending"
    # Two tasks on one dataset: the device names tell them apart.
    await lab.control(
        "POST",
        "/control/backups/snapshot_task",
        {"id": 9, "dataset": "tank/applications/n8n", "schedule": {}},
    )
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{loaded_entry.unique_id}_snapshottask_9"), loaded_entry.entry_id
    )
    assert device is not None
    assert device.name == "Snapshots of tank/applications/n8n (task 9)"


async def test_options_choose_the_datasets(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_POLL_INTERVAL: 60,
            CONF_BACKUPS: {
                "datasets": ["tank/applications/n8n", " "],
                "snapshot_max_age": 3,
                "task_max_age": 0,
                "backup_poll_interval": 120,
            },
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options[CONF_BACKUPS]["datasets"] == ["tank/applications/n8n"]
    await hass.async_block_till_done()
    coordinator = backups(loaded_entry)
    assert coordinator.update_interval == timedelta(seconds=120)
    assert set(coordinator.data.datasets) == {"tank/applications/n8n"}
    assert coordinator.dataset_max_age("tank/applications/n8n") == timedelta(hours=3)
    # The devices of datasets no longer watched are gone after the reload.
    gone = dataset_identifier(loaded_entry, "tank/applications/vikunja")
    assert device_registry.async_get_device_by_identifier(gone, loaded_entry.entry_id) is None
    # Saving again without the section keeps the backup options.
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    await hass.config_entries.options.async_configure(result["flow_id"], {CONF_POLL_INTERVAL: 30})
    assert loaded_entry.options[CONF_BACKUPS]["datasets"] == ["tank/applications/n8n"]
    await hass.async_block_till_done()


def test_backup_options() -> None:
    assert BackupOptions.from_options({}).datasets == DEFAULT_DATASETS
    options = BackupOptions.from_options({CONF_BACKUPS: {"datasets": "a/*, b"}})
    assert options.datasets == ("a/*", "b")
    assert options.snapshot_max_age is None
    assert backup_options_from_input({}, {}) == {}
    assert backup_section({CONF_BACKUPS: {"snapshot_max_age": 5, "task_max_age": 2}})


async def test_job_events_are_filtered(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    coordinator = backups(loaded_entry)
    for event in (
        Event("changed", "core.get_jobs", 1, "not a dict"),
        Event("changed", "core.get_jobs", 1, {"method": "replication.run"}),
        Event("changed", "core.get_jobs", 2, {"method": "app.start", "state": "RUNNING"}),
        Event(
            "changed",
            "core.get_jobs",
            3,
            {"method": "replication.run", "state": "RUNNING", "arguments": [99]},
        ),
    ):
        coordinator._on_job(event)
    assert coordinator.jobs == {}


async def test_action_errors_from_the_server(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    coordinator = backups(loaded_entry)
    api = coordinator.api
    assert api is not None
    with (
        patch.object(api, "run_replication", AsyncMock(side_effect=TrueNASConnectionError("x"))),
        pytest.raises(HomeAssistantError) as err,
    ):
        await coordinator.async_start_task((TaskKind.REPLICATION, 1))
    assert err.value.translation_key == "cannot_connect"
    with (
        patch.object(api, "create_snapshot", AsyncMock(side_effect=TrueNASConnectionError("x"))),
        pytest.raises(HomeAssistantError) as err,
    ):
        await coordinator.async_snapshot_dataset(
            "tank/applications/n8n", recursive=False, naming_schema="x"
        )
    assert err.value.translation_key == "cannot_connect"
    with (
        patch.object(api, "snapshot_tasks", AsyncMock(side_effect=TrueNASConnectionError("x"))),
        pytest.raises(HomeAssistantError),
    ):
        await coordinator.async_run_task((TaskKind.SNAPSHOT, 1), wait=True, timeout=1)
    with (
        patch.object(
            coordinator.client, "wait_for_job", AsyncMock(side_effect=TrueNASConnectionError("x"))
        ),
        pytest.raises(HomeAssistantError),
    ):
        await coordinator.async_run_task((TaskKind.CLOUD_SYNC, 1), wait=True, timeout=1)
    with pytest.raises(ServiceValidationError) as verr:
        coordinator.check_startable((TaskKind.CLOUD_SYNC, 42))
    assert verr.value.translation_key == "unknown_backup_task"
    coordinator.api = None
    with pytest.raises(HomeAssistantError):
        await coordinator.async_start_task((TaskKind.REPLICATION, 1))
    coordinator.api = api


async def test_snapshot_task_runs_that_fail_or_hang(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    coordinator = backups(loaded_entry)
    key = (TaskKind.SNAPSHOT, 1)
    with patch("custom_components.homelab.nas.backups.coordinator.SNAPSHOT_TASK_POLL_SECONDS", 0.1):
        await lab.control("POST", "/control/backups/snapshot_task/1/fail_next", {"error": "full"})
        failed = await coordinator.async_run_task(key, wait=True, timeout=10)
        assert failed.state == "FAILED"
        assert failed.error == "full"
        await lab.control("POST", "/control/backups/snapshot_task/1/stall", {"stalled": True})
        hung = await coordinator.async_run_task(key, wait=True, timeout=1.5)
        assert hung.state == "RUNNING"
    # A run we started that never shows up stops blocking the task after a while.
    coordinator.jobs[key] = replace(
        coordinator.jobs[key], time_started=dt_util.utcnow() - timedelta(hours=1)
    )
    await coordinator.async_refresh()
    assert key not in coordinator.jobs
    await lab.control("POST", "/control/backups/snapshot_task/1/stall", {"stalled": False})


async def test_unknown_dataset_target(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    coordinator = backups(loaded_entry)
    device = dr.async_get(hass).async_get_device_by_identifier(
        dataset_identifier(loaded_entry, "tank/applications/n8n"), loaded_entry.entry_id
    )
    assert device is not None
    datasets = dict(coordinator.data.datasets)
    del datasets["tank/applications/n8n"]
    coordinator.data = replace(coordinator.data, datasets=datasets)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "trigger_backup", {"device_id": device.id}, blocking=True, return_response=True
        )
    # The device stands for nothing the entry knows now: the dataset is gone.
    assert err.value.translation_key == "target_gone"


def test_progress_helpers() -> None:
    coordinator: Any = type("C", (), {"jobs": {}})()
    running = ReplicationTask(
        id=1, name="r", enabled=True, state="RUNNING",
        progress=ReplicationProgress(bytes_sent=25, bytes_total=100),
    )  # fmt: skip
    assert replication_progress(coordinator, running) == 25.0
    idle = replace(running, state="FINISHED")
    assert replication_progress(coordinator, idle) is None
    sync = CloudSyncTask(
        id=1, description="c", enabled=True, job=TaskJob(state="RUNNING", percent=40)
    )
    assert cloud_sync_progress(coordinator, sync) == 40
    assert cloud_sync_progress(coordinator, replace(sync, job=None)) is None


async def test_staleness_corner_cases(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    coordinator = backups(loaded_entry)
    data = coordinator.data
    unscheduled = SnapshotTask(id=1, dataset="tank/applications", enabled=True, state="ERROR")
    coordinator.data = replace(data, snapshot_tasks={1: unscheduled})
    assert coordinator.task_max_age((TaskKind.SNAPSHOT, 1)) is None
    assert coordinator.task_stale_since((TaskKind.SNAPSHOT, 1)) is None
    assert coordinator.task_max_age((TaskKind.SNAPSHOT, 7)) is None
    assert coordinator.dataset_stale_since("nope") is None
    coordinator.data = BackupData()
    assert coordinator.dataset_max_age("tank/x") == timedelta(hours=48)
    coordinator.data = data
    await coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_entities_follow_the_connection(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await lab.control("POST", "/control/drop_connections")
    await wait_for(
        lambda: (
            hass.states.get("sensor.snapshots_of_tank_applications_state").state == "unavailable"
        )
    )
    await wait_for(lambda: loaded_entry.runtime_data.client.connected, timeout=10)
    await wait_for(
        lambda: hass.states.get("sensor.snapshots_of_tank_applications_state").state == "finished",
        timeout=10,
    )
    entity = er.async_get(hass).async_get("sensor.tank_applications_n8n_newest_snapshot")
    assert entity is not None


async def test_unexpected_server_errors(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    coordinator = backups(loaded_entry)
    with patch.object(coordinator, "_fetch", AsyncMock(side_effect=TrueNASError("odd"))):
        await coordinator.async_refresh()
    assert not coordinator.last_update_success
