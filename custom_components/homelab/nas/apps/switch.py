"""Switches: start/stop a TrueNAS app (same code path as `homelab.start_app`/`stop_app`)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory

from ..entity import AppEntity

# Stopping an app on the NAS is maintenance, not a light switch: a configuration entity, which
# Home Assistant neither exposes to voice assistants by default nor sweeps into area- or
# device-wide commands ("turn off everything in the office"). Expose it by hand to let voice
# start and stop the app.
APP_SWITCH = SwitchEntityDescription(
    key="run", translation_key="app_run", entity_category=EntityCategory.CONFIG
)
# States in which the app is (or is becoming) up: the switch shows on.
ON_STATES = frozenset({"RUNNING", "DEPLOYING"})


class AppSwitch(AppEntity, SwitchEntity):
    """On: the app runs. Turning it on or off starts the matching job."""

    @property
    def is_on(self) -> bool:
        """Running or deploying."""
        return self.app.state in ON_STATES

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start the app."""
        await self.coordinator.async_run_app_action(self.app_name, "start")

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop the app."""
        await self.coordinator.async_run_app_action(self.app_name, "stop")
