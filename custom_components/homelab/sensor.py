"""Sensors: each product adds its own (nas/, pipeline/, probes/)."""

from __future__ import annotations

from homeassistant.const import Platform

from .entries import platform_setup
from .nas import sensor as truenas
from .pipeline import sensor as pipeline
from .probes.entity import async_setup_probe_sensors

# Coordinator-driven: no parallel update limit needed.
PARALLEL_UPDATES = 0

async_setup_entry = platform_setup(
    Platform.SENSOR,
    truenas=truenas.async_setup_entry,
    pipeline=pipeline.async_setup_entry,
    probes=async_setup_probe_sensors,
)
