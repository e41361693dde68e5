"""VMs and containers of a TrueNAS entry: a device each, state, start/stop/restart."""
