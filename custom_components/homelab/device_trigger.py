"""Device triggers: a pool became degraded, an app crashed, a backup failed, a disk got too hot.

"Disk too hot" is a numeric trigger: its threshold is the trigger's `above` field.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.homeassistant.triggers import (
    numeric_state as numeric_state_trigger,
    state as state_trigger,
)
from homeassistant.const import CONF_ABOVE, CONF_ENTITY_ID, CONF_PLATFORM, CONF_TYPE
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio as vol

from .device_automation import (
    TRIGGERS,
    default_above,
    entity_unit,
    offered,
    threshold_fields,
    watch_schema,
)

TRIGGER_SCHEMA = watch_schema(DEVICE_TRIGGER_BASE_SCHEMA, TRIGGERS).extend(
    {vol.Optional(CONF_ABOVE): vol.Coerce(float)}
)


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """The triggers this device offers."""
    return offered(hass, device_id, TRIGGERS, {CONF_PLATFORM: "device"})


async def async_get_trigger_capabilities(
    hass: HomeAssistant, config: ConfigType
) -> dict[str, vol.Schema]:
    """A numeric trigger's threshold field (in the entity's unit); nothing for the others."""
    fields = threshold_fields(hass, config)
    return {"extra_fields": fields} if fields is not None else {}


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """A state trigger on the device's entity, into the failure states.

    A numeric watch: a numeric state trigger above the user's threshold (the default in the
    entity's unit).
    """
    watch = TRIGGERS[config[CONF_TYPE]]
    if watch.above is not None:
        above = config.get(CONF_ABOVE)
        if above is None:
            above = default_above(watch, entity_unit(hass, config[CONF_ENTITY_ID]))
        numeric_config = await numeric_state_trigger.async_validate_trigger_config(
            hass,
            {
                CONF_PLATFORM: "numeric_state",
                CONF_ENTITY_ID: config[CONF_ENTITY_ID],
                CONF_ABOVE: above,
            },
        )
        return await numeric_state_trigger.async_attach_trigger(
            hass, numeric_config, action, trigger_info, platform_type="device"
        )
    state_config = await state_trigger.async_validate_trigger_config(
        hass,
        {
            CONF_PLATFORM: "state",
            CONF_ENTITY_ID: config[CONF_ENTITY_ID],
            state_trigger.CONF_TO: list(watch.states),
        },
    )
    return await state_trigger.async_attach_trigger(
        hass, state_config, action, trigger_info, platform_type="device"
    )
