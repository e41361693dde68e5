"""Device identifiers of the NAS's devices, from data the integration owns.

They embed the entry's unique id and the server's own key (pool name, app name, task id,
dataset name); `targets.py` maps them back through the coordinators' maps, never by parsing.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry

from ..const import DOMAIN


def system_identifier(entry: ConfigEntry[Any]) -> tuple[str, str]:
    """Device identifier of the TrueNAS system."""
    return (DOMAIN, f"{entry.unique_id}")


def app_identifier(entry: ConfigEntry[Any], app_name: str) -> tuple[str, str]:
    """Device identifier of one TrueNAS app."""
    return (DOMAIN, f"{entry.unique_id}_app_{app_name}")


def pool_identifier(entry: ConfigEntry[Any], pool_name: str) -> tuple[str, str]:
    """Device identifier of one pool."""
    return (DOMAIN, f"{entry.unique_id}_pool_{pool_name}")


def task_identifier(entry: ConfigEntry[Any], kind: str, task_id: int) -> tuple[str, str]:
    """Device identifier of a backup task."""
    return (DOMAIN, f"{entry.unique_id}_{kind}_{task_id}")


def dataset_identifier(entry: ConfigEntry[Any], name: str) -> tuple[str, str]:
    """Device identifier of a watched dataset."""
    return (DOMAIN, f"{entry.unique_id}_dataset_{name}")


def disk_identifier(entry: ConfigEntry[Any], name: str) -> tuple[str, str]:
    """Device identifier of a disk (its kernel name, as the TrueNAS UI lists it)."""
    return (DOMAIN, f"{entry.unique_id}_disk_{name}")


def guest_identifier(entry: ConfigEntry[Any], kind: str, key: object) -> tuple[str, str]:
    """Device identifier of a VM (`vm`), an instance (`instance`) or a container (`container`)."""
    return (DOMAIN, f"{entry.unique_id}_{kind}_{key}")


def service_identifier(entry: ConfigEntry[Any], service: str) -> tuple[str, str]:
    """Device identifier of a system service (`cifs`, `nfs`, `ssh`, ...)."""
    return (DOMAIN, f"{entry.unique_id}_service_{service}")
