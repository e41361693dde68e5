"""Update entities: TrueNAS itself and its apps' catalog upgrades (nas/update.py)."""

from __future__ import annotations

from homeassistant.const import Platform

from .entries import platform_setup
from .nas import update as truenas

# An install is a job on the NAS: one at a time.
PARALLEL_UPDATES = 1

async_setup_entry = platform_setup(Platform.UPDATE, truenas=truenas.async_setup_entry)
