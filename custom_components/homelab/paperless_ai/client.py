"""A small async client for Paperless-AI, on an injected aiohttp session.

`GET /health` is public; `GET /api/processing-status` needs the `x-api-key` header (never logged).
Paperless-AI reports what it is doing, not how much is left: the backlog is counted in
Paperless-ngx (documents without the "processed" tag).

Paperless-AI (clusterzx/paperless-ai, `routes/setup.js`) never answers 401 to a wrong key: its
router redirects (302) to `/login`, and to `/setup` (or `/settings`) while it is not set up. So
redirects are not followed: `/login` is a refused key, `/setup` and `/settings` "not set up".
Its `/health` does not see a missing setup; it answers 503 `database_error` or 500 `error` with a
`{"status", "message"}` body, which is read as a health, not as a failure.
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
    PaperlessAINotConfiguredError,
    PaperlessAIResponseError,
)
from .models import Health, ProcessingStatus

DEFAULT_TIMEOUT: Final = 10.0
HTTP_ERROR: Final = 400
HTTP_REDIRECT: Final = 300
# /health's own failure answers, each with a {"status", "message"} body.
_HEALTH_STATUSES: Final = (500, 503)
_AUTH_STATUSES: Final = (401, 403)
_LOGIN: Final = "/login"
_SETUP: Final = ("/setup", "/settings")


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
                allow_redirects=False,
            ) as response:
                raw = await response.text()
                status = response.status
                location = response.headers.get("Location", "")
        except TimeoutError as err:
            msg = f"Paperless-AI at {self.base_url} did not answer in time"
            raise PaperlessAIConnectionError(msg) from err
        except aiohttp.ClientError as err:
            msg = f"cannot reach Paperless-AI at {self.base_url}: {err.__class__.__name__}"
            raise PaperlessAIConnectionError(msg) from err
        if auth and status in _AUTH_STATUSES:
            msg = f"Paperless-AI refused the API key ({status})"
            raise PaperlessAIAuthenticationError(msg)
        if HTTP_REDIRECT <= status < HTTP_ERROR:
            raise _redirect_error(path, status, location)
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
        if status >= HTTP_ERROR and not (
            status in _HEALTH_STATUSES
            and isinstance(payload, dict)
            and isinstance(payload.get("status"), str)
            and payload["status"]
        ):
            msg = f"GET /health: HTTP {status}"
            raise PaperlessAIResponseError(msg, status=status)
        return Health.from_dict(payload)

    async def processing_status(self) -> ProcessingStatus:
        """What is being processed now and how many documents were processed today.

        Raises `PaperlessAIAuthenticationError` for a refused key (a redirect to `/login`) and
        `PaperlessAINotConfiguredError` while Paperless-AI is not set up (to `/setup`).
        """
        status, payload = await self._get("/api/processing-status", auth=True)
        if status >= HTTP_ERROR:
            msg = f"GET /api/processing-status: HTTP {status}"
            raise PaperlessAIResponseError(msg, status=status)
        return ProcessingStatus.from_dict(payload)


def _redirect_error(path: str, status: int, location: str) -> Exception:
    """What a redirect from Paperless-AI's router means (it never answers 401 to a bad key)."""
    target = URL(location).path.rstrip("/") if location else ""
    if target.endswith(_LOGIN):
        msg = f"Paperless-AI refused the API key (redirected to {_LOGIN})"
        return PaperlessAIAuthenticationError(msg)
    if target.endswith(_SETUP):
        msg = "Paperless-AI is not set up yet: finish its setup page first"
        return PaperlessAINotConfiguredError(msg, status=status)
    msg = f"GET {path}: HTTP {status} to {target or '?'}"
    return PaperlessAIResponseError(msg, status=status)
