"""One lab service, one device: a TrueNAS app and the pipeline entry at its portal (links.py).

The seed lab's app portals are NodePorts nothing listens on here; each test reinstalls the app
with its portal at the simulated service's port, as on a real NAS, where the app's portal is the
service the pipeline entry talks to.
"""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
)
from yarl import URL

from custom_components.homelab.clients.truenas import App
from custom_components.homelab.const import DOMAIN, EntryType
from custom_components.homelab.diagnostics import async_get_config_entry_diagnostics
from custom_components.homelab.links import MAIN, ServicePlace, endpoint, find_links
from custom_components.homelab.nas.identifiers import app_identifier
from custom_components.homelab.pipeline.entity import PAPERLESS_AI, service_identifier
from custom_components.homelab.targets import object_device, owned_objects
from tests.common import LabHandle, wait_for

from .conftest import make_entry, n8n_data, paperless_data, setup_entry

OLLAMA_APP = {
    "name": "ollama",
    "title": "Ollama",
    "version": "1.0.40",
    "app_version": "0.9.6",
    "train": "community",
    "state": "RUNNING",
    "containers": [{"service": "ollama", "image": "ollama/ollama:0.9.6"}],
}


async def serve_app_at(lab: LabHandle, app: dict[str, Any], url: str | None) -> None:
    """Reinstall `app` with its portal where the simulated service answers (a wildcard host)."""
    assert url is not None
    port = URL(url).port
    await lab.control("DELETE", f"/control/apps/{app['name']}")
    await lab.control(
        "POST",
        "/control/apps",
        {**app, "portals": {"Web UI": f"http://0.0.0.0:{port}/"}, "ports": [port]},
    )
    # Installing deploys first: wait for the state the app was installed with.
    for _ in range(500):
        if (await lab.control("GET", "/control/apps")).get(app["name"]) == app["state"]:
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"{app['name']} did not reach {app['state']}")


def app_unique_id(nas: MockConfigEntry, key: str) -> str:
    return f"{nas.unique_id}_app_ollama_{key}"


def app_entity_id(entity_registry: er.EntityRegistry, nas: MockConfigEntry, key: str) -> str:
    platform = {"state": "sensor", "running": "binary_sensor", "restart": "button"}.get(key, key)
    entity_id = entity_registry.async_get_entity_id(platform, DOMAIN, app_unique_id(nas, key))
    assert entity_id is not None, key
    return entity_id


def service_device(device_registry: dr.DeviceRegistry, entry: MockConfigEntry) -> dr.DeviceEntry:
    device = device_registry.async_get_device_by_identifier(
        service_identifier(entry), entry.entry_id
    )
    assert device is not None
    return device


def own_app_device(
    device_registry: dr.DeviceRegistry, nas: MockConfigEntry, name: str = "ollama"
) -> dr.DeviceEntry | None:
    return device_registry.async_get_device_by_identifier(app_identifier(nas, name), nas.entry_id)


def carried_on(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    runtime = getattr(entry, "runtime_data", None)
    return [link.app_name for link in runtime.carried] if runtime is not None else []


async def linked(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, nas: MockConfigEntry, service: Any
) -> None:
    """Wait until the reloads that make the link have settled."""

    def done() -> bool:
        entity = entity_registry.async_get(
            entity_registry.async_get_entity_id("sensor", DOMAIN, app_unique_id(nas, "state")) or ""
        )
        return (
            nas.state is ConfigEntryState.LOADED
            and service.state is ConfigEntryState.LOADED
            and carried_on(hass, service) == ["ollama"]
            and entity is not None
            and entity.config_entry_id == service.entry_id
            and hass.states.get(entity.entity_id) is not None
            and hass.states.get(entity.entity_id).state != "unavailable"
        )

    await wait_for(done, timeout=20)
    await hass.async_block_till_done()


@pytest.fixture
async def linked_nas(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    ollama_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> MockConfigEntry:
    """The NAS entry, once the Ollama entry carries the lab's Ollama app (at its portal)."""
    await serve_app_at(lab, OLLAMA_APP, lab.simulator.service_url("ollama"))
    nas = await setup_entry(hass, mock_config_entry)
    await setup_entry(hass, ollama_entry)
    await linked(hass, entity_registry, nas, ollama_entry)
    return nas


async def test_an_app_and_its_service_are_one_device(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    ollama_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Added after the NAS: the app's entities move onto the service's device, settings kept."""
    await serve_app_at(lab, OLLAMA_APP, lab.simulator.service_url("ollama"))
    nas = await setup_entry(hass, mock_config_entry)
    state_id = app_entity_id(entity_registry, nas, "state")
    entity_registry.async_update_entity(state_id, name="Ollama container")  # a user's setting
    assert own_app_device(device_registry, nas) is not None

    await setup_entry(hass, ollama_entry)
    await linked(hass, entity_registry, nas, ollama_entry)

    device = service_device(device_registry, ollama_entry)
    moved = entity_registry.async_get(state_id)
    assert moved is not None
    assert (moved.entity_id, moved.device_id, moved.name) == (
        state_id,
        device.id,
        "Ollama container",
    )
    assert own_app_device(device_registry, nas) is None
    on_device = {
        entity.unique_id
        for entity in er.async_entries_for_device(
            entity_registry, device.id, include_disabled_entities=True
        )
    }
    # The service's metrics and every entity of the app, on one device.
    assert f"{ollama_entry.entry_id}_version" in on_device
    assert {
        app_unique_id(nas, key)
        for key in ("state", "cpu", "memory", "running", "restart", "run", "update")
    } <= on_device
    assert [device.name for device in device_registry.devices].count("Ollama") == 1
    assert hass.states.get(state_id).state == "running"
    assert hass.states.get("update.ollama_app_version") is not None
    assert hass.states.get("switch.ollama_run").state == "on"

    # The NAS entry unloaded (reloading, say): the link stays, the app's entities wait.
    await hass.config_entries.async_unload(nas.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(state_id).state == "unavailable"
    assert carried_on(hass, ollama_entry) == ["ollama"]
    assert own_app_device(device_registry, nas) is None
    # Back: the service entry carries the app from the new coordinator.
    await hass.config_entries.async_setup(nas.entry_id)
    await linked(hass, entity_registry, nas, ollama_entry)
    assert ollama_entry.runtime_data.carried[0].apps is nas.runtime_data.apps


async def test_actions_aimed_at_the_one_device_act_on_the_app(
    hass: HomeAssistant,
    lab: LabHandle,
    linked_nas: MockConfigEntry,
    ollama_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    nas = linked_nas
    device = service_device(device_registry, ollama_entry)

    await hass.services.async_call(
        DOMAIN, "restart_app", {ATTR_DEVICE_ID: device.id}, blocking=True
    )
    redeploys = [c for c in await lab.calls() if c["method"] == "app.redeploy"]
    assert [c["params"][0] for c in redeploys] == ["ollama"]
    # The Ollama actions still take the device as the Ollama service.
    await hass.services.async_call(
        DOMAIN,
        "unload_model",
        {ATTR_DEVICE_ID: device.id, "model": "qwen3:14b"},
        blocking=True,
    )
    # Where the app is listed (Assist, the LLM API), its device is the service's.
    identifier = next(
        identifier
        for identifier, (kind, key) in owned_objects(nas).items()
        if (kind, key) == ("app", "ollama")
    )
    found = object_device(hass, nas, identifier)
    assert found is not None
    assert found.id == device.id
    # Automations on the one device: the app's triggers and conditions are offered there.
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device.id)
    assert "app_crashed" in {trigger["type"] for trigger in triggers}
    conditions = await async_get_device_automations(hass, DeviceAutomationType.CONDITION, device.id)
    assert "is_running" in {condition["type"] for condition in conditions}
    # Diagnostics say what the entry carries.
    assert await async_setup_component(hass, "diagnostics", {})
    diagnostics = await async_get_config_entry_diagnostics(hass, ollama_entry)
    assert diagnostics["carried_apps"] == [{"app": "ollama", "device": "service"}]


async def test_a_service_that_carries_no_app_is_not_an_app(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """n8n's portal in the seed lab is a NodePort the n8n entry does not use: no link."""
    await setup_entry(hass, mock_config_entry)
    n8n = await setup_entry(hass, make_entry(EntryType.N8N, n8n_data(lab)))
    assert carried_on(hass, n8n) == []
    device = service_device(device_registry, n8n)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "restart_app", {ATTR_DEVICE_ID: device.id}, blocking=True
        )
    assert err.value.translation_key == "not_an_app"


async def test_service_down_at_start_still_shows_its_app(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    ollama_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Service entry first and its service down: once the NAS links it, it loads to carry the
    app (state, restart), and its own entities wait, unavailable."""
    await serve_app_at(lab, OLLAMA_APP, lab.simulator.service_url("ollama"))
    await lab.control("POST", "/control/ollama/fault", {"status": 503})
    await setup_entry(hass, ollama_entry)
    assert ollama_entry.state is ConfigEntryState.SETUP_RETRY  # nothing to carry yet

    nas = await setup_entry(hass, mock_config_entry)
    await linked(hass, entity_registry, nas, ollama_entry)
    assert hass.states.get(app_entity_id(entity_registry, nas, "state")).state == "running"
    assert hass.states.get("sensor.ollama_version").state == "unavailable"

    await lab.control("DELETE", "/control/ollama/fault")
    await ollama_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.ollama_version").state != "unavailable"


async def test_removing_the_service_entry_gives_the_app_its_device_back(
    hass: HomeAssistant,
    lab: LabHandle,
    linked_nas: MockConfigEntry,
    ollama_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    nas = linked_nas

    await hass.config_entries.async_remove(ollama_entry.entry_id)
    await wait_for(lambda: own_app_device(device_registry, nas) is not None, timeout=20)
    await hass.async_block_till_done()
    device = own_app_device(device_registry, nas)
    assert device is not None
    state = entity_registry.async_get(app_entity_id(entity_registry, nas, "state"))
    assert state is not None
    assert (state.config_entry_id, state.device_id) == (nas.entry_id, device.id)
    assert hass.states.get(state.entity_id).state == "running"


async def test_disabling_the_service_entry_gives_the_app_back_enabled(
    hass: HomeAssistant,
    lab: LabHandle,
    linked_nas: MockConfigEntry,
    ollama_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Home Assistant disables an entry's entities with it; the app's come back enabled."""
    nas = linked_nas
    state_id = app_entity_id(entity_registry, nas, "state")

    await hass.config_entries.async_set_disabled_by(ollama_entry.entry_id, ConfigEntryDisabler.USER)
    await wait_for(lambda: own_app_device(device_registry, nas) is not None, timeout=20)
    await hass.async_block_till_done()
    state = entity_registry.async_get(state_id)
    assert state is not None
    assert (state.config_entry_id, state.disabled_by) == (nas.entry_id, None)
    assert hass.states.get(state_id).state == "running"
    # The service's own entities stay disabled with their entry.
    version = entity_registry.async_get("sensor.ollama_version")
    assert version is not None
    assert version.disabled_by is er.RegistryEntryDisabler.CONFIG_ENTRY


async def test_removing_the_nas_entry_drops_the_app_from_the_service_device(
    hass: HomeAssistant,
    lab: LabHandle,
    linked_nas: MockConfigEntry,
    ollama_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    nas = linked_nas

    await hass.config_entries.async_remove(nas.entry_id)

    def dropped() -> bool:
        return (
            ollama_entry.state is ConfigEntryState.LOADED
            and carried_on(hass, ollama_entry) == []
            and entity_registry.async_get_entity_id("sensor", DOMAIN, app_unique_id(nas, "state"))
            is None
        )

    await wait_for(dropped, timeout=20)
    await hass.async_block_till_done()
    device = service_device(device_registry, ollama_entry)
    left = er.async_entries_for_device(entity_registry, device.id, include_disabled_entities=True)
    assert left
    assert all(entity.unique_id.startswith(ollama_entry.entry_id) for entity in left)
    assert hass.states.get("sensor.ollama_version").state != "unavailable"


async def test_paperless_ai_app_shows_on_the_paperless_ai_device(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    await serve_app_at(
        lab,
        {**OLLAMA_APP, "name": "paperless-ai", "title": "Paperless-AI", "train": "custom"},
        lab.simulator.service_url("paperless_ai"),
    )
    nas = await setup_entry(hass, mock_config_entry)
    paperless = await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab)))
    await wait_for(lambda: carried_on(hass, paperless) == ["paperless-ai"], timeout=20)
    await hass.async_block_till_done()
    ai_device = device_registry.async_get_device_by_identifier(
        service_identifier(paperless, PAPERLESS_AI), paperless.entry_id
    )
    assert ai_device is not None
    state = entity_registry.async_get(
        entity_registry.async_get_entity_id(
            Platform.SENSOR, DOMAIN, f"{nas.unique_id}_app_paperless-ai_state"
        )
        or ""
    )
    assert state is not None
    assert state.device_id == ai_device.id
    assert own_app_device(device_registry, nas, "paperless-ai") is None
    # Paperless-ngx's own app keeps its NAS device: its portal is not the entry's URL.
    assert own_app_device(device_registry, nas, "paperless-ngx") is not None


def _app(name: str, *portals: str) -> App:
    return App.from_dict(
        {
            "name": name,
            "state": "RUNNING",
            "portals": {f"p{i}": url for i, url in enumerate(portals)},
        }
    )


async def test_links_are_made_from_host_and_port_never_from_names(hass: HomeAssistant) -> None:
    ollama = make_entry(
        EntryType.OLLAMA, ollama_data_for("http://NAS.local.:30068"), entry_id="a_ollama"
    )
    second = make_entry(
        EntryType.OLLAMA, ollama_data_for("http://nas.local:30068/"), entry_id="b_ollama"
    )
    disabled = make_entry(
        EntryType.OLLAMA,
        ollama_data_for("http://nas.local:30099"),
        entry_id="c_ollama",
        disabled_by=ConfigEntryDisabler.USER,
    )
    for entry in (ollama, second, disabled):
        entry.add_to_hass(hass)
    apps = {
        "ollama": _app("ollama", "http://nas.local:30068/"),
        # Named like the service, elsewhere: not linked.
        "ollama-old": _app("ollama-old", "http://nas.local:31000/"),
        # Another name at the service's port: linked only once, and not by name.
        "llm": _app("llm", "https://nas.local:30068/api"),
        "disabled": _app("disabled", "http://nas.local:30099/"),
        "broken": _app("broken", "not a url"),
    }
    assert find_links(hass, apps) == {"llm": ServicePlace("a_ollama", MAIN)}
    assert endpoint("https://nas.local/") == ("nas.local", 443)
    assert endpoint("nas.local:30068") is None


def ollama_data_for(url: str) -> dict[str, Any]:
    return {"entry_type": EntryType.OLLAMA.value, "url": url, "verify_ssl": True}
