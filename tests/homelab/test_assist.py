"""Assist and the lab: read-only intents on what the user exposed, and nothing hijacked.

Home Lab registers no sentences of its own. The sentences for its intents ship as a file the
user copies into `<config>/custom_sentences/en/` (Home Assistant's supported way); the fixture
does exactly that.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import shutil

from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
    async_should_expose,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, intent
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import EntryType
from custom_components.homelab.nas.identifiers import (
    app_identifier,
    pool_identifier,
    system_identifier,
)
from custom_components.homelab.pipeline.entity import service_identifier
from tests.common import LabHandle, wait_for
from tests.homelab.pipeline.conftest import freeze, make_entry, paperless_data, setup_entry

SENTENCES = Path(__file__).parents[2] / "custom_components/homelab/sentences/en/homelab.yaml"
ACTING = {"app.start", "app.stop", "app.redeploy"}


@pytest.fixture
async def assist(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, tmp_path: Path
) -> MockConfigEntry:
    """Assist with Home Lab's sentence file installed the way the README says; a Paperless-ngx."""
    (tmp_path / "custom_sentences/en").mkdir(parents=True)
    shutil.copy(SENTENCES, tmp_path / "custom_sentences/en/homelab.yaml")
    hass.config.config_dir = str(tmp_path)
    await freeze(lab)
    paperless = await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab)))
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})
    return paperless


def expose_device(hass: HomeAssistant, entry: MockConfigEntry, identifier: tuple[str, str]) -> None:
    """What a user does in Settings > Voice assistants > Expose, for one device's entities."""
    device = dr.async_get(hass).async_get_device_by_identifier(identifier, entry.entry_id)
    assert device is not None, identifier
    for entity in er.async_entries_for_device(er.async_get(hass), device.id):
        async_expose_entity(hass, conversation.DOMAIN, entity.entity_id, True)


def expose_everything(hass: HomeAssistant) -> None:
    for entity_id in hass.states.async_entity_ids():
        async_expose_entity(hass, conversation.DOMAIN, entity_id, True)


async def ask(hass: HomeAssistant, text: str) -> conversation.ConversationResult:
    return await conversation.async_converse(hass, text, None, None, "en")


def speech(result: conversation.ConversationResult) -> str:
    return str(result.response.speech["plain"]["speech"])


async def acting_calls(lab: LabHandle) -> list[str]:
    return [c["method"] for c in await lab.calls() if c["method"] in ACTING]


async def test_unrelated_sentences_are_left_alone(
    hass: HomeAssistant, lab: LabHandle, assist: MockConfigEntry
) -> None:
    """ "is the sun up" used to get "I don't know an app called sun."""
    expose_everything(hass)
    for text in ("is the sun up", "restart the router", "restart syncthing", "is syncthing up"):
        result = await ask(hass, text)
        assert "app called" not in speech(result), text
        matched = result.response.intent
        assert matched is None or not matched.intent_type.startswith("HomeLab"), text
    assert await acting_calls(lab) == []


async def test_questions_answered_from_exposed_devices(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry, assist: MockConfigEntry
) -> None:
    # Nothing exposed: the intents say so, and reveal nothing.
    assert speech(await ask(hass, "how many documents are queued")) == (
        "No Paperless-ngx is exposed to Assist."
    )
    assert (
        speech(await ask(hass, "how full is tank")) == "No pool called tank is exposed to Assist."
    )
    assert speech(await ask(hass, "is the NAS healthy")) == "No NAS is exposed to Assist."
    assert speech(await ask(hass, "is the paperless-ngx app running")) == (
        "No app called paperless-ngx is exposed to Assist."
    )

    expose_device(hass, assist, service_identifier(assist))
    expose_device(hass, loaded_entry, pool_identifier(loaded_entry, "tank"))
    expose_device(hass, loaded_entry, system_identifier(loaded_entry))
    expose_device(hass, loaded_entry, app_identifier(loaded_entry, "paperless-ngx"))
    queue = assist.runtime_data.coordinator.data.queue
    assert speech(await ask(hass, "how many documents are queued")) == (
        f"{queue.pending} documents queued, {queue.started} being processed."
    )
    used = loaded_entry.runtime_data.coordinator.data.pools["tank"].used_percent
    assert speech(await ask(hass, "how full is the pool tank")) == f"tank is {round(used)}% full."
    # The seed lab has a SMART warning.
    assert speech(await ask(hass, "is the NAS healthy")) == "No, nas has problems: 1 alert."
    await lab.control("DELETE", "/control/alerts")
    await wait_for(lambda: not loaded_entry.runtime_data.coordinator.data.active_alerts)
    assert speech(await ask(hass, "is the NAS healthy")) == "Yes, nas is healthy."
    assert speech(await ask(hass, "is the paperless-ngx app running")) == (
        "Yes, Paperless-ngx is running."
    )
    # An app that is not exposed stays unknown to voice.
    assert speech(await ask(hass, "is the syncthing app running")) == (
        "No app called syncthing is exposed to Assist."
    )
    # Built-in intents keep working on exposed entities.
    assert speech(await ask(hass, "what is the tank status")) == "Tank status is online"
    assert await acting_calls(lab) == []


async def test_run_switches_are_not_exposed_by_default(
    hass: HomeAssistant, lab: LabHandle, assist: MockConfigEntry
) -> None:
    """ "turn off syncthing run" used to stop the app on the NAS."""
    entry = er.async_get(hass).async_get("switch.syncthing_run")
    assert entry is not None
    assert entry.entity_category is EntityCategory.CONFIG
    assert not async_should_expose(hass, conversation.DOMAIN, "switch.syncthing_run")
    result = await ask(hass, "turn off syncthing run")
    assert result.response.response_type is not intent.IntentResponseType.ACTION_DONE
    assert await acting_calls(lab) == []
    # A user who exposes it on purpose may stop the app by voice.
    async_expose_entity(hass, conversation.DOMAIN, "switch.syncthing_run", True)
    result = await ask(hass, "turn off syncthing run")
    assert result.response.response_type is intent.IntentResponseType.ACTION_DONE
    for _ in range(100):
        if "app.stop" in await acting_calls(lab):
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the exposed switch did not stop the app")


async def test_intents_have_no_sentences_without_the_file(
    hass: HomeAssistant, lab: LabHandle, loaded_entry: MockConfigEntry
) -> None:
    """Without the user's custom sentences, none of Home Lab's intents is ever matched."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})
    expose_everything(hass)
    for text in ("how full is tank", "is the NAS healthy", "is the syncthing app running"):
        matched = (await ask(hass, text)).response.intent
        assert matched is None or not matched.intent_type.startswith("HomeLab"), text
