"""Home Lab: a TrueNAS SCALE lab in Home Assistant.

Each entry kind sets itself up in its own package: a TrueNAS server (with its service probes)
in `nas/`, the document pipeline's services in `pipeline/`.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .assist import async_setup_intents
from .const import DOMAIN
from .dashboard import async_register_dashboard_strategy
from .entries import HomeLabConfigEntry, is_pipeline_entry
from .links import async_setup_links
from .llm_api import async_register_llm_api
from .nas import entry as nas
from .pipeline import entry as pipeline
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, _config: ConfigType) -> bool:
    """Register the actions once; they find their entry from the target."""
    async_setup_services(hass)
    async_register_llm_api(hass)
    async_setup_intents(hass)
    await async_register_dashboard_strategy(hass)
    async_setup_links(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeLabConfigEntry) -> bool:
    """Set the entry up in the package of its kind."""
    if is_pipeline_entry(entry):
        return await pipeline.async_setup_entry(hass, entry)
    return await nas.async_setup_entry(hass, entry)


async def async_unload_entry(hass: HomeAssistant, entry: HomeLabConfigEntry) -> bool:
    """Unload the entry in the package of its kind."""
    if is_pipeline_entry(entry):
        return await pipeline.async_unload_entry(hass, entry)
    return await nas.async_unload_entry(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: HomeLabConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Whether the user may remove a device: only one its entry no longer uses."""
    if is_pipeline_entry(entry):
        return pipeline.async_remove_config_entry_device(entry, device)
    return nas.async_remove_config_entry_device(entry, device)
