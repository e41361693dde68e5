"""The same treatment for the pipeline's HTTP services: Ollama, Paperless-ngx (+ Paperless-AI)
and n8n answer 401, 403, 500, too slowly, or with garbage.

Each fault lasts one poll (virtual time): the entities go unavailable (or a reauth starts for a
refused key), nothing crashes, and the next poll after the fault is gone brings them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.homelab.const import EntryType
from tests.common import LabHandle
from tests.homelab.pipeline.conftest import (
    freeze,
    make_entry,
    n8n_data,
    ollama_data,
    paperless_data,
    setup_entry,
)

from .conftest import KeepAll, VirtualClock


@dataclass(frozen=True)
class Service:
    """A pipeline service under test."""

    kind: EntryType
    control: str
    entity: str
    interval: float
    timeout: float
    auth_path: str = "/api/"
    """Where a refused key shows (health endpoints are public)."""

    def data(self, lab: LabHandle) -> dict[str, Any]:
        return {
            EntryType.OLLAMA: ollama_data,
            EntryType.PAPERLESS: paperless_data,
            EntryType.N8N: n8n_data,
        }[self.kind](lab)


SERVICES = {
    "ollama": Service(EntryType.OLLAMA, "ollama", "sensor.ollama_loaded_models", 15, 10, ""),
    "paperless": Service(
        EntryType.PAPERLESS, "paperless", "sensor.paperless_ngx_queued_tasks", 30, 15
    ),
    "n8n": Service(EntryType.N8N, "n8n", "sensor.n8n_running_executions", 30, 10),
}
# What each fault looks like to the service's control API, and what the entry should do.
FAULTS: dict[str, dict[str, Any]] = {
    "401": {"status": 401, "body": {"detail": "Invalid token."}},
    "403": {"status": 403, "body": {"detail": "You do not have permission."}},
    "500": {"status": 500, "body": {"error": "internal"}},
    "timeout": {"hang": True},
    "garbage": {"garbage": True, "status": 200},
}
# Ollama has no authentication of its own: a 401/403 comes from a proxy, and still means the
# token is wrong. Paperless-ngx answers 403 for a missing permission, not for a bad token; n8n
# answers 403 for a valid key without the call's scope (a repair names it; no reauth).
REAUTH = {
    ("ollama", "401"),
    ("ollama", "403"),
    ("paperless", "401"),
    ("n8n", "401"),
}


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("name", list(SERVICES))
async def test_service_fault(
    hass: HomeAssistant,
    lab: LabHandle,
    clock: VirtualClock,
    log_guard: KeepAll,
    name: str,
    fault: str,
) -> None:
    service = SERVICES[name]
    await freeze(lab)
    entry: MockConfigEntry = await setup_entry(hass, make_entry(service.kind, service.data(lab)))
    assert entry.state is ConfigEntryState.LOADED
    assert state(hass, service.entity) != STATE_UNAVAILABLE
    body = dict(FAULTS[fault])
    if fault in ("401", "403"):
        body["path"] = service.auth_path
    await lab.control("POST", f"/control/{service.control}/fault", body)
    if name == "paperless" and fault != "403":
        # Paperless-AI next to it fails the same way (a 403 there means a refused key).
        await lab.control("POST", "/control/paperless_ai/fault", body)
    # One poll with the fault (and, for a slow answer, the client's timeout on top; aiohttp
    # rounds long timeouts up to the next whole second, the poll has up to 0.5 s of jitter).
    await clock.advance(service.interval + service.timeout + 3, step=1)
    await hass.async_block_till_done()
    flows = [
        f for f in hass.config_entries.flow.async_progress() if f["context"]["source"] == "reauth"
    ]
    assert state(hass, service.entity) == STATE_UNAVAILABLE
    await lab.control("DELETE", f"/control/{service.control}/fault")
    if name == "paperless":
        await lab.control("DELETE", "/control/paperless_ai/fault")
    if (name, fault) in REAUTH:
        # A refused key stops the polls until the user re-authenticates (here: a reload).
        assert [f["context"]["entry_id"] for f in flows] == [entry.entry_id]
        assert await hass.config_entries.async_reload(entry.entry_id)
    else:
        assert not flows
    back = await clock.advance_until(
        lambda: state(hass, service.entity) != STATE_UNAVAILABLE, service.interval * 2 + 1, step=1
    )
    assert back is not None, f"{name} still unavailable after the {fault} fault ended"
    assert entry.state is ConfigEntryState.LOADED
