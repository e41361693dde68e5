"""Errors raised by the n8n client: callers catch `N8nError`."""

from __future__ import annotations

from typing import Any

from ..http_api import exceptions as api


class N8nError(api.ApiError):
    """Base class of every error this client raises."""


class N8nConnectionError(N8nError, api.ApiConnectionError):
    """n8n cannot be reached, or it did not answer in time."""


class N8nAuthenticationError(N8nError, api.ApiAuthenticationError):
    """401: the API key is missing, wrong or revoked."""


class N8nResponseError(N8nError, api.ApiResponseError):
    """An HTTP error answer; `status` and the decoded body (`payload`) are kept."""


class N8nScopeError(N8nResponseError):
    """403: the API key is valid, but lacks the scope this call needs (`scope`).

    n8n API keys carry scopes (`execution:list`, `workflow:read`, ...), enforced without a
    licence since n8n 1.9x. This is not an authentication failure: the key works for the rest.
    """

    def __init__(self, message: str, *, scope: str, payload: Any = None) -> None:
        """Keep the scope the call needs."""
        super().__init__(message, status=403, payload=payload)
        self.scope = scope


class N8nInvalidResponseError(N8nError, api.ApiInvalidResponseError):
    """An answer that is not what the API documents (not JSON, missing fields)."""
