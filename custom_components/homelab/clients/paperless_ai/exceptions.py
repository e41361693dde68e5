"""Errors raised by the Paperless-AI client: callers catch `PaperlessAIError`."""

from __future__ import annotations

from ..http_api import exceptions as api


class PaperlessAIError(api.ApiError):
    """Base class of every error this client raises."""


class PaperlessAIConnectionError(PaperlessAIError, api.ApiConnectionError):
    """Paperless-AI cannot be reached, or it did not answer in time."""


class PaperlessAIAuthenticationError(PaperlessAIError, api.ApiAuthenticationError):
    """401/403: the API key is missing or wrong."""


class PaperlessAIResponseError(PaperlessAIError, api.ApiResponseError):
    """An HTTP error answer; `status` is kept."""


class PaperlessAINotConfiguredError(PaperlessAIResponseError):
    """Paperless-AI redirects its API to `/setup` (or `/settings`): its setup is not finished."""


class PaperlessAIInvalidResponseError(PaperlessAIError, api.ApiInvalidResponseError):
    """An answer that is not what the API documents (not JSON, missing fields)."""
