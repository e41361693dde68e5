"""The Home Lab LLM API, called through Home Assistant's llm helper.

Its tools see and act on what the user exposed to the agent's assistant only.
"""

from __future__ import annotations

from unittest.mock import ANY

from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, llm
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN, EntryType
from custom_components.homelab.nas.identifiers import app_identifier
from tests.common import LabHandle
from tests.homelab.pipeline.conftest import freeze, make_entry, paperless_data, setup_entry


@pytest.fixture
async def api(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> llm.APIInstance:
    assert await async_setup_component(hass, "homeassistant", {})
    context = llm.LLMContext(
        platform="test", context=Context(), language="en", assistant="conversation", device_id=None
    )
    return await llm.async_get_api(hass, DOMAIN, context)


def expose_everything(hass: HomeAssistant) -> None:
    for entity_id in hass.states.async_entity_ids():
        async_expose_entity(hass, conversation.DOMAIN, entity_id, True)


async def redeploys(lab: LabHandle) -> list[str]:
    return [c["params"][0] for c in await lab.calls() if c["method"] == "app.redeploy"]


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
    expose_everything(hass)
    result = await api.async_call_tool(llm.ToolInput("lab_status", {}))
    assert not result.error
    (server,) = result.data["servers"]
    assert server["pools"]["tank"]["status"] == "ONLINE"
    assert "paperless-ngx" in server["apps_running"]
    assert server["apps_with_updates"] == ["nextcloud"]
    assert server["connected"] is True
    assert server["backups"]["tasks"]
    # Alert texts reach a language model without what identifies a disk, host or user.
    [smart] = [alert for alert in server["alerts"] if alert["kind"] == "SMART"]
    assert smart["text"] == "Device: /dev/[redacted], [redacted]."
    assert "sdc" not in str(result.data)
    # The NAS itself: live figures, its update, certificate expiry (no names: they are hosts).
    assert isinstance(server["system"]["live"]["cpu_usage"], float)
    assert server["system"]["update"]["available_version"]
    assert server["system"]["certificates"][0] == {"web_ui": False, "days_left": ANY}
    assert "truenas_default" not in str(result.data)
    assert server["vms_and_containers"]["homeassistant"] == "RUNNING"


async def test_lab_status_includes_the_pipeline(
    hass: HomeAssistant, lab: LabHandle, api: llm.APIInstance
) -> None:
    """The pipeline list used to be always empty (duck typing on the entries' runtime data)."""
    await freeze(lab)
    paperless = await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab)))
    expose_everything(hass)
    result = await api.async_call_tool(llm.ToolInput("lab_status", {}))
    (summary,) = result.data["pipeline"]
    queue = paperless.runtime_data.coordinator.data.queue
    assert summary["service"] == "Paperless-ngx"
    assert summary["available"] is True
    assert summary["tasks_queued"] == queue.pending
    assert summary["tasks_processing"] == queue.started
    assert summary["documents_by_tag"]["automation-failed"] == 2
    assert summary["paperless_ai"]["health"] == "healthy"


async def test_tools_see_and_act_on_exposed_devices_only(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    api: llm.APIInstance,
) -> None:
    await freeze(lab)
    await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab)))
    # Nothing exposed: nothing to see, nothing to act on.
    status = await api.async_call_tool(llm.ToolInput("lab_status", {}))
    assert status.data == {"servers": [], "pipeline": []}
    refused = await api.async_call_tool(llm.ToolInput("restart_app", {"app": "syncthing"}))
    assert refused.error
    backup = await api.async_call_tool(
        llm.ToolInput("trigger_backup", {"target": "tank/applications/n8n"})
    )
    assert backup.error
    reprocess = await api.async_call_tool(llm.ToolInput("reprocess_documents", {}))
    assert reprocess.error
    assert await redeploys(lab) == []
    calls = [c["method"] for c in await lab.calls()]
    assert "pool.snapshot.create" not in calls
    assert "zfs.snapshot.create" not in calls
    assert (await lab.control("GET", "/control/paperless/state"))["reprocessed"] == []

    # One entity of syncthing exposed: syncthing, and only it, is visible and restartable.
    device = dr.async_get(hass).async_get_device_by_identifier(
        app_identifier(loaded_entry, "syncthing"), loaded_entry.entry_id
    )
    assert device is not None
    (first, *_) = er.async_entries_for_device(er.async_get(hass), device.id)
    async_expose_entity(hass, conversation.DOMAIN, first.entity_id, True)
    status = await api.async_call_tool(llm.ToolInput("lab_status", {}))
    (server,) = status.data["servers"]
    assert server["apps_running"] == ["syncthing"]
    assert server["pools"] == {}
    assert "alerts" not in server
    assert status.data["pipeline"] == []
    done = await api.async_call_tool(llm.ToolInput("restart_app", {"app": "Syncthing"}))
    assert not done.error, done.data
    assert await redeploys(lab) == ["syncthing"]
    other = await api.async_call_tool(llm.ToolInput("restart_app", {"app": "n8n"}))
    assert other.error
    assert await redeploys(lab) == ["syncthing"]


async def test_restart_app_goes_through_the_action(
    hass: HomeAssistant, lab: LabHandle, api: llm.APIInstance
) -> None:
    expose_everything(hass)
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


async def test_trigger_backup_by_task_or_dataset_name(
    hass: HomeAssistant, lab: LabHandle, api: llm.APIInstance
) -> None:
    expose_everything(hass)
    result = await api.async_call_tool(llm.ToolInput("trigger_backup", {"target": "nothing"}))
    assert result.error
    dataset = await api.async_call_tool(
        llm.ToolInput("trigger_backup", {"target": "tank/applications/n8n"})
    )
    assert not dataset.error, dataset.data
    assert dataset.data["result"]["snapshot"].startswith("tank/applications/n8n@")
    task = await api.async_call_tool(
        llm.ToolInput("trigger_backup", {"target": "tank/applications - offsite"})
    )
    assert not task.error, task.data
    assert "replication.run" in [c["method"] for c in await lab.calls()]
