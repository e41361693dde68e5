"""Event entities: a backup task's runs (nas/event.py)."""

from __future__ import annotations

from homeassistant.const import Platform

from .entries import platform_setup
from .nas import event as truenas

# Event entities are pushed; nothing is polled.
PARALLEL_UPDATES = 0

async_setup_entry = platform_setup(Platform.EVENT, truenas=truenas.async_setup_entry)
