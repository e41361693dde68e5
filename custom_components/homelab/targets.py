"""Resolve an action's target (devices or entities) to the loaded entries and devices it names.

Shared by every action so that all of them treat unknown or foreign targets the same way:
a translated ServiceValidationError, never a stack trace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.typing import VolDictType
import probatio as vol

from .const import DOMAIN


def _entity_ids(value: Any) -> list[str]:
    """Home Assistant's entity id list, refusing what its validator would crash on (a number)."""
    if not isinstance(value, str | list):
        raise vol.Invalid("expected an entity ID or a list of entity IDs")
    ids: list[str] = cv.comp_entity_ids(value)
    return ids


# The target fields of every action: Home Assistant's, with a sturdier entity id check.
TARGET_FIELDS: VolDictType = {
    **{key: value for key, value in cv.ENTITY_SERVICE_FIELDS.items() if key != ATTR_ENTITY_ID},
    vol.Optional(ATTR_ENTITY_ID): _entity_ids,
}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def target_devices(
    hass: HomeAssistant, call: ServiceCall
) -> list[dr.DeviceEntry | dr.ChildDeviceEntry]:
    """Every device the call targets, directly or through one of its entities.

    Raises ServiceValidationError for an unknown device or entity, or when nothing is targeted.
    """
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    device_ids: list[str] = _as_list(call.data.get(ATTR_DEVICE_ID))
    for entity_id in _as_list(call.data.get(ATTR_ENTITY_ID)):
        entity = entities.async_get(entity_id)
        if entity is None or entity.device_id is None or entity.platform != DOMAIN:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_target",
                translation_placeholders={"target": entity_id},
            )
        device_ids.append(entity.device_id)
    if not device_ids:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_target")
    result: list[dr.DeviceEntry | dr.ChildDeviceEntry] = []
    for device_id in dict.fromkeys(device_ids):
        device = devices.async_get(device_id)
        if device is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_target",
                translation_placeholders={"target": device_id},
            )
        result.append(device)
    return result


def loaded_entry_for(
    hass: HomeAssistant, device: dr.DeviceEntry | dr.ChildDeviceEntry
) -> ConfigEntry[Any]:
    """The loaded Home Lab entry a device belongs to."""
    for entry_id in device.config_entries:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is not None and entry.domain == DOMAIN:
            if entry.state is not ConfigEntryState.LOADED:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="entry_not_loaded",
                    translation_placeholders={"entry": entry.title},
                )
            return entry
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_target",
        translation_placeholders={"target": device.name_by_user or device.name or device.id},
    )


def identifier_suffixes(device: dr.DeviceEntry | dr.ChildDeviceEntry, prefix: str) -> Iterable[str]:
    """For identifiers `(homelab, "<anything>_<prefix>_<name>")`, yield each `<name>`."""
    marker = f"_{prefix}_"
    for domain, identifier in device.identifiers:
        if domain == DOMAIN and marker in identifier:
            yield identifier.split(marker, 1)[1]
