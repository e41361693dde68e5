"""The base of the lab's HTTP API clients: one transport to one service."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Final

import aiohttp

from .transport import Errors, HttpTransport

DEFAULT_TIMEOUT: Final = 10.0


class ApiClient:
    """A client of one service's HTTP API, failing with its own errors.

    A subclass names its `service` (as messages call it) and its own `errors`.
    """

    service: ClassVar[str]
    errors: ClassVar[Errors]

    def __init__(
        self,
        url: str,
        *,
        session: aiohttp.ClientSession,
        timeout: float,
        headers: Mapping[str, str],
    ) -> None:
        """Talk to the service at `url`, sending `headers` with every request."""
        self._http = HttpTransport(
            url,
            session=session,
            service=self.service,
            errors=self.errors,
            timeout=timeout,
            headers=headers,
        )
        self.base_url = self._http.base_url

    @property
    def server_time(self) -> datetime | None:
        """The server's clock at its last answer that carried one (`Date` header)."""
        return self._http.server_time


class ApiKeyClient(ApiClient):
    """A client that sends an API key in the header `key_header`, where a request needs it."""

    key_header: ClassVar[str]

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Prepare a client for the service at `url` and an API key."""
        super().__init__(
            url, session=session, timeout=request_timeout, headers={"Accept": "application/json"}
        )
        self._api_key = api_key

    def _key(self, *, auth: bool) -> dict[str, str]:
        """The key's header for a request that needs it (`auth`), else none."""
        return {self.key_header: self._api_key} if auth else {}
