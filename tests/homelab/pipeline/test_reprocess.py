"""`homelab.reprocess_documents`: by ids and by tag, the limit, and every refusal."""

from __future__ import annotations

from typing import Any

from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN, EntryType
from tests.common import LabHandle

from .conftest import freeze, make_entry, paperless_data, setup_entry

TARGET = {ATTR_ENTITY_ID: "sensor.pipeline_depth"}


async def reprocess(hass: HomeAssistant, *, response: bool = True, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "reprocess_documents",
        {**TARGET, **data},
        blocking=True,
        return_response=response,
    )


async def reprocessed(lab: LabHandle) -> list[int]:
    return (await lab.control("GET", "/control/paperless/state"))["reprocessed"]


@pytest.fixture
async def loaded(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> MockConfigEntry:
    await freeze(lab)
    return await setup_entry(hass, paperless_entry)


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("version", ["2.20.15", "3.0.5"])
async def test_by_ids(hass: HomeAssistant, lab: LabHandle, version: str) -> None:
    await lab.control("POST", "/control/paperless/version", {"version": version})
    result = await reprocess(hass, document_ids=[1203, 1251])
    assert result == {"queued": [1203, 1251], "skipped": []}
    assert await reprocessed(lab) == [1203, 1251]


async def test_api_10_shows_reprocessing_in_the_queue(hass: HomeAssistant, lab: LabHandle) -> None:
    await freeze(lab)
    await lab.control("POST", "/control/paperless/version", {"version": "3.0.5"})
    await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab, ai=False)))
    assert hass.states.get("sensor.pipeline_depth").state == "3"  # type: ignore[union-attr]
    await reprocess(hass, response=False, document_ids=[1203, 1251])
    assert hass.states.get("sensor.pipeline_depth").state == "5"  # type: ignore[union-attr]


@pytest.mark.usefixtures("loaded")
async def test_duplicates_and_the_limit(hass: HomeAssistant, lab: LabHandle) -> None:
    result = await reprocess(hass, document_ids=[1, 2, 2, 3, 4], limit=3)
    assert result == {
        "queued": [1, 2, 3],
        "skipped": [{"id": 2, "reason": "duplicate"}, {"id": 4, "reason": "limit"}],
    }
    assert await reprocessed(lab) == [1, 2, 3]


@pytest.mark.usefixtures("loaded")
async def test_by_tag_removing_it(hass: HomeAssistant, lab: LabHandle) -> None:
    result = await reprocess(hass, tag="Automation-Failed", limit=1, remove_tag=True)
    assert result == {"queued": [1203], "skipped": [{"id": 1251, "reason": "limit"}]}
    # The next call takes the next one: the first lost the tag.
    result = await reprocess(hass, tag="automation-failed", remove_tag=True)
    assert result == {"queued": [1251], "skipped": []}
    assert await reprocessed(lab) == [1203, 1251]
    result = await reprocess(hass, tag="automation-failed")
    assert result == {"queued": [], "skipped": []}
    assert await reprocessed(lab) == [1203, 1251]
    assert (
        hass.states.get(  # type: ignore[union-attr]
            "sensor.paperless_ngx_documents_tagged_automation_failed"
        ).state
        == "0"
    )


@pytest.mark.usefixtures("loaded")
async def test_keeps_the_tag_unless_asked(hass: HomeAssistant, lab: LabHandle) -> None:
    assert await reprocess(hass, response=False, tag="needs-processing") is None
    assert await reprocessed(lab) == [1281, 1282, 1283]
    state = hass.states.get("sensor.paperless_ngx_documents_tagged_needs_processing")
    assert state is not None
    assert state.state == "3"


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "ids_or_tag_required"),
        ({"document_ids": [1], "tag": "urgent"}, "ids_and_tag"),
        ({"document_ids": []}, "no_document_ids"),
        ({"document_ids": [1], "remove_tag": True}, "remove_tag_needs_tag"),
        ({"tag": "automation-faild"}, "unknown_tag"),
        ({"document_ids": [1, 999999, 999998]}, "unknown_documents"),
    ],
)
async def test_refusals(
    hass: HomeAssistant, lab: LabHandle, data: dict[str, Any], key: str
) -> None:
    with pytest.raises(ServiceValidationError) as info:
        await reprocess(hass, **data)
    assert info.value.translation_key == key
    if key == "unknown_documents":
        assert info.value.translation_placeholders == {"ids": "999998, 999999"}
    if key == "ids_or_tag_required":
        # Neither was given: the message asks for one (it used to say "...not both").
        assert str(info.value) == "Give the document IDs or a tag: one of them is required"
    assert await reprocessed(lab) == []


@pytest.mark.usefixtures("loaded")
async def test_permission_denied(hass: HomeAssistant, lab: LabHandle) -> None:
    await lab.control("POST", "/control/paperless/user", {"change_documents": False})
    with pytest.raises(HomeAssistantError) as info:
        await reprocess(hass, document_ids=[1])
    assert info.value.translation_key == "permission_denied"


@pytest.mark.usefixtures("loaded")
async def test_server_errors(hass: HomeAssistant, lab: LabHandle) -> None:
    await lab.control(
        "POST", "/control/paperless/fault", {"status": 500, "path": "/api/documents/bulk_edit/"}
    )
    with pytest.raises(HomeAssistantError) as info:
        await reprocess(hass, document_ids=[1])
    assert info.value.translation_key == "action_failed"
    await lab.control(
        "POST", "/control/paperless/fault", {"status": 401, "path": "/api/documents/bulk_edit/"}
    )
    with pytest.raises(HomeAssistantError) as info:
        await reprocess(hass, document_ids=[1])
    assert info.value.translation_key == "action_failed"
    assert [flow["step_id"] for flow in hass.config_entries.flow.async_progress()] == [
        "reauth_paperless"
    ]


async def test_targets(
    hass: HomeAssistant,
    lab: LabHandle,
    paperless_entry: MockConfigEntry,
    ollama_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await freeze(lab)
    await setup_entry(hass, paperless_entry)
    await setup_entry(hass, ollama_entry)
    with pytest.raises(ServiceValidationError) as info:
        await hass.services.async_call(
            DOMAIN,
            "reprocess_documents",
            {ATTR_ENTITY_ID: "sensor.ollama_loaded_models", "document_ids": [1]},
            blocking=True,
        )
    assert info.value.translation_key == "wrong_target"
    # A second Paperless-ngx entry: the action needs exactly one.
    second = make_entry(
        EntryType.PAPERLESS, paperless_data(lab, ai=False), entry_id="second", unique_id="other"
    )
    second.add_to_hass(hass)
    await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    devices = [
        device.id
        for entry in (paperless_entry, second)
        if (
            device := device_registry.async_get_device_by_identifier(
                (DOMAIN, entry.entry_id), entry.entry_id
            )
        )
    ]
    with pytest.raises(ServiceValidationError) as info:
        await hass.services.async_call(
            DOMAIN,
            "reprocess_documents",
            {ATTR_DEVICE_ID: devices, "document_ids": [1]},
            blocking=True,
        )
    assert info.value.translation_key == "one_paperless"
    # An entry that is not loaded.
    await hass.config_entries.async_unload(second.entry_id)
    with pytest.raises(ServiceValidationError) as info:
        await hass.services.async_call(
            DOMAIN,
            "reprocess_documents",
            {ATTR_DEVICE_ID: devices[1], "document_ids": [1]},
            blocking=True,
        )
    assert info.value.translation_key == "entry_not_loaded"


async def test_without_a_target(
    hass: HomeAssistant,
    lab: LabHandle,
    paperless_entry: MockConfigEntry,
    ollama_entry: MockConfigEntry,
) -> None:
    await freeze(lab)
    await setup_entry(hass, ollama_entry)
    with pytest.raises(ServiceValidationError) as info:
        await hass.services.async_call(
            DOMAIN, "reprocess_documents", {"document_ids": [1]}, blocking=True
        )
    assert info.value.translation_key == "no_target"
    # With one Paperless-ngx entry loaded, it is the target (as for Ollama's actions).
    await setup_entry(hass, paperless_entry)
    result = await hass.services.async_call(
        DOMAIN, "reprocess_documents", {"document_ids": [7]}, blocking=True, return_response=True
    )
    assert result == {"queued": [7], "skipped": []}
    await hass.services.async_call(DOMAIN, "load_model", {"model": "gemma3:4b"}, blocking=True)
    state = hass.states.get("sensor.ollama_loaded_models")
    assert state is not None
    assert "gemma3:4b" in state.attributes["models"]
