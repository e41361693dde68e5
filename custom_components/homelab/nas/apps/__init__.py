"""TrueNAS apps: pushed state, live statistics, start/stop/restart/upgrade."""
