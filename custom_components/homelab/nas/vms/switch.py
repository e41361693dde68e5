"""Switches: start/stop a VM or container (same code path as `homelab.start_vm`/`stop_vm`)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory

from .coordinator import GuestCoordinator, GuestKey
from .entity import GuestEntity

# Like the app switch: maintenance, not a light switch (no voice or area-wide "turn off").
GUEST_SWITCH = SwitchEntityDescription(
    key="run", translation_key="vm_run", entity_category=EntityCategory.CONFIG
)


def guest_switches(guests: GuestCoordinator, key: GuestKey) -> list[GuestSwitch]:
    """The start/stop switch of a VM or container."""
    return [GuestSwitch(guests, GUEST_SWITCH, key)]


class GuestSwitch(GuestEntity, SwitchEntity):
    """On: running. Off stops gracefully (`homelab.stop_vm` with `force` powers off)."""

    @property
    def is_on(self) -> bool:
        """Running."""
        return self.guest.state == "RUNNING"

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start."""
        await self.coordinator.async_run_guest_action(self.key, "start")

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop gracefully."""
        await self.coordinator.async_run_guest_action(self.key, "stop")
