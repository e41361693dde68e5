"""Errors raised by the Paperless-ngx client: callers catch `PaperlessError`."""

from __future__ import annotations

from typing import Any


class PaperlessError(Exception):
    """Base class of every error this client raises."""


class PaperlessConnectionError(PaperlessError):
    """Paperless-ngx cannot be reached, or it did not answer in time."""


class PaperlessAuthenticationError(PaperlessError):
    """401: the token is wrong, or its user is inactive or deleted."""


class PaperlessResponseError(PaperlessError):
    """An HTTP error answer; `status` and the decoded body (`payload`) are kept."""

    def __init__(self, message: str, *, status: int, payload: Any = None) -> None:
        """Keep the HTTP status and the body."""
        super().__init__(message)
        self.status = status
        self.payload = payload


class PaperlessPermissionError(PaperlessResponseError):
    """403: the token's user lacks a permission (system status, changing documents, ...)."""


class PaperlessBadRequestError(PaperlessResponseError):
    """400: Paperless-ngx refused the input (unknown document ids, a bad filter, ...)."""


class PaperlessUnsupportedVersionError(PaperlessResponseError):
    """406: the server allows none of the API versions this client speaks (9 and 10)."""


class PaperlessInvalidResponseError(PaperlessError):
    """An answer that is not what the API documents (not JSON, missing fields)."""

    def __init__(self, message: str, *, payload: Any = None) -> None:
        """Keep the offending payload for debugging."""
        super().__init__(message)
        self.payload = payload
