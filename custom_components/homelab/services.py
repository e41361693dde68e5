"""Actions of the integration, registered once in `async_setup` (not per entry).

Each family of actions lives in its own module and registers itself here.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from .nas.apps import actions as app_actions
from .nas.backups import actions as backup_actions, unlock as unlock_actions
from .nas.system import actions as system_actions
from .nas.vms import actions as vm_actions
from .pipeline import actions as pipeline_actions


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action of the integration."""
    # Each action module adds one line here: `<module>.async_register(hass)`.
    app_actions.async_register(hass)
    backup_actions.async_register(hass)
    unlock_actions.async_register(hass)
    vm_actions.async_register(hass)
    system_actions.async_register(hass)
    pipeline_actions.async_register(hass)
