"""Backups of a TrueNAS entry: snapshot tasks, replication, cloud sync, watched datasets."""
