"""Switches of the NAS: start/stop apps, VMs and containers, and opted-in system services."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .apps.entities import async_add_app_entities
from .entity import async_add_per_key
from .runtime import TrueNASConfigEntry
from .services.entity import service_switches
from .vms.switch import guest_switches


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TrueNASConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Every switch of a TrueNAS entry."""
    async_add_app_entities(entry, async_add_entities, Platform.SWITCH)
    async_add_per_key(entry, async_add_entities, entry.runtime_data.vms, guest_switches)
    async_add_per_key(entry, async_add_entities, entry.runtime_data.services, service_switches)
