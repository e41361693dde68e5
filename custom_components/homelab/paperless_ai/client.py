"""A small async client for Paperless-AI, on an injected aiohttp session.

`GET /health` is public; `GET /api/processing-status` needs the `x-api-key` header (never logged).
Paperless-AI reports what it is doing, not how much is left: the backlog is counted in
Paperless-ngx (documents without the "processed" tag).
"""

from __future__ import annotations

import json
from typing import Any, Final

import aiohttp
from yarl import URL

from .exceptions import (
    PaperlessAIAuthenticationError,
    PaperlessAIConnectionError,
    PaperlessAIInvalidResponseError,
    PaperlessAIResponseError,
)
from .models import Health, ProcessingStatus

DEFAULT_TIMEOUT: Final = 10.0
HTTP_ERROR: Final = 400
HTTP_UNAVAILABLE: Final = 503
_AUTH_STATUSES: Final = (401, 403)


class PaperlessAIClient:
    """Talks to one Paperless-AI instance."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Prepare a client for `url` (e.g. `http://nas.local:30226`) and an API key."""
        self.base_url = URL(url.rstrip("/"))
        self._api_key = api_key
        self._session = session
        self._timeout = request_timeout

    async def _get(self, path: str, *, auth: bool) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if auth:
            headers["x-api-key"] = self._api_key
        try:
            async with self._session.get(
                URL(f"{self.base_url}{path}", encoded=True),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                raw = await response.text()
                status = response.status
        except TimeoutError as err:
            msg = f"Paperless-AI at {self.base_url} did not answer in time"
            raise PaperlessAIConnectionError(msg) from err
        except aiohttp.ClientError as err:
            msg = f"cannot reach Paperless-AI at {self.base_url}: {err.__class__.__name__}"
            raise PaperlessAIConnectionError(msg) from err
        if auth and status in _AUTH_STATUSES:
            msg = f"Paperless-AI refused the API key ({status})"
            raise PaperlessAIAuthenticationError(msg)
        try:
            return status, json.loads(raw)
        except ValueError as err:
            if status >= HTTP_ERROR:
                msg = f"GET {path}: HTTP {status}"
                raise PaperlessAIResponseError(msg, status=status) from err
            msg = f"{path}: the answer is not JSON"
            raise PaperlessAIInvalidResponseError(msg, payload=raw[:200]) from err

    async def health(self) -> Health:
        """`healthy`, or why not (`not_configured`, `database_error`, `error`)."""
        status, payload = await self._get("/health", auth=False)
        if status >= HTTP_ERROR and status != HTTP_UNAVAILABLE:
            msg = f"GET /health: HTTP {status}"
            raise PaperlessAIResponseError(msg, status=status)
        return Health.from_dict(payload)

    async def processing_status(self) -> ProcessingStatus:
        """What is being processed now and how many documents were processed today."""
        status, payload = await self._get("/api/processing-status", auth=True)
        if status >= HTTP_ERROR:
            msg = f"GET /api/processing-status: HTTP {status}"
            raise PaperlessAIResponseError(msg, status=status)
        return ProcessingStatus.from_dict(payload)
