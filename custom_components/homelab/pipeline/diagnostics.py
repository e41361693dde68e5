"""Diagnostics of the pipeline's entries, with every token, key and URL redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry

from .const import CONF_AI_API_KEY, CONF_AI_URL, CONF_API_KEY, CONF_TOKEN, CONF_URL
from .entry import N8nRuntimeData, OllamaRuntimeData, PaperlessRuntimeData

TO_REDACT = {CONF_TOKEN, CONF_API_KEY, CONF_AI_API_KEY, CONF_URL, CONF_AI_URL, "unique_id", "title"}


def pipeline_diagnostics(entry: ConfigEntry[Any]) -> dict[str, Any]:
    """The entry (redacted) and its coordinators' latest data."""
    runtime = entry.runtime_data
    data: dict[str, Any] = {
        "entry": {
            "data": dict(entry.data),
            "options": dict(entry.options),
            "unique_id": entry.unique_id,
        },
        # The TrueNAS apps shown on this entry's devices (links.py): the app and the device.
        "carried_apps": [
            {"app": link.app_name, "device": link.part or "service"} for link in runtime.carried
        ],
    }
    if isinstance(runtime, OllamaRuntimeData | N8nRuntimeData):
        coordinator = runtime.coordinator
        data["last_update_success"] = coordinator.last_update_success
        data["data"] = asdict(coordinator.data) if coordinator.data else None
    elif isinstance(runtime, PaperlessRuntimeData):
        paperless = runtime.coordinator
        data["last_update_success"] = paperless.last_update_success
        data["api_version"] = paperless.client.api_version
        data["data"] = asdict(paperless.data) if paperless.data else None
        ai = runtime.ai_coordinator
        if ai is not None:
            # None when Paperless-AI was down at setup: exactly when diagnostics are wanted.
            data["paperless_ai"] = asdict(ai.data) if ai.data is not None else None
            data["paperless_ai_last_update_success"] = ai.last_update_success
    return async_redact_data(data, TO_REDACT)
