"""The Paperless-ngx entry: queue depth as documents flow, stuck detection, health, stage tags."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import EntryType
from custom_components.homelab.pipeline.const import CONF_STAGE_TAGS, CONF_STUCK_THRESHOLD
from tests.common import LabHandle

from .conftest import advance, freeze, make_entry, paperless_data, setup_entry


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def attributes(hass: HomeAssistant, entity_id: str) -> dict[str, object]:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return dict(current.attributes)


async def refresh(hass: HomeAssistant, *entries: MockConfigEntry) -> None:
    for entry in entries:
        await entry.runtime_data.coordinator.async_refresh()
        if ai := getattr(entry.runtime_data, "ai_coordinator", None):
            await ai.async_refresh()
    await hass.async_block_till_done()


async def test_pipeline_depth_follows_the_queue(
    hass: HomeAssistant, lab: LabHandle, n8n_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    paperless = await setup_entry(
        hass, make_entry(EntryType.PAPERLESS, paperless_data(lab, ai=False))
    )
    assert state(hass, "sensor.pipeline_depth") == "3"
    assert attributes(hass, "sensor.pipeline_depth") == {
        "paperless_queued": 2,
        "paperless_processing": 1,
        "state_class": "measurement",
        "friendly_name": "Pipeline Depth",
    }
    # n8n joins the sum once its entry is loaded.
    await setup_entry(hass, n8n_entry)
    assert state(hass, "sensor.pipeline_depth") == "4"
    assert attributes(hass, "sensor.pipeline_depth")["n8n_running"] == 1

    await lab.control("POST", "/control/paperless/consume", {"count": 3})
    await refresh(hass, paperless)
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "5"
    assert state(hass, "sensor.pipeline_depth") == "7"

    # 30 s a document on one worker: the running scan ends at +20 s, the next one starts.
    await advance(lab, 25)
    await refresh(hass, paperless)
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "4"
    assert state(hass, "sensor.paperless_ngx_processing_tasks") == "1"
    # The counts follow a moving queue at most every 2 minutes: still the ones read at setup.
    assert state(hass, "sensor.paperless_ngx_documents") == "1284"
    assert state(hass, "sensor.pipeline_depth") == "6"
    await advance(lab, 100)
    await refresh(hass, paperless)
    assert state(hass, "sensor.paperless_ngx_documents") == "1288"
    assert state(hass, "sensor.paperless_ngx_documents_in_inbox") == "10"

    await advance(lab, 400)
    await refresh(hass, paperless, n8n_entry)
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "0"
    assert state(hass, "sensor.paperless_ngx_processing_tasks") == "0"
    assert state(hass, "sensor.paperless_ngx_oldest_queued_task") == "unknown"
    assert state(hass, "sensor.paperless_ngx_documents") == "1290"
    assert state(hass, "sensor.pipeline_depth") == "0"

    # Unloading n8n takes its stage out of the sum.
    await hass.config_entries.async_unload(n8n_entry.entry_id)
    await hass.async_block_till_done()
    assert "n8n_running" not in attributes(hass, "sensor.pipeline_depth")


async def test_the_ai_backlog_is_a_stage(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await setup_entry(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ai_backlog") == "14"
    assert state(hass, "sensor.pipeline_depth") == "17"
    # Paperless-AI finishes document 1284 at +20 s; Paperless-ngx adds document 1285 then.
    await advance(lab, 21)
    await refresh(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ai_processed_today") == "38"
    assert state(hass, "binary_sensor.paperless_ai_processing") == "off"
    assert state(hass, "sensor.paperless_ai_backlog") == "14"  # 1284 done, 1285 new
    await advance(lab, 5)
    await refresh(hass, paperless_entry)
    assert state(hass, "binary_sensor.paperless_ai_processing") == "on"
    assert attributes(hass, "binary_sensor.paperless_ai_processing")["document_id"] == 1285
    await lab.control("POST", "/control/paperless_ai/health", {"status": "not_configured"})
    await refresh(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ai_health") == "not_configured"


async def test_stuck_when_processing_stalls(hass: HomeAssistant, lab: LabHandle) -> None:
    await freeze(lab)
    entry = make_entry(
        EntryType.PAPERLESS, paperless_data(lab, ai=False), options={CONF_STUCK_THRESHOLD: 2}
    )
    await setup_entry(hass, entry)
    assert state(hass, "binary_sensor.paperless_ngx_stuck") == "off"
    # A hung OCR: the running task never ends, nothing else starts.
    await lab.control("POST", "/control/paperless/stall", {"stalled": True})
    await advance(lab, 70)
    await refresh(hass, entry)
    # The oldest unfinished task (the running scan) was created 40 s before the start: 110 s.
    assert state(hass, "binary_sensor.paperless_ngx_stuck") == "off"
    await advance(lab, 30)
    await refresh(hass, entry)
    assert state(hass, "binary_sensor.paperless_ngx_stuck") == "on"  # oldest: 140 s > 2 min
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "2"
    # Unstalled, the queue drains and the problem clears.
    await lab.control("POST", "/control/paperless/stall", {"stalled": False})
    await advance(lab, 100)
    await refresh(hass, entry)
    assert state(hass, "binary_sensor.paperless_ngx_stuck") == "off"
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "0"


async def test_stuck_when_celery_is_down(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await setup_entry(hass, paperless_entry)
    await lab.control("POST", "/control/paperless/health", {"celery": "ERROR"})
    await refresh(hass, paperless_entry)
    # The status costs the real server 2-3 s: it is not read at every poll.
    assert state(hass, "binary_sensor.paperless_ngx_stuck") == "off"
    # The queue stands still, so it is read again after 5 minutes.
    await advance(lab, 300)
    await refresh(hass, paperless_entry)
    assert state(hass, "binary_sensor.paperless_ngx_stuck") == "on"
    assert state(hass, "sensor.paperless_ngx_celery") == "error"
    await lab.control("POST", "/control/paperless/consume", {"files": ["a.pdf"]})
    await advance(lab, 300)
    await refresh(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "3"  # nothing moves
    await lab.control("POST", "/control/paperless/health", {"celery": "OK"})
    await advance(lab, 120)
    await refresh(hass, paperless_entry)
    assert state(hass, "binary_sensor.paperless_ngx_stuck") == "off"
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "0"


async def test_failed_tasks(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await setup_entry(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ngx_failed_tasks_24_h") == "1"
    await lab.control("POST", "/control/paperless/fail", {})
    await refresh(hass, paperless_entry)
    # The failures are read with the counts: when the queue moved, at most every 2 minutes.
    assert state(hass, "sensor.paperless_ngx_failed_tasks_24_h") == "1"
    await advance(lab, 121)
    await refresh(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ngx_failed_tasks_24_h") == "4"
    # Only the AI backlog is left in the pipeline.
    assert state(hass, "sensor.pipeline_depth") == state(hass, "sensor.paperless_ai_backlog")
    await lab.control(
        "POST", "/control/paperless/consume", {"files": ["bad.pdf"], "fail": "OCR failed"}
    )
    # The failures are read when the queue changes (or every 5 minutes), not at every poll.
    await refresh(hass, paperless_entry)
    await advance(lab, 121)
    await refresh(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ngx_failed_tasks_24_h") == "5"
    await lab.control(
        "POST", "/control/paperless/consume", {"files": ["bad2.pdf"], "fail": "OCR failed"}
    )
    await advance(lab, 31)  # queued and failed between two polls
    await refresh(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ngx_failed_tasks_24_h") == "5"
    await advance(lab, 300)
    await refresh(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ngx_failed_tasks_24_h") == "6"


async def test_health_needs_a_staff_user(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry, caplog: object
) -> None:
    await freeze(lab)
    await lab.control("POST", "/control/paperless/user", {"staff": False})
    await setup_entry(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ngx_celery") == "unavailable"
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "2"
    await refresh(hass, paperless_entry)
    assert state(hass, "binary_sensor.paperless_ngx_stuck") == "off"


async def test_stage_tags_from_the_options(
    hass: HomeAssistant,
    lab: LabHandle,
    paperless_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    await freeze(lab)
    await setup_entry(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ngx_documents_tagged_automation_failed") == "2"
    result = await hass.config_entries.options.async_init(paperless_entry.entry_id)
    assert result["step_id"] == "paperless"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "poll_interval": 60,
            CONF_STUCK_THRESHOLD: 45,
            CONF_STAGE_TAGS: ["urgent", " no-such-tag ", "urgent", ""],
            "ai_processed_tag": "  ",
        },
    )
    await hass.async_block_till_done()
    assert paperless_entry.options == {
        "poll_interval": 60,
        CONF_STUCK_THRESHOLD: 45,
        CONF_STAGE_TAGS: ["urgent", "no-such-tag"],
        "ai_processed_tag": "ai-processed",
    }
    assert state(hass, "sensor.paperless_ngx_documents_tagged_urgent") == "1"
    assert state(hass, "sensor.paperless_ngx_documents_tagged_no_such_tag") == "unknown"
    # The sensors of the tags no longer configured are gone, not orphaned.
    assert (
        entity_registry.async_get("sensor.paperless_ngx_documents_tagged_automation_failed") is None
    )


async def test_ai_tag_missing_means_everything_is_backlog(
    hass: HomeAssistant, lab: LabHandle
) -> None:
    await freeze(lab)
    entry = make_entry(
        EntryType.PAPERLESS, paperless_data(lab), options={"ai_processed_tag": "ai-done"}
    )
    await setup_entry(hass, entry)
    assert state(hass, "sensor.paperless_ai_backlog") == "1284"


async def test_token_refused_starts_reauth(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    await setup_entry(hass, paperless_entry)
    await lab.control("POST", "/control/paperless/token", {"token": "f" * 40})
    await refresh(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "unavailable"
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "reauth_paperless"


async def test_paperless_ai_failures_stay_on_its_device(
    hass: HomeAssistant, lab: LabHandle, paperless_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await setup_entry(hass, paperless_entry)
    await lab.control("POST", "/control/paperless_ai/fault", {"status": 500, "body": {}})
    await refresh(hass, paperless_entry)
    assert state(hass, "sensor.paperless_ai_health") == "unavailable"
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "2"
    await lab.control("DELETE", "/control/paperless_ai/fault")
    await lab.control("POST", "/control/paperless_ai/api_key", {"api_key": "new"})
    await refresh(hass, paperless_entry)
    flows = hass.config_entries.flow.async_progress()
    assert [flow["step_id"] for flow in flows] == ["reauth_paperless"]


async def test_paperless_ai_down_at_setup(hass: HomeAssistant, lab: LabHandle) -> None:
    await freeze(lab)
    entry = make_entry(EntryType.PAPERLESS, paperless_data(lab, ai_url="http://127.0.0.1:9"))
    await setup_entry(hass, entry)
    assert state(hass, "sensor.paperless_ngx_queued_tasks") == "2"
    assert state(hass, "sensor.paperless_ai_health") == "unavailable"
    assert state(hass, "binary_sensor.paperless_ai_processing") == "unavailable"
    # The backlog is counted in Paperless-ngx: it stays known.
    assert state(hass, "sensor.paperless_ai_backlog") == "14"
