"""Entities written from pushed samples at most once per interval, the first sample at once.

Samples come more often than a recorder needs, and every value written is a database row kept
for days.
"""

from __future__ import annotations

import math

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity


class ThrottledWrites(Entity):
    """An entity that writes a sample only when `write_due` says so."""

    # When a sample was last written (loop time): never, at first.
    _written_at = -math.inf

    @callback
    def write_due(self, seconds: float) -> bool:
        """Whether to write now: available, and nothing written in the last `seconds`."""
        now = self.hass.loop.time()
        if not self.available or now - self._written_at < seconds:
            return False
        self._written_at = now
        return True
