"""Switches: start/stop a VM or container (same code path as `homelab.start_vm`/`stop_vm`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import async_add_for_each
from .entity import GuestEntity

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

# Like the app switch: maintenance, not a light switch (no voice or area-wide "turn off").
GUEST_SWITCH = SwitchEntityDescription(
    key="run", translation_key="vm_run", entity_category=EntityCategory.CONFIG
)


def async_setup_vm_switches(
    entry: TrueNASConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """A start/stop switch for every VM and container."""
    guests = entry.runtime_data.vms
    async_add_for_each(
        entry,
        async_add_entities,
        guests.known,
        lambda key: [GuestSwitch(guests, GUEST_SWITCH, key)],
    )


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
