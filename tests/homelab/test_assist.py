"""Assist's default conversation agent with the lab: typical sentences work."""

from __future__ import annotations

from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.common import LabHandle, wait_for


@pytest.fixture
async def assist(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})
    # The user exposes the lab's entities to Assist (sensors are not exposed by default).
    for entity_id in hass.states.async_entity_ids():
        async_expose_entity(hass, conversation.DOMAIN, entity_id, True)


async def ask(hass: HomeAssistant, text: str) -> str:
    result = await conversation.async_converse(hass, text, None, None, "en")
    return str(result.response.speech["plain"]["speech"])


@pytest.mark.usefixtures("assist")
async def test_pool_status(hass: HomeAssistant) -> None:
    assert await ask(hass, "what is the tank status") == "Tank status is online"


@pytest.mark.usefixtures("assist")
async def test_is_app_running(hass: HomeAssistant, lab: LabHandle) -> None:
    assert await ask(hass, "is Paperless running") == "Yes, Paperless-ngx is running."
    await lab.control("POST", "/control/apps/n8n/crash")
    await wait_for(lambda: hass.states.get("sensor.n8n_state").state == "crashed")
    assert await ask(hass, "is n8n running") == "No, n8n is crashed."
    assert await ask(hass, "is doom running") == "I don't know an app called doom."


@pytest.mark.usefixtures("assist")
async def test_press_restart(hass: HomeAssistant, lab: LabHandle) -> None:
    assert await ask(hass, "press Paperless restart") == "Restarting Paperless-ngx."
    await wait_for(lambda: hass.states.get("sensor.paperless_ngx_state").state == "deploying")
    # A second press while the first restart runs is refused, and Assist says so.
    answer = await ask(hass, "restart paperless")
    assert answer.startswith("I couldn't restart Paperless-ngx")
    methods = [c["method"] for c in await lab.calls()]
    assert methods.count("app.redeploy") == 1
    assert await ask(hass, "restart the doom app") == "I don't know an app called doom."
