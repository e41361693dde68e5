"""The system's live figures: the `reporting.realtime` event source, written once a minute.

One subscription, no polling: the server sends a sample every `REALTIME_INTERVAL` seconds
(CPU, memory, ARC and per-interface rates) and the sensors write the latest one, at most once
per `LIVE_WRITE_SECONDS` each. Load averages and the boot time come from `system.info`, which
the entry's coordinator polls already. A subscription refused for lack of `REPORTING_READ` is
reported as a repair by the entry (as every refused event is); the live sensors stay unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback

from ...clients.truenas import Event, TrueNASClient, TrueNASInvalidResponseError
from ...clients.truenas.system import RealtimeStats, realtime_source
from ...const import LOGGER
from ..known_keys import KnownKeys

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry

# Seconds between samples. A sensor is written at most once a minute (the recorder keeps every
# value for days), so a faster sample would only cost bytes on the wire.
REALTIME_INTERVAL = 60
# Written at most this often per sensor; a little under the interval so that a sample that
# arrives a moment early is not skipped (which would halve the rate).
LIVE_WRITE_SECONDS = 55.0


class SystemLive:
    """The latest `reporting.realtime` sample of one entry, and who wants to hear of it."""

    def __init__(self, entry: TrueNASConfigEntry, client: TrueNASClient) -> None:
        """Nothing is subscribed until `async_start_push`."""
        self.entry = entry
        self.client = client
        self.stats: RealtimeStats | None = None
        # An interface once sampled stays known: its sensors stay (unknown while it is down).
        self.interfaces = KnownKeys[str]()
        self._listeners: list[Callable[[], None]] = []
        self._unsubscribe: Callable[[], Any] | None = None

    @property
    def source(self) -> str:
        """The subscription name, with its interval."""
        return realtime_source(REALTIME_INTERVAL)

    @property
    def denied(self) -> bool:
        """True while the server refuses the subscription (no REPORTING_READ)."""
        return self.client.subscription_denied(self.source)

    async def async_start_push(self) -> None:
        """Subscribe (the client restores it after a reconnect)."""
        self._unsubscribe = await self.client.subscribe(self.source, self._on_sample)

    async def async_stop_push(self) -> None:
        """Unsubscribe."""
        if self._unsubscribe is not None:
            unsubscribe, self._unsubscribe = self._unsubscribe, None
            await unsubscribe()

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` at every sample."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def _on_sample(self, event: Event) -> None:
        try:
            stats = RealtimeStats.from_fields(event.fields)
        except TrueNASInvalidResponseError:
            LOGGER.debug("Ignoring a malformed reporting.realtime event")
            return
        self.stats = stats
        added = self.interfaces.add(stats.interfaces)
        if added:
            self.interfaces.announce(added)
        for listener in list(self._listeners):
            listener()

    def summary(self) -> dict[str, Any]:
        """The latest figures (diagnostics, the LLM API)."""
        stats = self.stats
        if stats is None:
            return {"subscribed": not self.denied, "sample": None}
        return {
            "subscribed": not self.denied,
            "cpu_usage": stats.cpu_usage,
            "cpu_temperature": stats.cpu_temperature,
            "memory_used": stats.memory_used,
            "memory_available": stats.memory_available,
            "arc_size": stats.arc_size,
            "arc_hit_ratio": stats.arc_hit_ratio,
        }
