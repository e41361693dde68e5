"""The HTTP transport and JSON readers the lab's API clients share (no Home Assistant import).

Ollama, Paperless-ngx, Paperless-AI, n8n and the HTTP probe send their requests through
`transport`; their models read JSON with `parse`; their errors derive from `exceptions`.
"""

from .client import ApiClient, ApiKeyClient
from .exceptions import (
    ApiAuthenticationError,
    ApiConnectionError,
    ApiError,
    ApiInvalidResponseError,
    ApiResponseError,
)
from .parse import Reader, http_date, iso_time, nonempty_str, optional_int, optional_str
from .transport import Answer, Errors, HttpTransport, Params, fetch

__all__ = [
    "Answer",
    "ApiAuthenticationError",
    "ApiClient",
    "ApiConnectionError",
    "ApiError",
    "ApiInvalidResponseError",
    "ApiKeyClient",
    "ApiResponseError",
    "Errors",
    "HttpTransport",
    "Params",
    "Reader",
    "fetch",
    "http_date",
    "iso_time",
    "nonempty_str",
    "optional_int",
    "optional_str",
]
