"""Switches of the NAS: start/stop apps, VMs and containers, and opted-in system services."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .apps.entities import async_add_app_entities
from .runtime import TrueNASConfigEntry
from .services.entity import async_setup_service_switches
from .vms.switch import async_setup_vm_switches


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Every switch of a TrueNAS entry."""
    async_add_app_entities(entry, async_add_entities, Platform.SWITCH)
    async_setup_vm_switches(entry, async_add_entities)
    async_setup_service_switches(entry, async_add_entities)
