"""Sensors: each product adds its own (nas/, pipeline/; the probes' through nas/)."""

from __future__ import annotations

from homeassistant.const import Platform

from .entries import platform_setup
from .nas import sensor as truenas
from .nas.waiting import async_setup_waiting_sensors
from .pipeline import sensor as pipeline

# Coordinator-driven: no parallel update limit needed.
PARALLEL_UPDATES = 0

async_setup_entry = platform_setup(
    Platform.SENSOR,
    truenas=truenas.async_setup_entry,
    pipeline=pipeline.async_setup_entry,
    # A TrueNAS entry whose server did not answer at setup: its probes only.
    waiting=async_setup_waiting_sensors,
)
