"""The base of the lab's HTTP API clients: one transport to one service."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final

import aiohttp

from .transport import Errors, HttpTransport

DEFAULT_TIMEOUT: Final = 10.0


class ApiClient:
    """A client of one service's HTTP API, failing with its own errors.

    A subclass names its `service` (as messages call it) and its own `errors`; where the token
    goes with every request as `Authorization: <auth_scheme> <token>`, its `auth_scheme`.
    """

    service: ClassVar[str]
    errors: ClassVar[Errors]
    auth_scheme: ClassVar[str | None] = None
    default_timeout: ClassVar[float] = DEFAULT_TIMEOUT
    """Seconds a request may take, unless the client is made with its own `request_timeout`."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        session: aiohttp.ClientSession,
        request_timeout: float | None = None,
    ) -> None:
        """Prepare a client for the service at `url` (e.g. `http://nas.local:30068`).

        The token (or API key) is never logged.
        """
        headers = {"Accept": "application/json"}
        if token and self.auth_scheme:
            headers["Authorization"] = f"{self.auth_scheme} {token}"
        self._token = token or ""
        self._http = HttpTransport(
            url,
            session=session,
            service=self.service,
            errors=self.errors,
            timeout=request_timeout or self.default_timeout,
            headers=headers,
        )
        self.base_url = self._http.base_url

    @property
    def server_time(self) -> datetime | None:
        """The server's clock at its last answer that carried one (`Date` header)."""
        return self._http.server_time


class ApiKeyClient(ApiClient):
    """A client that sends its token, an API key, in the header `key_header` where it is needed."""

    key_header: ClassVar[str]

    def _key(self, *, auth: bool) -> dict[str, str]:
        """The key's header for a request that needs it (`auth`), else none."""
        return {self.key_header: self._token} if auth else {}
