"""Constants of the HTTP health probes (config subentries of type "service")."""

from __future__ import annotations

from typing import Final

CONF_EXPECTED_STATUS: Final = "expected_status"
CONF_KEYWORD: Final = "keyword"
CONF_INTERVAL: Final = "interval"
DEFAULT_PROBE_INTERVAL: Final = 60
MIN_PROBE_INTERVAL: Final = 10
# A probe never waits longer than this, so a hanging service cannot pile up requests.
MAX_PROBE_TIMEOUT: Final = 10.0
