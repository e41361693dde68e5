"""HTTP health probes: the "service" subentries of a TrueNAS entry."""
