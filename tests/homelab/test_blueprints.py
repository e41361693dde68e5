"""The automation blueprints, loaded into Home Assistant and triggered through the simulator.

Each test copies the integration's blueprints into the test configuration (where Home
Assistant looks for them), creates an automation with `use_blueprint`, makes the lab do what the
blueprint watches for (a pool degrades, a backup goes stale, an app crashes, ...), and checks
the actions the automation took: a mock `notify.test` service records the notifications.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import BlueprintInputs
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.homelab.const import DOMAIN, EntryType
from tests.common import LabHandle, wait_for
from tests.conftest import PINNED_NOW
from tests.homelab.conftest import entry_data
from tests.homelab.pipeline.conftest import make_entry, paperless_data, setup_entry

BLUEPRINTS = (
    Path(__file__).parents[2] / "custom_components" / "homelab" / "blueprints" / "automation"
)
REPO_URL = "https://github.com/homelab-team/homelab/blob/main/"
NOTIFY: list[dict[str, Any]] = [
    {"action": "notify.test", "data": {"title": "{{ title }}", "message": "{{ message }}"}}
]


@pytest.fixture
async def blueprint_dir(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[Path]:
    """A configuration directory holding the integration's blueprints, as after an import."""
    original = hass.config.config_dir
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints" / "automation")
    yield tmp_path / "blueprints" / "automation" / "homelab"
    # Turning the automations off stops their runs and time triggers (no lingering timers).
    if hass.services.has_service("automation", "turn_off"):
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": "all", "stop_actions": True}, blocking=True
        )
    hass.config.config_dir = original


@pytest.fixture
def notify(hass: HomeAssistant) -> list[ServiceCall]:
    """Calls of a mock notify.test service."""
    return async_mock_service(hass, "notify", "test")


async def use_blueprint(hass: HomeAssistant, name: str, inputs: dict[str, Any]) -> None:
    """Create the automation `automation.test` from a Home Lab blueprint."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "test",
                "use_blueprint": {"path": f"homelab/{name}", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get("automation.test")
    assert state is not None
    assert state.state == STATE_ON, state.attributes


APP_STATE = "sensor.paperless_ngx_state"


async def use_restart_blueprint(hass: HomeAssistant, **inputs: Any) -> None:
    """`automation.test` restarts Paperless-ngx's app when it crashes, and notifies on giving up."""
    await use_blueprint(
        hass,
        "restart_crashed_app.yaml",
        {"app_state": APP_STATE, "for": {"seconds": 0}, "give_up_actions": NOTIFY, **inputs},
    )


def device_id(hass: HomeAssistant, name: str) -> str:
    """The id of the device with that name (a dataset's device is named after the dataset)."""
    devices = [d for d in dr.async_get(hass).devices if d.name == name]
    assert len(devices) == 1, name
    return devices[0].id


def app_calls(calls: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    """The simulator's log entries of one method."""
    return [call for call in calls if call.get("method") == method]


def test_blueprints_are_valid() -> None:
    """Every blueprint passes Home Assistant's schema and points at its own source URL."""
    paths = sorted((BLUEPRINTS / "homelab").glob("*.yaml"))
    assert [path.stem for path in paths] == [
        "backup_before_update",
        "backup_stale",
        "pipeline_stuck",
        "pool_degraded",
        "restart_crashed_app",
        "ups_shutdown",
    ]
    for path in paths:
        blueprint = Blueprint(
            load_yaml_dict(path), expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA
        )
        source = str(path.relative_to(BLUEPRINTS.parents[3]))
        assert blueprint.metadata["source_url"] == REPO_URL + source
        assert blueprint.metadata["name"].startswith("Home Lab - ")
        # Inputs that have no default must be given; the rest fall back to their defaults.
        required = {key for key, value in blueprint.inputs.items() if "default" not in value}
        inputs = BlueprintInputs(
            blueprint, {"use_blueprint": {"path": path.name, "input": dict.fromkeys(required)}}
        )
        inputs.validate()


async def test_pool_degraded(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """A degraded pool is reported, and so is its recovery."""
    await use_blueprint(
        hass, "pool_degraded.yaml", {"pool_status": ["sensor.tank_status"], "actions": NOTIFY}
    )
    await lab.control("POST", "/control/pool/tank/state", {"status": "DEGRADED"})
    await wait_for(lambda: len(notify) == 1)
    assert notify[0].data["title"] == "Pool tank is degraded"
    assert "The TrueNAS pool tank is degraded (it was online)." in notify[0].data["message"]

    await lab.control("POST", "/control/pool/tank/state", {"status": "ONLINE"})
    # A recovery raises no alert that would push it: the next poll sees it.
    await loaded_entry.runtime_data.coordinator.async_refresh()
    await wait_for(lambda: len(notify) == 2)
    assert notify[1].data["title"] == "Pool tank is back online"


async def test_pool_degraded_default_actions(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, blueprint_dir: Path
) -> None:
    """Without actions of its own, the blueprint creates a persistent notification."""
    created = async_mock_service(hass, "persistent_notification", "create")
    await use_blueprint(
        hass, "pool_degraded.yaml", {"pool_status": ["sensor.tank_status"], "for": {"seconds": 0}}
    )
    await lab.control("POST", "/control/pool/tank/state", {"status": "FAULTED"})
    await wait_for(lambda: len(created) == 1)
    assert created[0].data == {
        "title": "Pool tank is faulted",
        "message": "The TrueNAS pool tank is faulted (it was online). "
        "Check its disks in TrueNAS under Storage.",
        "notification_id": "homelab_pool_sensor.tank_status",
    }


async def test_backup_stale(
    hass: HomeAssistant, lab: LabHandle, blueprint_dir: Path, notify: list[ServiceCall]
) -> None:
    """A replication that gets fresh, then stale again with time, is reported both ways."""
    # The lab's backup clock starts at the pinned moment: bring it to now, so that a run by
    # hand is recent. The replication then counts as stale 2 s after its last success.
    lag = (dt_util.utcnow() - PINNED_NOW).total_seconds()
    await lab.control("POST", "/control/backups/advance", {"seconds": max(lag, 0)})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="nas",
        unique_id=lab.host_id,
        data=entry_data(lab),
        options={"backups": {"task_max_age": 2 / 3600}},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    stale = "binary_sensor.replication_tank_applications_offsite_stale"
    assert hass.states.get(stale).state == STATE_ON
    await use_blueprint(
        hass,
        "backup_stale.yaml",
        {"stale_sensors": [stale], "actions": NOTIFY, "notify_recovery": True},
    )

    await hass.services.async_call(
        "homelab", "trigger_backup", {"entity_id": stale, "wait": True}, blocking=True
    )
    await entry.runtime_data.backups.async_refresh()
    await wait_for(lambda: len(notify) == 1)
    name = "Replication tank/applications - offsite"
    assert notify[0].data["title"] == f"Backup fresh again: {name}"
    # Nothing runs it again: 2 s later it is overdue.
    await wait_for(lambda: len(notify) == 2, timeout=10)
    assert notify[1].data["title"] == f"Backup overdue: {name}"
    assert notify[1].data["message"].startswith(f"{name} has had no successful run")


async def test_pipeline_stuck(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """Paperless-ngx's Stuck sensor turning on is reported, with the pipeline's depth."""
    paperless = await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab)))
    stuck = "binary_sensor.paperless_ngx_stuck"
    assert hass.states.get(stuck).state == STATE_OFF
    await use_blueprint(
        hass,
        "pipeline_stuck.yaml",
        {
            "stuck_sensor": stuck,
            "depth_sensor": "sensor.pipeline_depth",
            "for": {"seconds": 0},
            "actions": NOTIFY,
        },
    )
    await lab.control("POST", "/control/paperless/health", {"celery": "ERROR"})
    # /api/status/ is slow on a real server and read every 15 minutes; this test is about the
    # blueprint, so the next refresh reads it at once.
    with patch("custom_components.homelab.pipeline.paperless.STATUS_INTERVAL", timedelta(0)):
        await paperless.runtime_data.coordinator.async_refresh()
    await wait_for(lambda: len(notify) == 1)
    depth = hass.states.get("sensor.pipeline_depth").state
    assert notify[0].data["title"] == "Document pipeline stuck"
    assert notify[0].data["message"].endswith(f" {depth} documents are in the pipeline.")


async def test_pipeline_too_deep(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """A pipeline deeper than the limit is reported too."""
    paperless = await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab)))
    depth = int(hass.states.get("sensor.pipeline_depth").state)
    await use_blueprint(
        hass,
        "pipeline_stuck.yaml",
        {
            "stuck_sensor": "binary_sensor.paperless_ngx_stuck",
            "depth_sensor": "sensor.pipeline_depth",
            "max_depth": depth + 5,
            "for": {"seconds": 0},
            "actions": NOTIFY,
        },
    )
    await lab.control("POST", "/control/paperless/consume", {"count": 10})
    await paperless.runtime_data.coordinator.async_refresh()
    await wait_for(lambda: len(notify) == 1)
    now = hass.states.get("sensor.pipeline_depth").state
    assert notify[0].data["message"] == f"{now} documents are waiting in the pipeline."


async def test_restart_crashed_app(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """A crashed app is restarted once; it stays up, so nobody is told."""
    state = APP_STATE
    await use_restart_blueprint(hass, cooldown={"seconds": 1})
    await lab.control("DELETE", "/control/calls")
    await lab.control("POST", "/control/apps/paperless-ngx/crash")
    await wait_for(lambda: hass.states.get(state).state == "crashed")
    await wait_for(lambda: hass.states.get(state).state == "running")
    await wait_for(lambda: hass.states.get("automation.test").attributes["current"] == 0)
    assert len(app_calls(await lab.calls(), "app.redeploy")) == 1
    assert notify == []


async def test_restart_crashed_app_gives_up(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """An app that crashes again inside the cool-down after its last restart: a notification.

    The cool-down is long, so the second crash lands inside it however slow the machine is.
    """
    state = APP_STATE
    await use_restart_blueprint(hass, max_attempts=1, cooldown={"hours": 1})
    await lab.control("DELETE", "/control/calls")
    await lab.control("POST", "/control/apps/paperless-ngx/crash")
    await wait_for(lambda: hass.states.get(state).state == "crashed")
    await wait_for(lambda: hass.states.get(state).state == "running")
    assert notify == []
    await lab.control("POST", "/control/apps/paperless-ngx/crash")
    await wait_for(lambda: len(notify) == 1)
    assert notify[0].data["title"] == "Paperless-ngx keeps crashing"
    assert "still crashed after 1 restart attempt." in notify[0].data["message"]
    assert len(app_calls(await lab.calls(), "app.redeploy")) == 1


async def test_restart_crashed_app_retries_up_to_the_limit(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """TrueNAS refuses every restart: the blueprint tries up to the limit, then tells the user.

    Nothing here races the automation: the refusals are set up before the crash.
    """
    state = APP_STATE
    await use_restart_blueprint(hass, max_attempts=2, cooldown={"seconds": 1})
    await lab.control("DELETE", "/control/calls")
    await lab.control("POST", "/control/method_error", {"method": "app.redeploy", "count": 2})
    await lab.control("POST", "/control/apps/paperless-ngx/crash")
    await wait_for(lambda: len(notify) == 1)
    assert notify[0].data["title"] == "Paperless-ngx keeps crashing"
    assert "still crashed after 2 restart attempts." in notify[0].data["message"]
    assert len(app_calls(await lab.calls(), "app.redeploy")) == 2
    assert hass.states.get(state).state == "crashed"


async def test_restart_leaves_a_stopped_app_alone(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """An app someone stopped during the grace period is not restarted."""
    state = APP_STATE
    await use_restart_blueprint(hass)
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "automation.test"}, blocking=True
    )
    await lab.control("POST", "/control/apps/paperless-ngx/crash")
    await wait_for(lambda: hass.states.get(state).state == "crashed")
    await lab.control("POST", "/control/apps/paperless-ngx/state", {"state": "STOPPED"})
    await wait_for(lambda: hass.states.get(state).state == "stopped")
    await lab.control("DELETE", "/control/calls")
    await hass.services.async_call(
        "automation", "trigger", {"entity_id": "automation.test"}, blocking=True
    )
    await hass.async_block_till_done()
    assert app_calls(await lab.calls(), "app.redeploy") == []
    assert hass.states.get(state).state == "stopped"
    assert notify == []


async def test_backup_before_update(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """The app's dataset is snapshotted first, then the update is installed."""
    update = "update.nextcloud_app_version"
    assert hass.states.get(update).state == STATE_ON
    await use_blueprint(
        hass,
        "backup_before_update.yaml",
        {
            "updates": [update, "update.syncthing_app_version"],
            "backup_target": {"device_id": device_id(hass, "tank/applications/nextcloud")},
            "done_actions": NOTIFY,
            "failure_actions": NOTIFY,
        },
    )
    await lab.control("DELETE", "/control/calls")
    await hass.services.async_call(
        "automation", "trigger", {"entity_id": "automation.test"}, blocking=True
    )
    await wait_for(lambda: len(notify) == 1, timeout=10)
    assert notify[0].data == {
        "title": "Apps updated",
        "message": "Backed up, then updated Nextcloud.",
    }
    assert hass.states.get(update).state == STATE_OFF
    methods = [call.get("method") for call in await lab.calls()]
    assert methods.index("pool.snapshot.create") < methods.index("app.upgrade")
    assert app_calls(await lab.calls(), "app.upgrade")[0]["params"][0] == "nextcloud"


async def test_backup_before_update_stops_when_the_backup_fails(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """A failed backup leaves the app as it is and runs the failure actions."""
    update = "update.nextcloud_app_version"
    await use_blueprint(
        hass,
        "backup_before_update.yaml",
        {
            "updates": [update],
            "backup_target": {"entity_id": "button.cloud_sync_nextcloud_to_b2_run_now"},
            "failure_actions": NOTIFY,
        },
    )
    await lab.control("POST", "/control/backups/cloudsync/2/set", {"seconds": 0.5})
    await lab.control("POST", "/control/backups/cloudsync/2/fail_next", {"error": "B2 is down"})
    await lab.control("DELETE", "/control/calls")
    await hass.services.async_call(
        "automation", "trigger", {"entity_id": "automation.test"}, blocking=True
    )
    await wait_for(lambda: len(notify) == 1, timeout=20)
    assert notify[0].data["title"] == "No app updates: the backup failed"
    assert "B2 is down" in notify[0].data["message"]
    assert hass.states.get(update).state == STATE_ON
    assert app_calls(await lab.calls(), "app.upgrade") == []


async def test_backup_before_update_at_its_time(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    blueprint_dir: Path,
    notify: list[ServiceCall],
) -> None:
    """Nothing happens when no chosen app has an update (the time trigger's condition)."""
    await use_blueprint(
        hass,
        "backup_before_update.yaml",
        {
            "updates": ["update.syncthing_app_version"],
            "backup_target": {"device_id": device_id(hass, "tank/applications/syncthing")},
            "done_actions": NOTIFY,
            "failure_actions": NOTIFY,
        },
    )
    await lab.control("DELETE", "/control/calls")
    await hass.services.async_call(
        "automation",
        "trigger",
        {"entity_id": "automation.test", "skip_condition": False},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert notify == []
    assert app_calls(await lab.calls(), "pool.snapshot.create") == []


async def test_ups_shutdown(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, blueprint_dir: Path
) -> None:
    """The UPS on battery for the set time: one homelab.shutdown_nas on the chosen NAS."""
    # Shutting TrueNAS down needs FULL_ADMIN (the seed lab's key is read-mostly).
    await lab.control("POST", f"/control/user/{lab.username}/roles", {"roles": ["FULL_ADMIN"]})
    hass.states.async_set("sensor.ups_status", "OL")
    await use_blueprint(
        hass,
        "ups_shutdown.yaml",
        {
            "ups": "sensor.ups_status",
            "for": {"seconds": 0},
            "nas": device_id(hass, "nas"),
            "delay": 30,
        },
    )
    hass.states.async_set("sensor.ups_status", "OL CHRG")
    await hass.async_block_till_done()
    assert app_calls(await lab.calls(), "system.shutdown") == []

    hass.states.async_set("sensor.ups_status", "OB DISCHRG")
    shutdowns: list[dict[str, Any]] = []
    for _ in range(100):  # the automation's action reaches the simulator
        await hass.async_block_till_done()
        if shutdowns := app_calls(await lab.calls(), "system.shutdown"):
            break
        await asyncio.sleep(0.05)
    [shutdown] = shutdowns
    assert shutdown["params"][1:] == [{"delay": 30}]
