"""The HTTP transport and JSON readers the lab's API clients share (no Home Assistant import).

Ollama, Paperless-ngx, Paperless-AI, n8n and the HTTP probe send their requests through
`transport`; their models are declared on `ApiModel` (see `.._model`); their errors derive from
`exceptions`.
"""

from .._model import GIVEN, Strict, source
from .client import ApiClient, ApiKeyClient
from .exceptions import (
    ApiAuthenticationError,
    ApiConnectionError,
    ApiError,
    ApiInvalidResponseError,
    ApiResponseError,
)
from .parse import ApiModel, http_date, iso_time, nonempty_str
from .transport import Answer, Errors, HttpTransport, Params, fetch

__all__ = [
    "GIVEN",
    "Answer",
    "ApiAuthenticationError",
    "ApiClient",
    "ApiConnectionError",
    "ApiError",
    "ApiInvalidResponseError",
    "ApiKeyClient",
    "ApiModel",
    "ApiResponseError",
    "Errors",
    "HttpTransport",
    "Params",
    "Strict",
    "fetch",
    "http_date",
    "iso_time",
    "nonempty_str",
    "source",
]
