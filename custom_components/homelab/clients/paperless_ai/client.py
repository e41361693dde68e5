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

from typing import Any, Final

from yarl import URL

from ..http_api import Answer, ApiKeyClient, Errors, nonempty_str
from .exceptions import (
    PaperlessAIAuthenticationError,
    PaperlessAIConnectionError,
    PaperlessAIInvalidResponseError,
    PaperlessAINotConfiguredError,
    PaperlessAIResponseError,
)
from .models import Health, ProcessingStatus

# /health's own failure answers, each with a {"status", "message"} body.
_HEALTH_STATUSES: Final = (500, 503)
_AUTH_STATUSES: Final = (401, 403)
_LOGIN: Final = "/login"
_SETUP: Final = ("/setup", "/settings")


class PaperlessAIClient(ApiKeyClient):
    """Talks to one Paperless-AI instance (e.g. `http://nas.local:30226`)."""

    service = "Paperless-AI"
    errors = Errors(
        PaperlessAIConnectionError, PaperlessAIResponseError, PaperlessAIInvalidResponseError
    )
    key_header = "x-api-key"

    async def _get(self, path: str, *, auth: bool) -> tuple[Answer, Any]:
        """The answer and its JSON; an error status's body is read leniently (`/health`'s)."""
        answer = await self._http.request(
            "GET", path, headers=self._key(auth=auth), allow_redirects=False
        )
        if auth and answer.status in _AUTH_STATUSES:
            msg = f"Paperless-AI refused the API key ({answer.status})"
            raise PaperlessAIAuthenticationError(msg)
        if answer.is_redirect:
            raise _redirect_error(path, answer.status, answer.location)
        if answer.is_error:
            return answer, answer.payload
        return answer, self._http.json(answer)

    async def health(self) -> Health:
        """`healthy`, or why not (`not_configured`, `database_error`, `error`)."""
        answer, payload = await self._get("/health", auth=False)
        if answer.is_error and not (
            answer.status in _HEALTH_STATUSES
            and isinstance(payload, dict)
            and nonempty_str(payload.get("status"))
        ):
            raise self._http.response_error(answer)
        return Health.from_dict(payload)

    async def processing_status(self) -> ProcessingStatus:
        """What is being processed now and how many documents were processed today.

        Raises `PaperlessAIAuthenticationError` for a refused key (a redirect to `/login`) and
        `PaperlessAINotConfiguredError` while Paperless-AI is not set up (to `/setup`).
        """
        answer, payload = await self._get("/api/processing-status", auth=True)
        self._http.check(answer)
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
