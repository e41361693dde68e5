"""`homelab.trigger_backup`, the Run now buttons, live job progress and the event entities."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.backups.coordinator import BackupCoordinator, TaskKind
from tests.common import LabHandle, wait_for

REPLICATION_EVENT = "event.replication_tank_applications_offsite_run"
CLOUD_EVENT = "event.cloud_sync_paperless_to_b2_run"
SNAPSHOT_EVENT = "event.snapshots_of_tank_applications_run"


@pytest.fixture(autouse=True)
def quick_snapshot_task_polls() -> Iterator[None]:
    with patch("custom_components.homelab.nas.backups.coordinator.SNAPSHOT_TASK_POLL_SECONDS", 0.1):
        yield


def device_id(hass: HomeAssistant, entry: MockConfigEntry, suffix: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.unique_id}_{suffix}"), entry.entry_id
    )
    assert device is not None, suffix
    return device.id


def backups(entry: MockConfigEntry) -> BackupCoordinator:
    coordinator: BackupCoordinator = entry.runtime_data.backups
    return coordinator


async def trigger(hass: HomeAssistant, response: bool = True, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, "trigger_backup", data, blocking=True, return_response=response
    )


def last_event(hass: HomeAssistant, entity_id: str) -> tuple[str | None, dict[str, Any]]:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.attributes.get("event_type"), dict(state.attributes)


async def fast(lab: LabHandle, kind: str, task_id: int, seconds: float = 0.3) -> None:
    await lab.control("POST", f"/control/backups/{kind}/{task_id}/set", {"seconds": seconds})


async def test_snapshot_task_with_and_without_wait(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    target = device_id(hass, loaded_entry, "snapshottask_1")
    result = await trigger(hass, device_id=target, wait=True, timeout=10)
    assert result == {
        "job_id": None,
        "state": "SUCCESS",
        "result": {"last_snapshot": "tank/applications@auto-2026-11-01_12-00"},
        "error": None,
    }
    await hass.async_block_till_done()
    assert last_event(hass, SNAPSHOT_EVENT)[0] == "succeeded"
    started = await trigger(hass, device_id=target)
    assert started == {"job_id": None, "state": "RUNNING", "result": None, "error": None}
    assert last_event(hass, SNAPSHOT_EVENT)[0] == "started"
    # A second run while the first is going is refused.
    with pytest.raises(ServiceValidationError) as err:
        await trigger(hass, device_id=target)
    assert err.value.translation_key == "backup_task_running"
    # A later refresh sees the run end and reports it.
    coordinator = backups(loaded_entry)
    for _ in range(40):
        await asyncio.sleep(0.1)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        if last_event(hass, SNAPSHOT_EVENT)[0] == "succeeded":
            break
    assert last_event(hass, SNAPSHOT_EVENT)[0] == "succeeded"
    assert (TaskKind.SNAPSHOT, 1) not in coordinator.jobs


async def test_replication_with_and_without_wait(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await fast(lab, "replication", 1)
    target = device_id(hass, loaded_entry, "replication_1")
    result = await trigger(hass, device_id=target, wait=True)
    assert result["state"] == "SUCCESS"
    assert isinstance(result["job_id"], int)
    assert result["error"] is None
    await hass.async_block_till_done()
    assert last_event(hass, REPLICATION_EVENT)[0] == "succeeded"
    assert last_event(hass, REPLICATION_EVENT)[1]["job_id"] == result["job_id"]
    started = await trigger(hass, device_id=target)
    assert started["state"] == "RUNNING"
    assert started["job_id"] > result["job_id"]
    with pytest.raises(ServiceValidationError) as err:
        await trigger(hass, device_id=target)
    assert err.value.translation_key == "backup_task_running"
    await wait_for(lambda: (TaskKind.REPLICATION, 1) not in backups(loaded_entry).jobs)
    await hass.async_block_till_done()
    assert last_event(hass, REPLICATION_EVENT)[0] == "succeeded"


async def test_cloud_sync_failure_reaches_the_event_entity(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await fast(lab, "cloudsync", 1)
    await lab.control("POST", "/control/backups/cloudsync/1/fail_next", {"error": "bucket gone"})
    target = device_id(hass, loaded_entry, "cloudsync_1")
    result = await trigger(hass, device_id=target, wait=True)
    assert result["state"] == "FAILED"
    assert result["error"] == "bucket gone"
    await hass.async_block_till_done()
    event_type, attributes = last_event(hass, CLOUD_EVENT)
    assert event_type == "failed"
    assert attributes["error"] == "bucket gone"
    # Without a response the failure is an error of the action.
    await lab.control("POST", "/control/backups/cloudsync/1/fail_next", {"error": "again"})
    with pytest.raises(HomeAssistantError) as err:
        await trigger(hass, response=False, device_id=target, wait=True)
    assert err.value.translation_key == "backup_failed"
    assert "again" in str(err.value)
    # A timeout reports the job as still running.
    await fast(lab, "cloudsync", 1, 5)
    late = await trigger(hass, device_id=target, wait=True, timeout=1)
    assert late["state"] == "RUNNING"
    assert late["error"] is None


async def test_dataset_snapshot(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    target = device_id(hass, loaded_entry, "dataset_tank/applications/n8n")
    result = await trigger(hass, device_id=target, naming_schema="ha-test-%Y")
    assert result["state"] == "SUCCESS"
    assert result["job_id"] is None
    assert result["snapshot"].startswith("tank/applications/n8n@ha-test-20")
    assert result["result"]["recursive"] is False
    with pytest.raises(HomeAssistantError) as err:
        await trigger(hass, device_id=target, naming_schema="ha-test-%Y")
    assert err.value.translation_key == "snapshot_exists"
    with pytest.raises(ServiceValidationError) as err:
        await trigger(hass, device_id=target, naming_schema="bad name %Y")
    assert err.value.translation_key == "invalid_snapshot_name"
    # Through one of the dataset's entities, with the default schema.
    default = await trigger(hass, entity_id="sensor.tank_applications_n8n_newest_snapshot")
    assert "@ha-manual-" in default["snapshot"]
    await hass.async_block_till_done()
    await backups(loaded_entry).async_refresh()
    await hass.async_block_till_done()
    newest = hass.states.get("sensor.tank_applications_n8n_newest_snapshot")
    assert newest is not None
    assert newest.state != "unknown"


async def test_refusals(hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry) -> None:
    async def refused(key: str, **data: Any) -> None:
        with pytest.raises(ServiceValidationError) as err:
            await trigger(hass, **data)
        assert err.value.translation_key == key

    await refused("backup_task_disabled", device_id=device_id(hass, loaded_entry, "snapshottask_2"))
    pool = device_id(hass, loaded_entry, "pool_tank")
    await refused("not_a_backup_target", device_id=pool)
    await lab.control("POST", "/control/backups/cloudsync/1/set", {"locked": True})
    await lab.control("POST", "/control/backups/replication/1/set", {"state": "HOLD"})
    await backups(loaded_entry).async_refresh()
    await refused("backup_task_locked", device_id=device_id(hass, loaded_entry, "cloudsync_1"))
    await refused("backup_task_on_hold", device_id=device_id(hass, loaded_entry, "replication_1"))
    # With several targets, a refused one stops all of them before anything starts.
    await refused(
        "backup_task_disabled",
        device_id=[
            device_id(hass, loaded_entry, "cloudsync_2"),
            device_id(hass, loaded_entry, "snapshottask_2"),
        ],
    )
    assert (TaskKind.CLOUD_SYNC, 2) not in backups(loaded_entry).jobs


async def test_several_targets(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await fast(lab, "cloudsync", 2)
    result = await trigger(
        hass,
        device_id=[
            device_id(hass, loaded_entry, "cloudsync_2"),
            device_id(hass, loaded_entry, "dataset_tank/applications/vikunja"),
        ],
        wait=True,
        naming_schema="pre-upgrade-%Y%m%d",
    )
    assert set(result["backups"]) == {"cloudsync_2", "tank/applications/vikunja"}
    assert result["backups"]["cloudsync_2"]["state"] == "SUCCESS"
    assert result["backups"]["tank/applications/vikunja"]["snapshot"].startswith(
        "tank/applications/vikunja@pre-upgrade-"
    )
    assert (
        await trigger(
            hass,
            response=False,
            device_id=device_id(hass, loaded_entry, "dataset_tank/applications/radicale"),
        )
        is None
    )


async def test_run_now_button_and_live_progress(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await fast(lab, "replication", 1, 2)
    seen: list[str] = []

    def progress() -> str:
        state = hass.states.get("sensor.replication_tank_applications_offsite_progress")
        assert state is not None
        if state.state not in seen:
            seen.append(state.state)
        return state.state

    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.replication_tank_applications_offsite_run_now"},
        blocking=True,
    )
    assert last_event(hass, REPLICATION_EVENT)[0] == "started"
    # Progress arrives with core.get_jobs events, between two polls.
    await wait_for(lambda: progress() not in {"unknown", "0.0", "0"}, timeout=5)
    assert 0 < float(progress()) < 100
    # While it runs the task reads running (it read "finished" from the last poll), and the
    # bytes sent come from the task's state on the server.
    prefix = "sensor.replication_tank_applications_offsite"
    assert hass.states.get(f"{prefix}_state").state == "running"
    await wait_for(
        lambda: hass.states.get(f"{prefix}_bytes_sent").state not in {"unknown", "0"}, timeout=5
    )
    await wait_for(lambda: last_event(hass, REPLICATION_EVENT)[0] == "succeeded", timeout=10)
    assert len([value for value in seen if value != "unknown"]) >= 2
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.snapshots_of_tank_applications_qbittorrent_run_now"},
            blocking=True,
        )


async def test_scheduled_runs_are_reported(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """Runs the schedule makes (no job event here) are reported at the next refresh."""
    await lab.control("POST", "/control/backups/cloudsync/2/fail_next", {"error": "quota"})
    await lab.control("POST", "/control/backups/advance", {"seconds": 7 * 86400})
    await backups(loaded_entry).async_refresh()
    await hass.async_block_till_done()
    assert last_event(hass, SNAPSHOT_EVENT)[0] == "succeeded"
    assert last_event(hass, REPLICATION_EVENT)[0] == "succeeded"
    assert last_event(hass, "event.cloud_sync_nextcloud_to_b2_run")[0] == "failed"
    # A scheduled job with events (started from the control API) is reported once.
    await fast(lab, "cloudsync", 1)
    await lab.control("POST", "/control/backups/cloudsync/1/run")
    await wait_for(lambda: last_event(hass, CLOUD_EVENT)[0] == "succeeded", timeout=5)


async def test_start_failures(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await lab.control(
        "POST",
        "/control/method_error",
        {"method": "replication.run", "message": "nope", "count": 1},
    )
    with pytest.raises(HomeAssistantError) as err:
        await trigger(hass, device_id=device_id(hass, loaded_entry, "replication_1"))
    assert err.value.translation_key == "backup_start_failed"
    await lab.control(
        "POST", "/control/method_error", {"method": "pool.snapshot.create", "count": 1}
    )
    with pytest.raises(HomeAssistantError) as err:
        await trigger(
            hass, device_id=device_id(hass, loaded_entry, "dataset_tank/applications/n8n")
        )
    assert err.value.translation_key == "snapshot_failed"
