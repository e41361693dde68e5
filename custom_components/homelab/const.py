"""Constants of the Home Lab integration."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
import logging
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry

DOMAIN: Final = "homelab"
LOGGER = logging.getLogger(__package__)

# One integration, several kinds of entry: the TrueNAS server and the lab's HTTP services.
CONF_ENTRY_TYPE: Final = "entry_type"


class EntryType(StrEnum):
    """What a config entry connects to (`entry.data[CONF_ENTRY_TYPE]`, TrueNAS when absent)."""

    TRUENAS = "truenas"
    OLLAMA = "ollama"
    PAPERLESS = "paperless"
    N8N = "n8n"


CONF_SSL: Final = "ssl"
CONF_VERIFY_SSL: Final = "verify_ssl"
# The pinned TLS certificate (SHA-256 of its DER, hex) when verification is off.
CONF_CERTIFICATE_SHA256: Final = "certificate_sha256"
CONF_POLL_INTERVAL: Final = "poll_interval"

DEFAULT_PORT_SSL: Final = 443
DEFAULT_POLL_INTERVAL: Final = 60
MIN_POLL_INTERVAL: Final = 10
MAX_POLL_INTERVAL: Final = 3600
DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=DEFAULT_POLL_INTERVAL)

# pool.query fields we read; `select` keeps the reply small on boxes with many pools.
POOL_SELECT: Final = [
    "id",
    "name",
    "guid",
    "status",
    "healthy",
    "warning",
    "status_code",
    "status_detail",
    "size",
    "allocated",
    "free",
    "freeing",
    "fragmentation",
    "scan",
    "topology",
]

# Alert class raised when a pool changes health; it triggers an immediate pool refresh
# because pool.query events do not fire on health changes.
VOLUME_STATUS_ALERT: Final = "VolumeStatus"

# HTTP health probes: config subentries of type "service" under an entry (probes/const.py).
SUBENTRY_SERVICE: Final = "service"


def entry_type(entry: ConfigEntry[Any]) -> EntryType:
    """What an entry connects to (TrueNAS when the key is absent)."""
    return EntryType(entry.data.get(CONF_ENTRY_TYPE, EntryType.TRUENAS))
