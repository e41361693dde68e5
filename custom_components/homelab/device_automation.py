"""What the device triggers and conditions watch: one entity of the device, in some states.

Shared by device_trigger.py and device_condition.py, so that "pool became degraded" and
"pool is degraded" read the same entity the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.const import CONF_DEVICE_ID, CONF_DOMAIN, CONF_ENTITY_ID, CONF_TYPE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, entity_registry as er
import probatio as vol

from .const import DOMAIN


@dataclass(frozen=True)
class Watch:
    """An entity (by translation key) of a Home Lab device and the states that count."""

    translation_keys: frozenset[str]
    states: tuple[str, ...]


TRIGGERS: dict[str, Watch] = {
    "pool_degraded": Watch(frozenset({"pool_problem"}), ("on",)),
    "app_crashed": Watch(frozenset({"app_state"}), ("crashed",)),
    "backup_failed": Watch(
        frozenset({"snapshot_task_state", "replication_state", "cloud_sync_state"}),
        ("error", "failed"),
    ),
    # The NAS's own devices (issue 12).
    "vm_stopped": Watch(frozenset({"vm_state"}), ("stopped", "error")),
    "disk_failed": Watch(
        frozenset({"disk_state"}), ("degraded", "faulted", "offline", "removed", "unavail")
    ),
    "service_stopped": Watch(frozenset({"service_running"}), ("off",)),
    "update_available": Watch(frozenset({"system_update"}), ("on",)),
}
CONDITIONS: dict[str, Watch] = {
    "is_degraded": TRIGGERS["pool_degraded"],
    "is_crashed": TRIGGERS["app_crashed"],
    "is_running": Watch(frozenset({"app_running"}), ("on",)),
    "is_backup_failed": TRIGGERS["backup_failed"],
    "is_vm_running": Watch(frozenset({"vm_state"}), ("running",)),
    "is_update_available": TRIGGERS["update_available"],
}


def matching_entities(
    hass: HomeAssistant, device_id: str, watches: dict[str, Watch]
) -> list[tuple[str, er.RegistryEntry]]:
    """(type, entity) for each watch this device has an entity for."""
    found: list[tuple[str, er.RegistryEntry]] = []
    for entity in er.async_entries_for_device(er.async_get(hass), device_id):
        if entity.platform != DOMAIN:
            continue
        found.extend(
            (kind, entity)
            for kind, watch in watches.items()
            if entity.translation_key in watch.translation_keys
        )
    return found


def watch_schema(base: vol.Schema, watches: dict[str, Watch]) -> vol.Schema:
    """The base trigger or condition schema with the watched entity and the watch's type."""
    return base.extend(
        {
            vol.Required(CONF_ENTITY_ID): cv.entity_id_or_uuid,
            vol.Required(CONF_TYPE): vol.In(list(watches)),
        }
    )


def offered(
    hass: HomeAssistant, device_id: str, watches: dict[str, Watch], head: dict[str, str]
) -> list[dict[str, Any]]:
    """What the device offers (`head`: the trigger's platform or the condition's kind)."""
    return [
        {
            **head,
            CONF_DEVICE_ID: device_id,
            CONF_DOMAIN: DOMAIN,
            CONF_ENTITY_ID: entity.id,
            CONF_TYPE: kind,
        }
        for kind, entity in matching_entities(hass, device_id, watches)
    ]
