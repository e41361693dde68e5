"""Diagnostics: what the entry sees, with every secret and identifying value redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .nas.coordinator import HomeLabConfigEntry
from .pipeline.const import is_pipeline_entry
from .pipeline.diagnostics import pipeline_diagnostics
from .redact import REDACTED, alert_text

TO_REDACT = {
    CONF_API_KEY,
    CONF_USERNAME,
    CONF_HOST,
    "hostname",
    "system_serial",
    "guid",
    "unique_id",
    "api_key",
    "token",
    "password",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeLabConfigEntry
) -> dict[str, Any]:
    """Return redacted entry data, connection state and the latest server data."""
    if is_pipeline_entry(entry):  # Ollama, Paperless-ngx, n8n
        return pipeline_diagnostics(entry)
    runtime = entry.runtime_data
    data = runtime.coordinator.data
    return async_redact_data(
        {
            "entry": {
                "data": dict(entry.data),
                "options": dict(entry.options),
                "unique_id": entry.unique_id,
            },
            "connection": {
                "connected": runtime.client.connected,
                "api_version": runtime.client.api_version,
                "subscriptions": sorted(runtime.client.subscriptions),
                "last_update_success": runtime.coordinator.last_update_success,
            },
            "system": asdict(data.system),
            "pools": [asdict(pool) for pool in data.pools.values()],
            # Alert texts and arguments name disks, serials, hosts and users.
            "alerts": [
                {**asdict(alert), "formatted": alert_text(alert), "args": REDACTED}
                for alert in data.alerts.values()
            ],
            "backups": runtime.backups.diagnostics(),
        },
        TO_REDACT,
    )
