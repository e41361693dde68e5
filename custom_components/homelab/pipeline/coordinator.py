"""The base of the pipeline coordinators: each client's errors mapped to Home Assistant's, once."""

from __future__ import annotations

from abc import abstractmethod
from datetime import timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ..clients.n8n import (
    N8nAuthenticationError,
    N8nConnectionError,
    N8nError,
    N8nInvalidResponseError,
)
from ..clients.ollama import (
    OllamaAuthenticationError,
    OllamaConnectionError,
    OllamaError,
    OllamaInvalidResponseError,
)
from ..clients.paperless import (
    PaperlessAuthenticationError,
    PaperlessConnectionError,
    PaperlessError,
    PaperlessInvalidResponseError,
)
from ..clients.paperless_ai import (
    PaperlessAIAuthenticationError,
    PaperlessAIConnectionError,
    PaperlessAIError,
    PaperlessAIInvalidResponseError,
)
from ..const import DOMAIN, LOGGER

AUTH_ERRORS: tuple[type[Exception], ...] = (
    OllamaAuthenticationError,
    PaperlessAuthenticationError,
    PaperlessAIAuthenticationError,
    N8nAuthenticationError,
)
CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    OllamaConnectionError,
    PaperlessConnectionError,
    PaperlessAIConnectionError,
    N8nConnectionError,
)
INVALID_RESPONSE_ERRORS: tuple[type[Exception], ...] = (
    OllamaInvalidResponseError,
    PaperlessInvalidResponseError,
    PaperlessAIInvalidResponseError,
    N8nInvalidResponseError,
)
SERVICE_ERRORS: tuple[type[Exception], ...] = (
    OllamaError,
    PaperlessError,
    PaperlessAIError,
    N8nError,
)


class ServiceCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Polls one HTTP service; subclasses only fetch."""

    config_entry: ConfigEntry[Any]

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        *,
        service: str,
        interval: timedelta,
    ) -> None:
        """Poll `service` (its product name, for messages) every `interval`."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{service} {entry.title}",
            update_interval=interval,
            always_update=False,
        )
        self.service = service

    @override
    async def _async_update_data(self) -> DataT:
        try:
            return await self._fetch()
        except AUTH_ERRORS as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="service_invalid_auth",
                translation_placeholders={"service": self.service},
            ) from err
        except CONNECTION_ERRORS as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="service_cannot_connect",
                translation_placeholders={"service": self.service},
            ) from err
        except INVALID_RESPONSE_ERRORS as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="service_invalid_response",
                translation_placeholders={"service": self.service, "error": str(err)},
            ) from err
        except SERVICE_ERRORS as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="service_update_failed",
                translation_placeholders={"service": self.service, "error": str(err)},
            ) from err

    @abstractmethod
    async def _fetch(self) -> DataT:
        """Read the service."""
