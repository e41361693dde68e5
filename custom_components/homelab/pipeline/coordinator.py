"""The base of the pipeline coordinators: each client's errors mapped to Home Assistant's, once."""

from __future__ import annotations

from abc import abstractmethod
from datetime import timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ..clients.http_api import (
    ApiAuthenticationError,
    ApiConnectionError,
    ApiError,
    ApiInvalidResponseError,
)
from ..const import DOMAIN, LOGGER

# A failed fetch, by the client's error (every client's errors derive from the shared tree; the
# first match counts): what Home Assistant raises, its translation key, whether it quotes the error.
FAILURES: tuple[tuple[type[ApiError], type[HomeAssistantError], str, bool], ...] = (
    (ApiAuthenticationError, ConfigEntryAuthFailed, "service_invalid_auth", False),
    (ApiConnectionError, UpdateFailed, "service_cannot_connect", False),
    (ApiInvalidResponseError, UpdateFailed, "service_invalid_response", True),
    (ApiError, UpdateFailed, "service_update_failed", True),
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
        except ApiError as err:
            raise self._failure(err) from err

    def _failure(self, err: ApiError) -> HomeAssistantError:
        """What Home Assistant is told: the first of FAILURES that `err` is one of."""
        failure, translation_key, with_error = next(
            (failure, key, with_error)
            for errors, failure, key, with_error in FAILURES
            if isinstance(err, errors)
        )
        placeholders = {"service": self.service}
        if with_error:
            placeholders["error"] = str(err)
        return failure(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders=placeholders,
        )

    @abstractmethod
    async def _fetch(self) -> DataT:
        """Read the service."""
