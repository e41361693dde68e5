"""Buttons of a TrueNAS app: restart (same code path as `homelab.restart_app`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass

from ..entity import AppEntity
from .coordinator import AppsCoordinator


@dataclass(frozen=True, kw_only=True)
class AppButtonDescription(ButtonEntityDescription):
    """An app button and what pressing it does."""

    press_fn: Callable[[AppsCoordinator, str], Awaitable[object]]


APP_BUTTONS: tuple[AppButtonDescription, ...] = (
    AppButtonDescription(
        key="restart",
        translation_key="app_restart",
        device_class=ButtonDeviceClass.RESTART,
        press_fn=lambda coordinator, name: coordinator.async_run_app_action(name, "restart"),
    ),
)


class AppButton(AppEntity, ButtonEntity):
    """A button of one app."""

    entity_description: AppButtonDescription

    async def async_press(self) -> None:
        """Start the job; its progress shows on the app's entities."""
        await self.entity_description.press_fn(self.coordinator, self.app_name)
