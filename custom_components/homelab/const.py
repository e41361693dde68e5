"""Constants of the Home Lab integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "homelab"
LOGGER = logging.getLogger(__package__)

CONF_SSL: Final = "ssl"
CONF_VERIFY_SSL: Final = "verify_ssl"
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
