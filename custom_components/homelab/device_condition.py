"""Device conditions: a pool is degraded, an app is crashed or running, a backup failed."""

from __future__ import annotations

from typing import Any

from homeassistant.const import (
    CONF_CONDITION,
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_ENTITY_ID,
    CONF_TYPE,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import condition, config_validation as cv, entity_registry as er
from homeassistant.helpers.config_validation import DEVICE_CONDITION_BASE_SCHEMA
from homeassistant.helpers.typing import ConfigType, TemplateVarsType
import probatio as vol

from .const import DOMAIN
from .device_automation import CONDITIONS, matching_entities

CONDITION_SCHEMA = DEVICE_CONDITION_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_ENTITY_ID): cv.entity_id_or_uuid,
        vol.Required(CONF_TYPE): vol.In(list(CONDITIONS)),
    }
)


async def async_get_conditions(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """The conditions this device offers."""
    return [
        {
            CONF_CONDITION: "device",
            CONF_DEVICE_ID: device_id,
            CONF_DOMAIN: DOMAIN,
            CONF_ENTITY_ID: entity.id,
            CONF_TYPE: kind,
        }
        for kind, entity in matching_entities(hass, device_id, CONDITIONS)
    ]


@callback
def async_condition_from_config(
    hass: HomeAssistant, config: ConfigType
) -> condition.ConditionCheckerType:
    """True while the device's entity is in one of the condition's states."""
    entity_id = er.async_resolve_entity_id(er.async_get(hass), config[CONF_ENTITY_ID])
    states = list(CONDITIONS[config[CONF_TYPE]].states)

    @callback
    def test(hass: HomeAssistant, variables: TemplateVarsType) -> bool:
        return entity_id is not None and condition.state(hass, entity_id, states)

    return test
