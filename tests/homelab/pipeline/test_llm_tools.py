"""The Home Lab LLM API's pipeline side: reprocess documents and the status summary."""

from __future__ import annotations

from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN
from tests.common import LabHandle

from .conftest import setup_entry


async def test_reprocess_failed_documents_and_status(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, paperless_entry)
    assert await async_setup_component(hass, "homeassistant", {})
    # The tools act on what the user exposed to the assistant only.
    for entity_id in hass.states.async_entity_ids():
        async_expose_entity(hass, conversation.DOMAIN, entity_id, True)
    context = llm.LLMContext(
        platform="test", context=Context(), language="en", assistant="conversation", device_id=None
    )
    api = await llm.async_get_api(hass, DOMAIN, context)
    result = await api.async_call_tool(llm.ToolInput("reprocess_documents", {}))
    assert not result.error, result.data
    assert "queued" in result.data["result"]
    status = await api.async_call_tool(llm.ToolInput("lab_status", {}))
    assert not status.error
    (summary,) = status.data["pipeline"]
    assert summary["service"] == "Paperless-ngx"
