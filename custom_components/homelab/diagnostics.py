"""Diagnostics: what the entry sees, with every secret and identifying value redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .entries import HomeLabConfigEntry, is_pipeline_entry
from .nas.diagnostics import truenas_diagnostics, waiting_diagnostics
from .nas.runtime import is_waiting_entry
from .pipeline.diagnostics import pipeline_diagnostics


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeLabConfigEntry
) -> dict[str, Any]:
    """Each entry kind says what it sees (redacted) in its own package."""
    if is_pipeline_entry(entry):
        return pipeline_diagnostics(entry)
    if is_waiting_entry(entry):
        return waiting_diagnostics(entry)
    return truenas_diagnostics(entry)
