"""Secrets and safety: diagnostics without secrets, no disk-waking calls by default, and actions
that never delete, roll back or destroy (on TrueNAS, and no HTTP DELETE on the pipeline).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
import contextlib
import json
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.homelab.const import DOMAIN, EntryType
from custom_components.homelab.pipeline.const import CONF_TOKEN
from tests.common import LabHandle
from tests.homelab.pipeline.conftest import (
    freeze,
    make_entry,
    n8n_data,
    ollama_data,
    paperless_data,
    setup_entry,
)
from tests.safety import forbidden

from .conftest import SECRETS, KeepAll, VirtualClock

OLLAMA_TOKEN = "proxy-token-5b1c3f0e9d2a47c8b6e1f0a9d8c7b6a5"


@pytest.fixture
def http_requests() -> Iterator[list[tuple[str, str]]]:
    """Every HTTP request Home Assistant's sessions make: (method, URL)."""
    seen: list[tuple[str, str]] = []
    original = aiohttp.ClientSession._request

    async def recording(self: aiohttp.ClientSession, method: str, url: Any, **kwargs: Any) -> Any:
        seen.append((method.upper(), str(url)))
        return await original(self, method, url, **kwargs)

    with patch.object(aiohttp.ClientSession, "_request", recording):
        yield seen


async def _all_entries(hass: HomeAssistant, lab: LabHandle, truenas: MockConfigEntry) -> list[Any]:
    truenas.add_to_hass(hass)
    assert await hass.config_entries.async_setup(truenas.entry_id)
    await hass.async_block_till_done()
    await freeze(lab)
    ollama = await setup_entry(
        hass, make_entry(EntryType.OLLAMA, ollama_data(lab, **{CONF_TOKEN: OLLAMA_TOKEN}))
    )
    paperless = await setup_entry(hass, make_entry(EntryType.PAPERLESS, paperless_data(lab)))
    n8n = await setup_entry(hass, make_entry(EntryType.N8N, n8n_data(lab)))
    return [truenas, ollama, paperless, n8n]


async def test_diagnostics_hold_no_secret(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    log_guard: KeepAll,
) -> None:
    """Diagnostics of every kind of entry: no API key, token or password anywhere."""
    entries = await _all_entries(hass, lab, mock_config_entry)
    secrets = [*SECRETS, OLLAMA_TOKEN]
    for entry in entries:
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        text = json.dumps(diagnostics, default=str)
        assert len(text) > 200
        leaked = [secret[:6] for secret in secrets if secret in text]
        assert not leaked, f"{entry.title}: {leaked}"
        assert lab.username not in text


async def test_no_disk_waking_calls_by_default(
    hass: HomeAssistant,
    lab: LabHandle,
    loaded_entry: MockConfigEntry,
    clock: VirtualClock,
    log_guard: KeepAll,
) -> None:
    """Half an hour of steady state (virtual): nothing that spins disks up is ever asked."""
    await clock.advance(30 * 60, step=5)
    methods = Counter(call["method"] for call in await lab.calls())
    # disk.query lists the disks and reaches none; nothing else of disk.* or smart.* is asked.
    assert not [m for m in methods if m.startswith(("disk.", "smart.")) and m != "disk.query"]
    # The simulator's log of every call that may reach a disk: none was read or woken.
    reached = await lab.control("GET", "/control/nas/disks/log")
    assert [record for record in reached if record["read"] or record["woke"]] == []
    assert not [m for m in methods if forbidden(m)], methods
    # What it does call, polled: system.info and pool.query each minute, the rest rarely.
    assert methods["pool.query"] >= 25
    assert methods["pool.dataset.query"] <= 10


async def test_actions_never_destroy(
    hass: HomeAssistant,
    lab: LabHandle,
    mock_config_entry: MockConfigEntry,
    http_requests: list[tuple[str, str]],
    log_guard: KeepAll,
) -> None:
    """Every action, button and switch of every entry, once: nothing destructive goes out."""
    await _all_entries(hass, lab, mock_config_entry)
    devices = dr.async_get(hass)
    entities = er.async_get(hass)

    async def call(service: str, data: dict[str, Any]) -> None:
        # Refused (busy, disabled, ...) is fine: it must only not be destructive.
        with contextlib.suppress(HomeAssistantError):
            await hass.services.async_call(DOMAIN, service, data, blocking=True)

    ours = [
        device
        for entry in hass.config_entries.async_entries(DOMAIN)
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id)
    ]
    app_done = False
    for device in ours:
        identifiers = " ".join(identifier for _, identifier in device.identifiers)
        if "_app_" in identifiers and not app_done:
            app_done = True  # one app through all three (the others get buttons and switches)
            for service in ("stop_app", "start_app", "restart_app"):
                await call(service, {ATTR_DEVICE_ID: device.id, "wait": True, "timeout": 5})
        if any(kind in identifiers for kind in ("_snapshottask_", "_replication_", "_cloudsync_")):
            await call("trigger_backup", {ATTR_DEVICE_ID: device.id})
        if "_dataset_" in identifiers:
            await call("trigger_backup", {ATTR_DEVICE_ID: device.id, "recursive": True})
    paperless = next(d for d in ours if d.manufacturer == "Paperless-ngx")
    await call("reprocess_documents", {ATTR_DEVICE_ID: paperless.id, "document_ids": [1203]})
    await call(
        "reprocess_documents",
        {ATTR_DEVICE_ID: paperless.id, "tag": "automation-failed", "remove_tag": True},
    )
    ollama = next(d for d in ours if d.manufacturer == "Ollama")
    await call("load_model", {ATTR_DEVICE_ID: ollama.id, "model": "qwen3:8b"})
    await call("unload_model", {ATTR_DEVICE_ID: ollama.id, "model": "qwen3:8b"})
    pressed = 0
    ours_entities = [
        entity
        for entry in hass.config_entries.async_entries(DOMAIN)
        for entity in er.async_entries_for_config_entry(entities, entry.entry_id)
    ]
    for entity in ours_entities:
        target = {ATTR_ENTITY_ID: entity.entity_id}
        try:
            if entity.domain == "button":
                await hass.services.async_call("button", "press", target, blocking=True)
            elif entity.domain == "switch":
                await hass.services.async_call("switch", "toggle", target, blocking=True)
            else:
                continue
        except HomeAssistantError:
            pass
        pressed += 1
    await hass.async_block_till_done()
    assert pressed >= 5
    methods = {call["method"] for call in await lab.calls()}
    assert {"app.stop", "app.start", "app.redeploy"} <= methods
    assert not [m for m in methods if forbidden(m)], methods
    http_methods = Counter(method for method, _url in http_requests)
    assert "POST" in http_methods  # reprocess, bulk edit, load/unload ran
    assert "DELETE" not in http_methods, http_requests
    deletes = [url for method, url in http_requests if "delete" in url.lower()]
    assert not deletes, deletes
