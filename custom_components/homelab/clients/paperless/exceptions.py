"""Errors raised by the Paperless-ngx client: callers catch `PaperlessError`."""

from __future__ import annotations

from ..http_api import exceptions as api


class PaperlessError(api.ApiError):
    """Base class of every error this client raises."""


class PaperlessConnectionError(PaperlessError, api.ApiConnectionError):
    """Paperless-ngx cannot be reached, or it did not answer in time."""


class PaperlessAuthenticationError(PaperlessError, api.ApiAuthenticationError):
    """401: the token is wrong, or its user is inactive or deleted."""


class PaperlessResponseError(PaperlessError, api.ApiResponseError):
    """An HTTP error answer; `status` and the decoded body (`payload`) are kept."""


class PaperlessPermissionError(PaperlessResponseError):
    """403: the token's user lacks a permission (system status, changing documents, ...)."""


class PaperlessBadRequestError(PaperlessResponseError):
    """400: Paperless-ngx refused the input (unknown document ids, a bad filter, ...)."""


class PaperlessUnsupportedVersionError(PaperlessResponseError):
    """406: the server allows none of the API versions this client speaks (9 and 10)."""


class PaperlessInvalidResponseError(PaperlessError, api.ApiInvalidResponseError):
    """An answer that is not what the API documents (not JSON, missing fields)."""
