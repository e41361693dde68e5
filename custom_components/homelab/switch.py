"""Switches: start/stop TrueNAS apps, VMs and containers, and system services (nas/switch.py)."""

from __future__ import annotations

from homeassistant.const import Platform

from .entries import platform_setup
from .nas import switch as truenas

# A switch starts a job on the NAS: one at a time.
PARALLEL_UPDATES = 1

async_setup_entry = platform_setup(Platform.SWITCH, truenas=truenas.async_setup_entry)
