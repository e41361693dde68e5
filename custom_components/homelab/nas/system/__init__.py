"""The NAS itself (issue 12): live figures, the TrueNAS update, certificates, reboot/shutdown.

`NasSystem` joins what the system device shows beyond `system.info`, so that the entry starts
and stops it in one place (it is a `PushCoordinator` for `nas/entry.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant

from ...clients.truenas import TrueNASClient
from .certificates import CertificatesCoordinator
from .live import SystemLive
from .update import SystemUpdateCoordinator

if TYPE_CHECKING:
    from ..runtime import TrueNASConfigEntry


class NasSystem:
    """The live figures, the update and the certificates of one entry."""

    def __init__(
        self, hass: HomeAssistant, entry: TrueNASConfigEntry, client: TrueNASClient
    ) -> None:
        """Nothing is read until `async_refresh`."""
        self.live = SystemLive(entry, client)
        self.update = SystemUpdateCoordinator(hass, entry, client)
        self.certificates = CertificatesCoordinator(hass, entry, client)

    async def async_refresh(self) -> None:
        """First reads; neither holds the entry back (their entities follow their data)."""
        await self.update.async_refresh()
        await self.certificates.async_refresh()

    async def async_start_push(self) -> None:
        """Subscribe to the live samples, update status and install jobs."""
        await self.live.async_start_push()
        await self.update.async_start_push()

    async def async_stop_push(self) -> None:
        """Undo `async_start_push`."""
        await self.update.async_stop_push()
        await self.live.async_stop_push()

    def summary(self) -> dict[str, Any]:
        """The live figures, the update and the certificates (diagnostics, the LLM API)."""
        return {
            "live": self.live.summary(),
            "update": self.update.summary(),
            "certificates": self.certificates.summary(),
        }
