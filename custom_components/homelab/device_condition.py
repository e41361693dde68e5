"""Device conditions: a pool is degraded, an app is crashed or running, a backup failed."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_CONDITION, CONF_ENTITY_ID, CONF_TYPE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import condition, entity_registry as er
from homeassistant.helpers.config_validation import DEVICE_CONDITION_BASE_SCHEMA
from homeassistant.helpers.typing import ConfigType, TemplateVarsType

from .device_automation import CONDITIONS, offered, watch_schema

CONDITION_SCHEMA = watch_schema(DEVICE_CONDITION_BASE_SCHEMA, CONDITIONS)


async def async_get_conditions(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """The conditions this device offers."""
    return offered(hass, device_id, CONDITIONS, {CONF_CONDITION: "device"})


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
