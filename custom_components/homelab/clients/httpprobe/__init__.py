"""HTTP health probes of lab services (no Home Assistant import)."""

from .probe import KNOWN_HEALTH_PATHS, ExpectedStatus, ProbeResult, health_url, probe

__all__ = ["KNOWN_HEALTH_PATHS", "ExpectedStatus", "ProbeResult", "health_url", "probe"]
