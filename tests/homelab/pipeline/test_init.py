"""Pipeline entries: setup retry, unload, diagnostics, removing devices."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab import async_remove_config_entry_device
from custom_components.homelab.const import DOMAIN, EntryType
from custom_components.homelab.diagnostics import async_get_config_entry_diagnostics
from tests.common import LabHandle
from tests.servers import free_port

from .conftest import freeze, make_entry, n8n_data, ollama_data, paperless_data, setup_entry


async def test_not_ready_then_loaded(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = make_entry(EntryType.OLLAMA, ollama_data(lab, url="http://127.0.0.1:9"))
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_auth_error_at_setup(hass: HomeAssistant, lab: LabHandle) -> None:
    entry = make_entry(EntryType.N8N, n8n_data(lab, api_key="wrong"))
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert [flow["step_id"] for flow in hass.config_entries.flow.async_progress()] == ["reauth_n8n"]


async def test_unload(
    hass: HomeAssistant,
    lab: LabHandle,
    ollama_entry: MockConfigEntry,
    paperless_entry: MockConfigEntry,
) -> None:
    for entry in (ollama_entry, paperless_entry):
        await setup_entry(hass, entry)
        assert await hass.config_entries.async_unload(entry.entry_id)
        assert entry.state is ConfigEntryState.NOT_LOADED


async def test_diagnostics_redact_secrets(
    hass: HomeAssistant,
    lab: LabHandle,
    ollama_entry: MockConfigEntry,
    paperless_entry: MockConfigEntry,
    n8n_entry: MockConfigEntry,
) -> None:
    await freeze(lab)
    assert await async_setup_component(hass, "diagnostics", {})
    for entry in (ollama_entry, paperless_entry, n8n_entry):
        await setup_entry(hass, entry)
        result = await async_get_config_entry_diagnostics(hass, entry)
        text = repr(result)
        for secret in ("token", "api_key", "ai_api_key", "url", "ai_url"):
            value = entry.data.get(secret)
            if value:
                assert str(value) not in text, secret
        assert result["last_update_success"] is True
    assert result["data"]["running"] == 1


async def test_remove_devices(
    hass: HomeAssistant,
    lab: LabHandle,
    paperless_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await setup_entry(hass, paperless_entry)
    devices = {
        suffix: device_registry.async_get_device_by_identifier(
            (DOMAIN, f"{paperless_entry.entry_id}{suffix}"), paperless_entry.entry_id
        )
        for suffix in ("", "_pipeline", "_paperless_ai")
    }
    for device in devices.values():
        assert device is not None
        assert not await async_remove_config_entry_device(hass, paperless_entry, device)
    # A device the entry no longer uses may go.
    stale = device_registry.async_get_or_create(
        config_entry_id=paperless_entry.entry_id, identifiers={(DOMAIN, "gone")}
    )
    assert await async_remove_config_entry_device(hass, paperless_entry, stale)


async def test_diagnostics_when_paperless_ai_was_down_at_setup(
    hass: HomeAssistant, lab: LabHandle
) -> None:
    """Paperless-AI unreachable at setup: diagnostics still come (they once raised TypeError)."""
    assert await async_setup_component(hass, "diagnostics", {})
    entry = make_entry(
        EntryType.PAPERLESS, paperless_data(lab, ai_url=f"http://127.0.0.1:{free_port()}")
    )
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    result = await async_get_config_entry_diagnostics(hass, entry)
    assert result["paperless_ai"] is None
    assert result["paperless_ai_last_update_success"] is False
    assert result["last_update_success"] is True
