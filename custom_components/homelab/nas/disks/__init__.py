"""Disks of a TrueNAS entry: a device per disk, its pool state, SMART and (opt-in) temperature."""
