"""Async client for the TrueNAS SCALE JSON-RPC API (no Home Assistant import)."""

from . import exceptions
from .apps import APP_STATES, App, AppStats, Container
from .client import ConnectionState, TrueNASClient, is_loopback
from .events import SCAN_EVENT
from .exceptions import *  # noqa: F403 - the whole exception tree is public
from .models import (
    ALERT_LEVELS,
    POOL_STATUSES,
    SCAN_STATES,
    Alert,
    Event,
    Job,
    Pool,
    PoolScan,
    SystemInfo,
    Vdev,
)
from .system import TrueNASSystem as TrueNASSystem  # the NAS itself: see .system
from .tls import fetch_certificate_sha256, format_fingerprint, normalize_fingerprint

__all__ = [
    "ALERT_LEVELS",
    "APP_STATES",
    "POOL_STATUSES",
    "SCAN_EVENT",
    "SCAN_STATES",
    "Alert",
    "App",
    "AppStats",
    "ConnectionState",
    "Container",
    "Event",
    "Job",
    "Pool",
    "PoolScan",
    "SystemInfo",
    "TrueNASClient",
    "Vdev",
    "fetch_certificate_sha256",
    "format_fingerprint",
    "is_loopback",
    "normalize_fingerprint",
]
__all__ += exceptions.__all__
