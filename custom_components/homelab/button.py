"""Buttons: restart an app, run a backup now (nas/); unload models, dismiss tasks (pipeline/)."""

from __future__ import annotations

from homeassistant.const import Platform

from .entries import platform_setup
from .nas import button as truenas
from .pipeline import button as pipeline

# A press starts a job on a server: one at a time.
PARALLEL_UPDATES = 1

async_setup_entry = platform_setup(
    Platform.BUTTON, truenas=truenas.async_setup_entry, pipeline=pipeline.async_setup_entry
)
