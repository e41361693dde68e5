"""The TrueNAS server of a TrueNAS entry: system, pools, apps, backups."""
