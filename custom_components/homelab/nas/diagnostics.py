"""Diagnostics of a TrueNAS entry: what it sees, with every secret and identifying value redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_USERNAME

from ..clients.truenas import Pool
from ..redact import REDACTED, alert_text
from .runtime import TrueNASConfigEntry, TrueNASRuntimeData, WaitingConfigEntry

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
    "serial",
}


def _disk_states(pools: dict[str, Pool]) -> dict[str, tuple[str, str]]:
    """Each disk in a pool's topology: (pool, state), as the disk's sensors read them."""
    found: dict[str, tuple[str, str]] = {}
    for pool in pools.values():
        for vdevs in pool.topology.values():
            for vdev in vdevs:
                for leaf in vdev.leaves():
                    if leaf.disk:
                        found[leaf.disk] = (pool.name, leaf.status)
    return found


def _disks(runtime: TrueNASRuntimeData) -> dict[str, Any]:
    """Model, pool, state, temperature and the last SMART test of each disk (serials redacted)."""
    coordinator = runtime.disks
    data = coordinator.data
    places = _disk_states(runtime.coordinator.data.pools)
    disks: dict[str, Any] = {}
    for name, disk in sorted((data.disks if data else {}).items()):
        place = places.get(name)
        smart = data.smart.get(name)
        history = data.history.get(name)
        disks[name] = {
            "model": disk.model,
            "serial": disk.serial,  # redacted with TO_REDACT
            "size": disk.size,
            "type": disk.type,
            "pool": place[0] if place else disk.pool,
            "state": place[1] if place else None,
            "temperature": data.temperatures.get(name),
            "temperature_24h": asdict(history) if history else None,
            "last_smart_test": (
                {"status": smart.status, "description": smart.description, "hours": smart.lifetime}
                if smart
                else None
            ),
        }
    return {
        "temperatures_enabled": coordinator.temperatures_on,
        "live_temperatures": coordinator.live_temperatures,
        "disks": disks,
    }


def _datasets(runtime: TrueNASRuntimeData) -> dict[str, Any]:
    """Space and lock state of the watched datasets."""
    data = runtime.backups.data
    return {
        name: {
            "used": usage.used,
            "available": usage.available,
            "quota": usage.quota,
            "compressratio": usage.compressratio,
            "encrypted": usage.encrypted,
            "locked": usage.locked if usage.encrypted else None,
        }
        for name, usage in sorted((data.usage if data else {}).items())
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
            "disks": _disks(runtime),
            "datasets": _datasets(runtime),
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
