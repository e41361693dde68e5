"""Polls Ollama (every 15 s by default: it is cheap to ask and has no events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ..clients.ollama import InstalledModel, OllamaClient, RunningModels
from .const import CONF_KEEP_ALIVE, DEFAULT_KEEP_ALIVE, poll_interval
from .coordinator import ServiceCoordinator
from .ollama_activity import Activity, ActivityTracker


@dataclass(frozen=True, slots=True)
class OllamaData:
    """One poll of Ollama."""

    version: str
    installed: tuple[InstalledModel, ...]
    running: RunningModels
    activity: Activity

    @property
    def gpu_share(self) -> float | None:
        """Share of the loaded models' memory that is on the GPU, in % (`None`: none loaded)."""
        total = self.running.total_size
        if not total:
            return None
        return round(100 * self.running.vram_used / total, 1)


class OllamaCoordinator(ServiceCoordinator[OllamaData]):
    """Reads `/api/version`, `/api/tags` and `/api/ps`, and follows activity between polls."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any], client: OllamaClient) -> None:
        """Poll at the entry's interval; estimate idle time with its keep-alive option."""
        super().__init__(
            hass, entry, service="Ollama", interval=timedelta(seconds=poll_interval(entry))
        )
        self.client = client
        self.tracker = ActivityTracker(
            timedelta(seconds=int(entry.options.get(CONF_KEEP_ALIVE, DEFAULT_KEEP_ALIVE)))
        )

    @override
    async def _fetch(self) -> OllamaData:
        version = await self.client.version()
        installed = await self.client.installed_models()
        running = await self.client.running_models()
        activity = self.tracker.observe(running, running.server_time or dt_util.utcnow())
        return OllamaData(
            version=version, installed=tuple(installed), running=running, activity=activity
        )
