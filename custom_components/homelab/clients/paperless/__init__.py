"""Async client for the Paperless-ngx REST API, versions 9 and 10 (no Home Assistant import)."""

from .client import SUPPORTED_VERSIONS, PaperlessClient
from .exceptions import (
    PaperlessAuthenticationError,
    PaperlessBadRequestError,
    PaperlessConnectionError,
    PaperlessError,
    PaperlessInvalidResponseError,
    PaperlessPermissionError,
    PaperlessResponseError,
    PaperlessUnsupportedVersionError,
)
from .models import DocumentPage, Statistics, SystemStatus, Tag, Task, TaskQueue, UserInfo

__all__ = [
    "SUPPORTED_VERSIONS",
    "DocumentPage",
    "PaperlessAuthenticationError",
    "PaperlessBadRequestError",
    "PaperlessClient",
    "PaperlessConnectionError",
    "PaperlessError",
    "PaperlessInvalidResponseError",
    "PaperlessPermissionError",
    "PaperlessResponseError",
    "PaperlessUnsupportedVersionError",
    "Statistics",
    "SystemStatus",
    "Tag",
    "Task",
    "TaskQueue",
    "UserInfo",
]
