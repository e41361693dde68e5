"""Errors raised by the Ollama client: callers catch `OllamaError`, leaves exist where they act."""

from __future__ import annotations

from ..http_api import exceptions as api


class OllamaError(api.ApiError):
    """Base class of every error this client raises."""


class OllamaConnectionError(OllamaError, api.ApiConnectionError):
    """Ollama cannot be reached, or it did not answer in time."""


class OllamaAuthenticationError(OllamaError, api.ApiAuthenticationError):
    """A reverse proxy in front of Ollama refused the bearer token (401/403).

    Ollama itself has no authentication; only a proxy sends these.
    """


class OllamaResponseError(OllamaError, api.ApiResponseError):
    """Ollama answered with an HTTP error; `status` and its `{"error": ...}` text are kept."""


class OllamaModelNotFoundError(OllamaResponseError):
    """The model is not installed (404 `model '...' not found`)."""


class OllamaHostRefusedError(OllamaResponseError):
    """403 with no body: Ollama listens on a loopback address and refused the URL's host name.

    Its `allowedHostsMiddleware` lets only local names (`localhost`, `*.local`, `*.internal`, the
    machine's own name) and private or loopback addresses through; a token does not help.
    """


class OllamaBusyError(OllamaResponseError):
    """503: more requests are queued than `OLLAMA_MAX_QUEUE` allows."""


class OllamaInvalidResponseError(OllamaError, api.ApiInvalidResponseError):
    """An answer that is not what the API documents (not JSON, missing fields)."""
