"""Errors raised by the Paperless-AI client: callers catch `PaperlessAIError`."""

from __future__ import annotations

from typing import Any


class PaperlessAIError(Exception):
    """Base class of every error this client raises."""


class PaperlessAIConnectionError(PaperlessAIError):
    """Paperless-AI cannot be reached, or it did not answer in time."""


class PaperlessAIAuthenticationError(PaperlessAIError):
    """401/403: the API key is missing or wrong."""


class PaperlessAIResponseError(PaperlessAIError):
    """An HTTP error answer; `status` is kept."""

    def __init__(self, message: str, *, status: int) -> None:
        """Keep the HTTP status."""
        super().__init__(message)
        self.status = status


class PaperlessAINotConfiguredError(PaperlessAIResponseError):
    """Paperless-AI redirects its API to `/setup` (or `/settings`): its setup is not finished."""


class PaperlessAIInvalidResponseError(PaperlessAIError):
    """An answer that is not what the API documents (not JSON, missing fields)."""

    def __init__(self, message: str, *, payload: Any = None) -> None:
        """Keep the offending payload for debugging."""
        super().__init__(message)
        self.payload = payload
