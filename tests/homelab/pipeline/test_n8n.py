"""The n8n entry: running, waiting and failed executions, readiness, scopes, failures."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import DOMAIN, EntryType
from custom_components.homelab.pipeline.const import CONF_API_KEY
from custom_components.homelab.pipeline.n8n import SCOPE_RETRY, missing_scope_issue_id
from tests.common import LabHandle

from .conftest import advance, freeze, make_entry, n8n_data, setup_entry


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_executions(hass: HomeAssistant, lab: LabHandle, n8n_entry: MockConfigEntry) -> None:
    await freeze(lab)
    await setup_entry(hass, n8n_entry)
    # One running, and one parked by a Wait node (counted apart: n8n 2.41.1's filter works).
    assert state(hass, "sensor.n8n_running_executions") == "1"
    assert state(hass, "sensor.n8n_waiting_executions") == "1"
    assert state(hass, "sensor.n8n_failed_executions_24_h") == "2"
    assert state(hass, "sensor.n8n_last_failure") == "2026-11-01T10:00:05+00:00"
    assert state(hass, "sensor.n8n_last_failed_workflow") == "Paperless to Vikunja tasks"

    started = await lab.control(
        "POST",
        "/control/n8n/executions",
        {"workflow": "Paperless to Radicale calendar", "seconds": 600},
    )
    await lab.control("POST", "/control/n8n/executions", {"status": "waiting", "seconds": 3600})
    await refresh(hass, n8n_entry)
    assert state(hass, "sensor.n8n_running_executions") == "2"
    assert state(hass, "sensor.n8n_waiting_executions") == "2"
    await advance(lab, 60)
    await lab.control("POST", f"/control/n8n/executions/{started['id']}/fail")
    await refresh(hass, n8n_entry)
    assert state(hass, "sensor.n8n_running_executions") == "0"
    assert state(hass, "sensor.n8n_failed_executions_24_h") == "3"
    assert state(hass, "sensor.n8n_last_failed_workflow") == "Paperless to Radicale calendar"
    last = hass.states.get("sensor.n8n_last_failure")
    assert last is not None
    assert last.attributes["execution_id"] == started["id"]


async def test_last_failure_older_than_a_day(
    hass: HomeAssistant, lab: LabHandle, n8n_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await advance(lab, 2 * 86400)
    await setup_entry(hass, n8n_entry)
    assert state(hass, "sensor.n8n_failed_executions_24_h") == "0"
    assert state(hass, "sensor.n8n_last_failure") == "2026-11-01T10:00:05+00:00"


async def test_not_ready(hass: HomeAssistant, lab: LabHandle, n8n_entry: MockConfigEntry) -> None:
    await freeze(lab)
    await setup_entry(hass, n8n_entry)
    await lab.control("POST", "/control/n8n/ready", {"ready": False})
    await refresh(hass, n8n_entry)
    assert state(hass, "sensor.n8n_health") == "not_ready"
    assert state(hass, "sensor.n8n_running_executions") == "unknown"
    assert state(hass, "sensor.n8n_last_failure") == "unknown"


async def test_old_n8n_without_the_running_filter(hass: HomeAssistant, lab: LabHandle) -> None:
    await freeze(lab)
    lab.scenario.sections["n8n"].legacy_status_filter = True
    await setup_entry(hass, make_entry(EntryType.N8N, n8n_data(lab)))
    assert state(hass, "sensor.n8n_running_executions") == "unknown"
    assert state(hass, "sensor.n8n_failed_executions_24_h") == "2"


async def test_key_refused(hass: HomeAssistant, lab: LabHandle, n8n_entry: MockConfigEntry) -> None:
    await setup_entry(hass, n8n_entry)
    await lab.control("POST", "/control/n8n/api_key", {"api_key": "rotated"})
    await refresh(hass, n8n_entry)
    assert state(hass, "sensor.n8n_running_executions") == "unavailable"
    assert [flow["step_id"] for flow in hass.config_entries.flow.async_progress()] == ["reauth_n8n"]


async def test_crashed_executions_count_as_failures(
    hass: HomeAssistant, lab: LabHandle, n8n_entry: MockConfigEntry
) -> None:
    """A restart kills running executions as `crashed`; `status=error` alone missed them."""
    await freeze(lab)
    await setup_entry(hass, n8n_entry)
    assert state(hass, "sensor.n8n_failed_executions_24_h") == "2"
    assert await lab.control("POST", "/control/n8n/restart") == {"crashed": 1}
    await refresh(hass, n8n_entry)
    assert state(hass, "sensor.n8n_running_executions") == "0"
    assert state(hass, "sensor.n8n_failed_executions_24_h") == "3"
    assert state(hass, "sensor.n8n_last_failed_workflow") == "Paperless to Vikunja tasks"
    last = hass.states.get("sensor.n8n_last_failure")
    assert last is not None
    assert last.attributes["execution_id"] == "9"


async def test_crashed_is_the_last_failure_after_a_day(
    hass: HomeAssistant, lab: LabHandle, n8n_entry: MockConfigEntry
) -> None:
    await freeze(lab)
    await lab.control("POST", "/control/n8n/restart")
    await advance(lab, 2 * 86400)
    await setup_entry(hass, n8n_entry)
    assert state(hass, "sensor.n8n_failed_executions_24_h") == "0"
    last = hass.states.get("sensor.n8n_last_failure")
    assert last is not None
    assert last.attributes["execution_id"] == "9"


async def _scoped_key(lab: LabHandle, *scopes: str) -> None:
    await lab.control("POST", "/control/n8n/api_key", {"api_key": "scoped", "scopes": list(scopes)})


async def test_key_without_workflow_read(
    hass: HomeAssistant, lab: LabHandle, freezer: FrozenDateTimeFactory
) -> None:
    """A 403 on the optional workflow call: a repair naming the scope, no reauth, no name."""
    await freeze(lab)
    await _scoped_key(lab, "execution:list", "execution:read")
    entry = await setup_entry(
        hass, make_entry(EntryType.N8N, n8n_data(lab, **{CONF_API_KEY: "scoped"}))
    )
    assert entry.state.name == "LOADED"
    assert hass.config_entries.flow.async_progress() == []
    assert state(hass, "sensor.n8n_running_executions") == "1"
    assert state(hass, "sensor.n8n_failed_executions_24_h") == "2"
    assert state(hass, "sensor.n8n_last_failed_workflow") == "unknown"
    issues = ir.async_get(hass)
    issue_id = missing_scope_issue_id(entry, "workflow:read")
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "n8n_missing_scope"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["scope"] == "workflow:read"
    # The workflow is not asked again at every poll ...
    client = entry.runtime_data.coordinator.client
    with patch.object(client, "workflow", wraps=client.workflow) as workflow:
        await refresh(hass, entry)
        assert workflow.call_count == 0
    # ... but again later: the scope was added, the name comes, the issue goes.
    await _scoped_key(lab, "execution:list", "workflow:read")
    freezer.tick(SCOPE_RETRY + timedelta(seconds=1))
    with patch.object(client, "workflow", wraps=client.workflow) as workflow:
        await refresh(hass, entry)
        assert workflow.call_count == 1
    assert state(hass, "sensor.n8n_last_failed_workflow") == "Paperless to Vikunja tasks"
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_key_without_execution_list(hass: HomeAssistant, lab: LabHandle) -> None:
    """A 403 on the executions: the update fails with a repair naming the scope, no reauth."""
    await freeze(lab)
    await _scoped_key(lab, "workflow:read")
    entry = make_entry(EntryType.N8N, n8n_data(lab, **{CONF_API_KEY: "scoped"}))
    await setup_entry(hass, entry)
    assert entry.state.name == "SETUP_RETRY"
    assert hass.config_entries.flow.async_progress() == []
    issue_id = missing_scope_issue_id(entry, "execution:list")
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None


async def test_config_flow_names_the_missing_scope(hass: HomeAssistant, lab: LabHandle) -> None:
    await _scoped_key(lab, "workflow:read")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "n8n"}
    )
    data = n8n_data(lab, **{CONF_API_KEY: "scoped"})
    form = {key: data[key] for key in ("url", "verify_ssl", "api_key")}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"base": "n8n_missing_scope"}
    await _scoped_key(lab, "execution:list")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, "api_key": "scoped"}
    )
    assert result["type"] == "create_entry"
