"""Buttons of a TrueNAS entry: apps (restart), backups, VMs and containers, reboot/shutdown."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .apps.entities import async_add_app_entities
from .backups.button import async_setup_backup_buttons
from .entity import async_add_per_key
from .runtime import TrueNASConfigEntry
from .system.power import async_setup_power_buttons
from .vms.button import guest_buttons


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A restart button for every app, including apps installed later."""
    async_add_app_entities(entry, async_add_entities, Platform.BUTTON)
    async_setup_backup_buttons(entry, async_add_entities)
    async_add_per_key(entry, async_add_entities, entry.runtime_data.vms, guest_buttons)
    async_setup_power_buttons(entry, async_add_entities)
