"""Buttons of VMs and containers: restart, and power off (forced stop, disabled by default)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass

from .coordinator import GuestCoordinator, GuestKey
from .entity import GuestEntity


@dataclass(frozen=True, kw_only=True)
class GuestButtonDescription(ButtonEntityDescription):
    """A guest button and what pressing it does."""

    press_fn: Callable[[GuestCoordinator, GuestKey], Awaitable[object]]


RESTART = GuestButtonDescription(
    key="restart",
    translation_key="vm_restart",
    device_class=ButtonDeviceClass.RESTART,
    press_fn=lambda guests, key: guests.async_run_guest_action(key, "restart"),
)
FORCE_STOP = GuestButtonDescription(
    key="force_stop",
    translation_key="vm_force_stop",
    entity_registry_enabled_default=False,
    press_fn=lambda guests, key: guests.async_run_guest_action(key, "stop", force=True),
)


def guest_buttons(guests: GuestCoordinator, key: GuestKey) -> Iterator[GuestButton]:
    """Restart (not for 26's containers, which have none) and power off."""
    return (
        GuestButton(guests, d, key)
        for d in (RESTART, FORCE_STOP)
        if not (d is RESTART and key[0] == "container")
    )


class GuestButton(GuestEntity, ButtonEntity):
    """A button of one VM or container."""

    entity_description: GuestButtonDescription

    async def async_press(self) -> None:
        """Start the action; its progress shows on the guest's entities."""
        await self.entity_description.press_fn(self.coordinator, self.key)
