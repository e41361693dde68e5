"""Diagnostics of a TrueNAS entry: what it sees, with every secret and identifying value redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_USERNAME

from ..redact import REDACTED, alert_text
from .runtime import TrueNASConfigEntry, WaitingConfigEntry

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


def truenas_diagnostics(entry: TrueNASConfigEntry) -> dict[str, Any]:
    """Redacted entry data, connection state and the latest server data."""
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


def waiting_diagnostics(entry: WaitingConfigEntry) -> dict[str, Any]:
    """An entry whose server did not answer at setup: its data, and that it waits."""
    return async_redact_data(
        {
            "entry": {
                "data": dict(entry.data),
                "options": dict(entry.options),
                "unique_id": entry.unique_id,
            },
            "connection": {"connected": False, "waiting_for_server": True},
            "probes": len(entry.runtime_data.probes),
        },
        TO_REDACT,
    )
