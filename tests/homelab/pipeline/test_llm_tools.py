"""The Home Lab LLM API's pipeline side: reprocess documents and the status summary."""

from __future__ import annotations

from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from tests.common import LabHandle

from .conftest import setup_entry


async def test_reprocess_failed_documents_and_status(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, paperless_entry)
    context = llm.LLMContext(
        platform="test", context=Context(), language="en", assistant="conversation", device_id=None
    )
    api = await llm.async_get_api(hass, DOMAIN, context)
    result = await api.async_call_tool(llm.ToolInput("reprocess_documents", {}))
    assert not result.error, result.data
    assert "queued" in result.data["result"]
    status = await api.async_call_tool(llm.ToolInput("lab_status", {}))
    assert not status.error
