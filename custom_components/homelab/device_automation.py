"""What the device triggers and conditions watch: one entity of the device, in some states.

Shared by device_trigger.py and device_condition.py, so that "pool became degraded" and
"pool is degraded" read the same entity the same way. A watch with a threshold (`above`) is a
numeric one: it fires when the entity's value crosses above the threshold the user sets in the
trigger ("disk too hot"), the default given in degrees Celsius and offered in the entity's unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_ABOVE,
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_ENTITY_ID,
    CONF_TYPE,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.util.unit_conversion import TemperatureConverter
import probatio as vol

from .const import DOMAIN


@dataclass(frozen=True)
class Watch:
    """An entity (by translation key) of a Home Lab device and the states that count."""

    translation_keys: frozenset[str]
    states: tuple[str, ...]
    above: float | None = None
    """A numeric watch: the default threshold (degrees Celsius) the value crosses above."""


# A disk is too hot from 50 °C by default: the usual drive specifications allow 55-60 °C, and
# most owners want to hear of it before that.
DISK_TOO_HOT_CELSIUS = 50.0


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
    # The live temperature (25.04) or, from 25.10, the last day's maximum (the disk's only
    # temperature sensors there): one of them per disk, when temperatures are on.
    "disk_too_hot": Watch(
        frozenset({"disk_temperature", "disk_temperature_max"}), (), above=DISK_TOO_HOT_CELSIUS
    ),
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


def entity_unit(hass: HomeAssistant, entity_id_or_uuid: str) -> str | None:
    """The unit the watched entity's state is written in (None: no state or no unit)."""
    registry = er.async_get(hass)
    try:
        entity_id = er.async_validate_entity_id(registry, entity_id_or_uuid)
    except vol.Invalid:
        return None
    state = hass.states.get(entity_id)
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) if state is not None else None
    return unit if isinstance(unit, str) else None


def default_above(watch: Watch, unit: str | None) -> float:
    """The watch's default threshold in `unit` (a temperature in °F when the user shows °F)."""
    if watch.above is None:
        msg = "not a numeric watch"
        raise ValueError(msg)
    if unit in TemperatureConverter.VALID_UNITS and unit != UnitOfTemperature.CELSIUS:
        return round(TemperatureConverter.convert(watch.above, UnitOfTemperature.CELSIUS, unit), 1)
    return watch.above


def threshold_fields(hass: HomeAssistant, config: dict[str, Any]) -> vol.Schema | None:
    """The trigger's extra field (its threshold, in the entity's unit); None for state watches."""
    watch = TRIGGERS.get(str(config.get(CONF_TYPE)))
    if watch is None or watch.above is None:
        return None
    unit = entity_unit(hass, str(config.get(CONF_ENTITY_ID)))
    description = {"suffix": unit} if unit else None
    return vol.Schema(
        {
            vol.Optional(
                CONF_ABOVE, default=default_above(watch, unit), description=description
            ): vol.Coerce(float)
        }
    )
