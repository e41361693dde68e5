"""TrueNAS apps against the running simulator: push, dynamic devices, stats and actions."""

from __future__ import annotations

import time
from unittest.mock import PropertyMock, patch

from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.switch import SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.components.update import SERVICE_INSTALL
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab import async_remove_config_entry_device
from custom_components.homelab.const import DOMAIN
from custom_components.homelab.nas.identifiers import app_identifier, pool_identifier
from tests.common import LabHandle, wait_for


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def app_device(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, name: str
) -> dr.DeviceEntry:
    device = device_registry.async_get_device_by_identifier(
        app_identifier(entry, name), entry.entry_id
    )
    assert device is not None
    return device


async def test_app_device(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    device = app_device(device_registry, loaded_entry, "paperless-ngx")
    assert device.name == "Paperless-ngx"
    assert device.sw_version == "2.20.15_1.3.2"
    assert device.model == "Community train"
    # labsim answers as a real box does (portal on the apps library's host 0.0.0.0); the
    # link points at the NAS's host instead.
    assert device.configuration_url == "http://127.0.0.1:30070/"
    assert device.via_device_id == loaded_entry.runtime_data.system_device_id
    assert state(hass, "sensor.paperless_ngx_state") == "running"
    assert state(hass, "binary_sensor.paperless_ngx_running") == "on"
    assert state(hass, "sensor.paperless_ngx_containers") == "3"
    assert state(hass, "sensor.paperless_ngx_containers_running") == "3"
    assert state(hass, "update.nextcloud_app_version") == "on"
    assert state(hass, "update.paperless_ngx_app_version") == "off"


async def test_crash_is_pushed_within_a_second(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """Polling plays no part: the safety net runs every 5 minutes."""
    started = time.monotonic()
    await lab.control("POST", "/control/apps/ollama/crash")
    await wait_for(lambda: state(hass, "sensor.ollama_state") == "crashed", timeout=1)
    assert time.monotonic() - started < 1
    assert state(hass, "binary_sensor.ollama_running") == "off"
    assert state(hass, "switch.ollama_run") == "off"


async def test_install_and_delete_app(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await lab.control(
        "POST",
        "/control/apps",
        {"name": "immich", "version": "1.0.1", "app_version": "1.133.0", "ports": [30041]},
    )
    await wait_for(lambda: hass.states.get("sensor.immich_state") is not None, timeout=2)
    device = app_device(device_registry, loaded_entry, "immich")
    assert not await async_remove_config_entry_device(hass, loaded_entry, device)
    await wait_for(lambda: state(hass, "sensor.immich_state") == "running", timeout=3)
    await lab.control("DELETE", "/control/apps/immich")
    await wait_for(
        lambda: (
            device_registry.async_get_device_by_identifier(
                app_identifier(loaded_entry, "immich"), loaded_entry.entry_id
            )
            is None
        ),
        timeout=2,
    )


async def test_stats_are_pushed(hass: HomeAssistant, lab: LabHandle, mock_config_entry) -> None:
    with (
        patch("custom_components.homelab.nas.apps.coordinator.APP_STATS_INTERVAL", 2),
        # The network rates are disabled by default (they would fill the recorder).
        patch(
            "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
            return_value=True,
            new_callable=PropertyMock,
        ),
    ):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    await wait_for(lambda: state(hass, "sensor.ollama_cpu_usage") != "unknown", timeout=5)
    assert float(state(hass, "sensor.ollama_cpu_usage")) > 20
    assert float(state(hass, "sensor.ollama_memory")) > 8000  # MiB
    assert float(state(hass, "sensor.qbittorrent_network_received")) > 1000  # KiB/s
    subscribes = [c for c in await lab.calls() if c["method"] == "core.subscribe"]
    assert any(c["params"] == ['app.stats:{"interval": 2}'] for c in subscribes)


async def test_stats_are_written_once_a_minute(
    hass: HomeAssistant, lab: LabHandle, mock_config_entry: MockConfigEntry
) -> None:
    """Samples every 2 s: the CPU sensor is written for the first, then not again within 60 s."""
    writes: list[str] = []

    @callback
    def written(event: Event[EventStateChangedData]) -> None:
        if event.data["new_state"] is not None:
            writes.append(event.data["new_state"].state)

    async_track_state_change_event(hass, ["sensor.ollama_cpu_usage"], written)
    with patch("custom_components.homelab.nas.apps.coordinator.APP_STATS_INTERVAL", 2):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    samples: list[float] = []
    apps = mock_config_entry.runtime_data.apps
    apps.add_stats_listener("ollama", lambda: samples.append(apps.stats["ollama"].cpu_usage))
    await wait_for(lambda: len(samples) >= 3, timeout=15)
    assert len(set(samples)) > 1  # the samples differ ...
    numbers = [w for w in writes if w not in ("unknown", "unavailable")]
    assert len(numbers) == 1, writes  # ... yet one value was written
    assert hass.states.get("sensor.ollama_network_received") is None  # disabled by default


async def test_restart_action_returns_job_result(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    device = app_device(device_registry, loaded_entry, "n8n")
    response = await hass.services.async_call(
        DOMAIN,
        "restart_app",
        {ATTR_DEVICE_ID: device.id, "wait": True},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["state"] == "SUCCESS"
    assert response["error"] is None
    assert isinstance(response["job_id"], int)
    methods = [c["method"] for c in await lab.calls()]
    assert "app.redeploy" in methods
    assert "app.stop" not in methods


async def test_start_and_stop_by_entity_target(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "stop_app",
        {ATTR_ENTITY_ID: "sensor.vikunja_state", "wait": True},
        blocking=True,
        return_response=True,
    )
    assert response == {"job_id": response["job_id"], "state": "SUCCESS", "error": None}
    await wait_for(lambda: state(hass, "sensor.vikunja_state") == "stopped")
    await hass.services.async_call(
        DOMAIN, "start_app", {ATTR_ENTITY_ID: "switch.vikunja_run"}, blocking=True
    )
    await wait_for(lambda: state(hass, "sensor.vikunja_state") == "running", timeout=3)


async def test_two_apps_at_once(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    devices = [app_device(device_registry, loaded_entry, n).id for n in ("radicale", "litellm")]
    response = await hass.services.async_call(
        DOMAIN,
        "restart_app",
        {ATTR_DEVICE_ID: devices},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert set(response["apps"]) == {"radicale", "litellm"}


async def test_double_restart_is_refused(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    device = app_device(device_registry, loaded_entry, "syncthing")
    await hass.services.async_call(
        DOMAIN, "restart_app", {ATTR_DEVICE_ID: device.id}, blocking=True
    )
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "restart_app", {ATTR_DEVICE_ID: device.id}, blocking=True
        )
    assert err.value.translation_key == "app_busy"
    # The button takes the same path and is refused the same way.
    with pytest.raises(HomeAssistantError) as pressed:
        await hass.services.async_call(
            "button", SERVICE_PRESS, {ATTR_ENTITY_ID: "button.syncthing_restart"}, blocking=True
        )
    assert pressed.value.translation_key == "app_busy"
    redeploys = [c for c in await lab.calls() if c["method"] == "app.redeploy"]
    assert len(redeploys) == 1


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({ATTR_ENTITY_ID: "sensor.does_not_exist"}, "unknown_target"),
        ({ATTR_DEVICE_ID: "no-such-device"}, "unknown_target"),
        ({}, "no_target"),
        ({ATTR_ENTITY_ID: "sensor.tank_status"}, "not_an_app"),
    ],
)
async def test_bad_targets(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, data: dict[str, str], key: str
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "restart_app", data, blocking=True)
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN


async def test_pool_device_is_not_an_app(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    pool = device_registry.async_get_device_by_identifier(
        pool_identifier(loaded_entry, "tank"), loaded_entry.entry_id
    )
    assert pool is not None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "stop_app", {ATTR_DEVICE_ID: pool.id}, blocking=True)
    assert err.value.translation_key == "not_an_app"


async def test_failing_job_surfaces_its_error(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    device = app_device(device_registry, loaded_entry, "litellm")
    await lab.control("POST", "/control/apps/litellm/fail_next_job", {"error": "image pull failed"})
    response = await hass.services.async_call(
        DOMAIN,
        "restart_app",
        {ATTR_DEVICE_ID: device.id, "wait": True},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["state"] == "FAILED"
    assert response["error"] == "image pull failed"
    await wait_for(lambda: state(hass, "sensor.litellm_state") == "crashed")
    await lab.control("POST", "/control/apps/litellm/fail_next_job", {"error": "again"})
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "restart_app", {ATTR_DEVICE_ID: device.id, "wait": True}, blocking=True
        )
    assert err.value.translation_key == "app_job_failed"


async def test_server_refusal_is_translated(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await lab.control("POST", "/control/method_error", {"method": "app.stop"})
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: "switch.radicale_run"}, blocking=True
        )
    assert err.value.translation_key == "app_action_failed"


async def test_switch_and_button(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: "switch.radicale_run"}, blocking=True
    )
    await wait_for(lambda: state(hass, "switch.radicale_run") == "off", timeout=3)
    apps = loaded_entry.runtime_data.apps
    await wait_for(lambda: apps.busy_job("radicale") is None, timeout=3)
    assert state(hass, "sensor.radicale_state") == "stopped"
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.radicale_run"}, blocking=True
    )
    await wait_for(lambda: apps.busy_job("radicale") is None, timeout=3)
    assert state(hass, "sensor.radicale_state") == "running"
    await hass.services.async_call(
        "button", SERVICE_PRESS, {ATTR_ENTITY_ID: "button.radicale_restart"}, blocking=True
    )
    await wait_for(lambda: state(hass, "sensor.radicale_state") == "deploying", timeout=2)
    await wait_for(lambda: state(hass, "sensor.radicale_state") == "running", timeout=3)


async def test_update_installs_upgrade(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    entity = "update.nextcloud_app_version"
    assert hass.states.get(entity).attributes["latest_version"] == "2.1.9"
    await hass.services.async_call(
        "update", SERVICE_INSTALL, {ATTR_ENTITY_ID: entity}, blocking=True
    )
    await wait_for(lambda: state(hass, entity) == "off", timeout=3)
    assert hass.states.get(entity).attributes["installed_version"] == "2.1.9"
    device = dr.async_get(hass).async_get_device_by_identifier(
        app_identifier(loaded_entry, "nextcloud"), loaded_entry.entry_id
    )
    assert device is not None
    assert device.sw_version == "31.0.5_2.1.9"


async def test_failed_upgrade_raises(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await lab.control("POST", "/control/apps/nextcloud/fail_next_job", {"error": "no space"})
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "update",
            SERVICE_INSTALL,
            {ATTR_ENTITY_ID: "update.nextcloud_app_version"},
            blocking=True,
        )
    assert err.value.translation_key == "app_job_failed"


async def test_app_entities_follow_the_connection(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    await lab.control("POST", "/control/stall", {"seconds": 1})
    await lab.control("POST", "/control/drop_connections")
    await wait_for(lambda: state(hass, "sensor.n8n_state") == STATE_UNAVAILABLE)
    # A safety-net refresh during the outage keeps the last data and logs nothing.
    await loaded_entry.runtime_data.apps.async_refresh()
    await wait_for(lambda: state(hass, "sensor.n8n_state") == "running", timeout=10)
