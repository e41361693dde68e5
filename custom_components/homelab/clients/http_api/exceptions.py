"""The errors every HTTP API client raises: each client's own errors subclass these.

A client keeps its own tree (`OllamaError`, `PaperlessError`, ...), which callers catch; each of
its leaves also derives from the matching class here, so that the shared transport and parse
helpers can raise the client's own errors, and code serving several clients can catch one class.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Base class of every error an HTTP API client raises."""


class ApiConnectionError(ApiError):
    """The server cannot be reached, or it did not answer in time."""


class ApiAuthenticationError(ApiError):
    """The server (or a proxy in front of it) refused the credentials."""


class ApiResponseError(ApiError):
    """An HTTP error answer; `status` and the decoded body (`payload`) are kept."""

    def __init__(self, message: str, *, status: int, payload: Any = None) -> None:
        """Keep the HTTP status and the body."""
        super().__init__(message)
        self.status = status
        self.payload = payload


class ApiInvalidResponseError(ApiError):
    """An answer that is not what the API documents (not JSON, missing fields)."""

    def __init__(self, message: str, *, payload: Any = None) -> None:
        """Keep the offending payload for debugging."""
        super().__init__(message)
        self.payload = payload
