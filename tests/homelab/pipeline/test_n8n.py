"""The n8n entry: running and failed executions, waiting ones left out, readiness, failures."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import EntryType
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
    # One running; the waiting one (a Wait node) is parked and not counted.
    assert state(hass, "sensor.n8n_running_executions") == "1"
    assert state(hass, "sensor.n8n_failed_executions_24_h") == "2"
    assert state(hass, "sensor.n8n_last_failure") == "2026-11-01T10:00:05+00:00"
    assert state(hass, "sensor.n8n_last_failed_workflow") == "Paperless to Vikunja tasks"

    started = await lab.control(
        "POST",
        "/control/n8n/executions",
        {"workflow": "Paperless to Radicale calendar", "seconds": 600},
    )
    await lab.control("POST", "/control/n8n/executions", {"status": "waiting"})
    await refresh(hass, n8n_entry)
    assert state(hass, "sensor.n8n_running_executions") == "2"
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
