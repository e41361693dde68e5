"""Binary sensors: each product adds its own (nas/, pipeline/; the probes' through nas/)."""

from __future__ import annotations

from homeassistant.const import Platform

from .entries import platform_setup
from .nas import binary_sensor as truenas
from .nas.waiting import async_setup_waiting_binary_sensors
from .pipeline import binary_sensor as pipeline

# Coordinator-driven: no parallel update limit needed.
PARALLEL_UPDATES = 0

async_setup_entry = platform_setup(
    Platform.BINARY_SENSOR,
    truenas=truenas.async_setup_entry,
    pipeline=pipeline.async_setup_entry,
    # A TrueNAS entry whose server did not answer at setup: its probes only.
    waiting=async_setup_waiting_binary_sensors,
)
