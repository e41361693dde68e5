"""Buttons: restart a TrueNAS app (same code path as `homelab.restart_app`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .apps.coordinator import AppsCoordinator
from .backups.button import async_setup_backup_buttons
from .entity import AppEntity, async_add_per_app
from .runtime import TrueNASConfigEntry
from .system.power import async_setup_power_buttons
from .vms.button import async_setup_vm_buttons


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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A restart button for every app, including apps installed later."""
    async_add_per_app(
        entry,
        async_add_entities,
        lambda apps, name: (AppButton(apps, d, name) for d in APP_BUTTONS),
    )
    async_setup_backup_buttons(entry, async_add_entities)
    async_setup_vm_buttons(entry, async_add_entities)
    async_setup_power_buttons(entry, async_add_entities)


class AppButton(AppEntity, ButtonEntity):
    """A button of one app."""

    entity_description: AppButtonDescription

    def __init__(
        self, coordinator: AppsCoordinator, description: AppButtonDescription, app: str
    ) -> None:
        """Keep the typed description."""
        super().__init__(coordinator, description, app)

    async def async_press(self) -> None:
        """Start the job; its progress shows on the app's entities."""
        await self.entity_description.press_fn(self.coordinator, self.app_name)
