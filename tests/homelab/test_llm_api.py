"""The Home Lab LLM API, called through Home Assistant's llm helper."""

from __future__ import annotations

from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from tests.common import LabHandle


@pytest.fixture
async def api(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> llm.APIInstance:
    context = llm.LLMContext(
        platform="test", context=Context(), language="en", assistant="conversation", device_id=None
    )
    return await llm.async_get_api(hass, DOMAIN, context)


async def test_api_is_registered(hass: HomeAssistant, api: llm.APIInstance) -> None:
    assert api.api.name == "Home Lab"
    assert {tool.name for tool in api.tools} == {
        "lab_status",
        "restart_app",
        "trigger_backup",
        "reprocess_documents",
    }
    assert "lab_status" in api.api_prompt


async def test_lab_status(hass: HomeAssistant, lab: LabHandle, api: llm.APIInstance) -> None:
    await lab.control("POST", "/control/apps/ollama/crash")
    result = await api.async_call_tool(llm.ToolInput("lab_status", {}))
    assert not result.error
    (server,) = result.data["servers"]
    assert server["pools"]["tank"]["status"] == "ONLINE"
    assert "paperless-ngx" in server["apps_running"]
    assert server["apps_with_updates"] == ["nextcloud"]
    assert server["connected"] is True


async def test_restart_app_goes_through_the_action(
    hass: HomeAssistant, lab: LabHandle, api: llm.APIInstance
) -> None:
    result = await api.async_call_tool(
        llm.ToolInput("restart_app", {"app": "Paperless-ngx", "wait": True})
    )
    assert not result.error, result.data
    assert result.data["result"]["state"] == "SUCCESS"
    # The same refusal a user gets: a restart while one runs.
    await api.async_call_tool(llm.ToolInput("restart_app", {"app": "n8n"}))
    refused = await api.async_call_tool(llm.ToolInput("restart_app", {"app": "n8n"}))
    assert refused.error
    assert "busy" in refused.data["error"]
    unknown = await api.async_call_tool(llm.ToolInput("restart_app", {"app": "doom"}))
    assert unknown.error


async def test_trigger_backup_unknown_target(
    hass: HomeAssistant, lab: LabHandle, api: llm.APIInstance
) -> None:
    result = await api.async_call_tool(llm.ToolInput("trigger_backup", {"target": "nothing"}))
    assert result.error
