"""How reauth and reconfigure save a changed entry and get it running on the new settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult


def async_save_and_reload(
    flow: ConfigFlow,
    entry: ConfigEntry[Any],
    data: Mapping[str, Any],
    unique_id: str | None = None,
) -> ConfigFlowResult:
    """Store `data` (and `unique_id`), make the entry run on it, and finish the flow.

    A loaded TrueNAS entry has an update listener (service probes and options reload through it).
    From Home Assistant 2026.12 a flow may no longer reload such an entry itself: the listener does,
    when it sees the data change. When nothing changed (the same key typed again after the NAS
    restored it), the listener is not called, so the reload is scheduled here.
    An entry without a listener (not loaded, or a pipeline entry) is reloaded by Home Assistant.
    """
    new_unique_id = entry.unique_id if unique_id is None else unique_id
    if not entry.update_listeners:
        return flow.async_update_reload_and_abort(entry, unique_id=new_unique_id, data=data)
    if dict(entry.data) == dict(data) and entry.unique_id == new_unique_id:
        flow.hass.config_entries.async_schedule_reload(entry.entry_id)
    return flow.async_update_and_abort(entry, unique_id=new_unique_id, data=data)
