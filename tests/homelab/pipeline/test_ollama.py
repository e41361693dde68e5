"""The Ollama entry: VRAM and busy follow loads and unloads; actions, the button, failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from tests.common import LabHandle

from .conftest import advance, freeze, setup_entry

STRINGS = "custom_components/homelab/strings.json"


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def call(hass: HomeAssistant, service: str, **data: Any) -> None:
    await hass.services.async_call(
        DOMAIN, service, {ATTR_ENTITY_ID: "sensor.ollama_loaded_models", **data}, blocking=True
    )


async def test_vram_and_busy_follow_loads_and_unloads(
    hass: HomeAssistant, lab: LabHandle, ollama_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await setup_entry(hass, ollama_entry)
    assert state(hass, "sensor.ollama_loaded_models") == "2"
    assert state(hass, "binary_sensor.ollama_busy") == "off"
    vram_before = float(state(hass, "sensor.ollama_vram_used"))
    ram_before = float(state(hass, "sensor.ollama_ram_used"))

    # A third model: the 10 GiB card is full, so it goes to system memory.
    await lab.control("POST", "/control/ollama/load", {"model": "llama3.2:3b"})
    await refresh(hass, ollama_entry)
    assert state(hass, "sensor.ollama_loaded_models") == "3"
    assert float(state(hass, "sensor.ollama_vram_used")) == vram_before
    assert float(state(hass, "sensor.ollama_ram_used")) > ram_before
    assert state(hass, "binary_sensor.ollama_busy") == "on"  # a model appeared
    await refresh(hass, ollama_entry)
    assert state(hass, "binary_sensor.ollama_busy") == "off"  # nothing moved since

    # A long request on qwen3: the idle timer stops, so expires_at passes while it runs.
    await lab.control("POST", "/control/ollama/request", {"model": "qwen3:14b", "seconds": 600})
    await advance(lab, 300)
    await refresh(hass, ollama_entry)
    assert state(hass, "binary_sensor.ollama_busy") == "on"
    assert state(hass, "sensor.ollama_loaded_models") == "2"  # llama3.2 expired meanwhile
    # The request ends: expires_at moves, last use is now.
    await advance(lab, 301)
    await refresh(hass, ollama_entry)
    assert state(hass, "binary_sensor.ollama_busy") == "on"
    assert state(hass, "sensor.ollama_last_used") == "2026-11-01T12:10:00+00:00"
    await refresh(hass, ollama_entry)
    assert state(hass, "binary_sensor.ollama_busy") == "off"

    # The button frees the VRAM (e.g. before a nightly scrub).
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: "button.ollama_unload_all_models"}, blocking=True
    )
    await hass.async_block_till_done()
    assert state(hass, "sensor.ollama_loaded_models") == "0"
    assert float(state(hass, "sensor.ollama_vram_used")) == 0
    assert state(hass, "sensor.ollama_share_on_gpu") == "unknown"
    # The last use is still known after the models are gone.
    assert state(hass, "sensor.ollama_last_used") == "2026-11-01T12:10:00+00:00"


async def test_load_and_unload_actions(
    hass: HomeAssistant, lab: LabHandle, ollama_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await setup_entry(hass, ollama_entry)
    await call(hass, "load_model", model="gemma3:4b", keep_alive=1800)
    await call(hass, "load_model", model="mxbai-embed-large")  # ":latest" is implied
    assert state(hass, "sensor.ollama_loaded_models") == "3"
    calls = (await lab.control("GET", "/control/ollama/state"))["calls"]
    assert calls[-2] == {"path": "/api/generate", "model": "gemma3:4b", "keep_alive": 1800}
    assert calls[-1]["model"] == "mxbai-embed-large:latest"
    loaded = hass.states.get("sensor.ollama_loaded_models")
    assert loaded is not None
    # At most 3 models: loading mxbai evicted the idlest one (qwen3, 4 minutes left).
    assert loaded.attributes["models"] == [
        "nomic-embed-text:latest",
        "gemma3:4b",
        "mxbai-embed-large:latest",
    ]
    await call(hass, "unload_model", model="gemma3:4b")
    loaded = hass.states.get("sensor.ollama_loaded_models")
    assert loaded is not None
    assert loaded.attributes["models"] == ["nomic-embed-text:latest", "mxbai-embed-large:latest"]


async def test_action_refusals(
    hass: HomeAssistant, lab: LabHandle, ollama_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await setup_entry(hass, ollama_entry)
    with pytest.raises(ServiceValidationError) as info:
        await call(hass, "load_model", model="llama9:1t")
    assert info.value.translation_key == "model_not_installed"
    # Unloading an unknown model: nothing to unload, not "pull it first".
    with pytest.raises(ServiceValidationError) as info:
        await call(hass, "unload_model", model="llama9:1t")
    assert info.value.translation_key == "unload_unknown_model"
    assert info.value.translation_placeholders == {"model": "llama9:1t", "entry": "Ollama"}

    await lab.control("POST", "/control/ollama/fault", {"status": 503, "path": "/api/generate"})
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "load_model", model="gemma3:4b")
    assert err.value.translation_key == "ollama_busy"
    await lab.control("POST", "/control/ollama/fault", {"status": 500, "path": "/api/generate"})
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "unload_model", model="qwen3:14b")
    assert err.value.translation_key == "action_failed"
    # Installed when last read, gone from the server now.
    await lab.control(
        "POST",
        "/control/ollama/fault",
        {"status": 404, "body": {"error": "model 'gemma3:4b' not found"}, "path": "/api/generate"},
    )
    with pytest.raises(ServiceValidationError) as info:
        await call(hass, "load_model", model="gemma3:4b")
    assert info.value.translation_key == "model_not_installed"
    # The same 404 to an unload (Ollama's answer to keep_alive 0 for a model it does not have).
    await lab.control(
        "POST",
        "/control/ollama/fault",
        {"status": 404, "body": {"error": "model 'qwen3:14b' not found"}, "path": "/api/generate"},
    )
    with pytest.raises(ServiceValidationError) as info:
        await call(hass, "unload_model", model="qwen3:14b")
    assert info.value.translation_key == "unload_unknown_model"
    assert info.value.translation_placeholders == {"model": "qwen3:14b", "entry": "Ollama"}
    await lab.control("POST", "/control/ollama/fault", {"status": 500, "path": "/api/ps"})
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "button", "press", {ATTR_ENTITY_ID: "button.ollama_unload_all_models"}, blocking=True
        )


async def test_actions_refuse_other_targets(
    hass: HomeAssistant,
    lab: LabHandle,
    ollama_entry: MockConfigEntry,
    paperless_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await freeze(lab)
    await setup_entry(hass, ollama_entry)
    await setup_entry(hass, paperless_entry)
    paperless = device_registry.async_get_device_by_identifier(
        (DOMAIN, paperless_entry.entry_id), paperless_entry.entry_id
    )
    assert paperless is not None
    with pytest.raises(ServiceValidationError) as info:
        await hass.services.async_call(
            DOMAIN,
            "load_model",
            {ATTR_DEVICE_ID: paperless.id, "model": "qwen3:14b"},
            blocking=True,
        )
    assert info.value.translation_key == "wrong_target"
    assert info.value.translation_placeholders == {"target": "Paperless-ngx", "service": "Ollama"}


async def test_unavailable_then_recovers(
    hass: HomeAssistant, lab: LabHandle, ollama_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await setup_entry(hass, ollama_entry)
    await lab.control("POST", "/control/ollama/fault", {"status": 500, "path": "/api/ps"})
    await refresh(hass, ollama_entry)
    assert state(hass, "sensor.ollama_loaded_models") == "unavailable"
    await lab.control("POST", "/control/ollama/fault", {"garbage": True, "path": "/api/ps"})
    await refresh(hass, ollama_entry)
    assert state(hass, "binary_sensor.ollama_busy") == "unavailable"
    await lab.control("POST", "/control/ollama/fault", {"hang": True, "count": 1})
    ollama_entry.runtime_data.coordinator.client._timeout = 0.2
    await refresh(hass, ollama_entry)
    await lab.control("DELETE", "/control/ollama/fault")
    await refresh(hass, ollama_entry)
    assert state(hass, "sensor.ollama_loaded_models") == "2"


async def test_proxy_refuses_the_token(
    hass: HomeAssistant, lab: LabHandle, ollama_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, ollama_entry)
    await lab.control("POST", "/control/ollama/token", {"token": "proxy-secret"})
    await refresh(hass, ollama_entry)
    assert state(hass, "sensor.ollama_loaded_models") == "unavailable"
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "reauth_ollama"


def test_unload_refusal_wording() -> None:
    """Unloading an unknown model never tells the user to pull it; wrong targets read well."""
    strings = json.loads((Path(__file__).parents[3] / STRINGS).read_text())["exceptions"]
    unload = strings["unload_unknown_model"]["message"]
    assert "pull" not in unload
    assert "nothing to unload" in unload
    wrong = strings["wrong_target"]["message"].format(target="Paperless-ngx", service="Ollama")
    assert "a Ollama" not in wrong
