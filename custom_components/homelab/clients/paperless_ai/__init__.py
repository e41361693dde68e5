"""Async client for Paperless-AI (no Home Assistant import)."""

from .client import PaperlessAIClient
from .exceptions import (
    PaperlessAIAuthenticationError,
    PaperlessAIConnectionError,
    PaperlessAIError,
    PaperlessAIInvalidResponseError,
    PaperlessAINotConfiguredError,
    PaperlessAIResponseError,
)
from .models import DocumentRef, Health, ProcessingStatus

__all__ = [
    "DocumentRef",
    "Health",
    "PaperlessAIAuthenticationError",
    "PaperlessAIClient",
    "PaperlessAIConnectionError",
    "PaperlessAIError",
    "PaperlessAIInvalidResponseError",
    "PaperlessAINotConfiguredError",
    "PaperlessAIResponseError",
    "ProcessingStatus",
]
