"""Device identifiers of the NAS's devices, from data the integration owns.

They embed the entry's unique id and the server's own key (pool name, app name, task id,
dataset name); `targets.py` maps them back through the coordinators' maps, never by parsing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigEntry

from ..const import DOMAIN


def system_identifier(entry: ConfigEntry[Any]) -> tuple[str, str]:
    """Device identifier of the TrueNAS system."""
    return (DOMAIN, f"{entry.unique_id}")


def keyed_identifier(entry: ConfigEntry[Any], kind: str, key: object) -> tuple[str, str]:
    """Device identifier of one thing of `kind` the server lists as `key`.

    Kinds and keys: `app`, `pool` and `dataset` (a watched one) by name, `disk` by `disk_key`,
    `service` (`cifs`, `nfs`, `ssh`, ...), a backup task's kind and id, a guest's kind (`vm`,
    `instance`, `container`) and id.
    """
    return (DOMAIN, f"{entry.unique_id}_{kind}_{key}")


def _identifier_of(kind: str) -> Callable[[ConfigEntry[Any], str], tuple[str, str]]:
    """`keyed_identifier` of one kind."""
    return lambda entry, key: keyed_identifier(entry, kind, key)


app_identifier = _identifier_of("app")
pool_identifier = _identifier_of("pool")
dataset_identifier = _identifier_of("dataset")
disk_identifier = _identifier_of("disk")
service_identifier = _identifier_of("service")
