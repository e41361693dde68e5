"""Buttons of the pipeline's entries: "Unload all models" (Ollama), "Dismiss stuck tasks" (Paperless).

`button.py` hands every entry that is not a TrueNAS server to `async_setup_entry` here.
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo

from ..clients.paperless import PaperlessError
from ..const import DOMAIN
from .actions import async_unload_models
from .const import stuck_threshold
from .entity import ServiceEntity, service_device
from .entry import OllamaConfigEntry, PaperlessConfigEntry
from .ollama import OllamaCoordinator
from .paperless import PaperlessCoordinator
from .platform import platform_setup

UNLOAD_MODELS = ButtonEntityDescription(key="unload_models", translation_key="unload_models")
DISMISS_STUCK = ButtonEntityDescription(
    key="dismiss_stuck_tasks", translation_key="paperless_dismiss_stuck"
)


class UnloadModelsButton(ServiceEntity[OllamaCoordinator], ButtonEntity):
    """Unload every model Ollama holds in memory (frees VRAM, e.g. before a nightly scrub)."""

    async def async_press(self) -> None:
        """Unload each loaded model, then refresh."""
        await async_unload_models(self.coordinator, None)


class DismissStuckTasksButton(ServiceEntity[PaperlessCoordinator], ButtonEntity):
    """Dismiss the tasks running for longer than the stuck threshold.

    A worker killed mid-task leaves its task `started` for ever (Celery does not redeliver
    it), which would keep *Stuck* on. Dismissing acknowledges it in Paperless-ngx, as the web
    UI's "Dismiss" does; acknowledged tasks no longer count as waiting or running.
    """

    def __init__(
        self,
        coordinator: PaperlessCoordinator,
        description: ButtonEntityDescription,
        device: DeviceInfo,
        threshold: timedelta,
    ) -> None:
        """Keep the entry's stuck threshold."""
        super().__init__(coordinator, description, device)
        self._threshold = threshold

    async def async_press(self) -> None:
        """Acknowledge the overrunning tasks, then refresh."""
        try:
            await self.coordinator.async_dismiss_stuck(self._threshold)
        except PaperlessError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="action_failed",
                translation_placeholders={"service": "Paperless-ngx", "error": str(err)},
            ) from err


def _ollama_buttons(_hass: HomeAssistant, entry: OllamaConfigEntry) -> list[ButtonEntity]:
    return [
        UnloadModelsButton(entry.runtime_data.coordinator, UNLOAD_MODELS, service_device(entry))
    ]


def _paperless_buttons(_hass: HomeAssistant, entry: PaperlessConfigEntry) -> list[ButtonEntity]:
    return [
        DismissStuckTasksButton(
            entry.runtime_data.coordinator,
            DISMISS_STUCK,
            service_device(entry),
            stuck_threshold(entry),
        )
    ]


# The buttons of an Ollama or Paperless-ngx entry (n8n has none).
async_setup_entry = platform_setup(ollama=_ollama_buttons, paperless=_paperless_buttons)
