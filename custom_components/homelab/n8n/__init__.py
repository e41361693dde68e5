"""Async client for n8n's public REST API (no Home Assistant import)."""

from .client import N8nClient
from .exceptions import (
    N8nAuthenticationError,
    N8nConnectionError,
    N8nError,
    N8nInvalidResponseError,
    N8nResponseError,
)
from .models import Execution, ExecutionPage, Workflow

__all__ = [
    "Execution",
    "ExecutionPage",
    "N8nAuthenticationError",
    "N8nClient",
    "N8nConnectionError",
    "N8nError",
    "N8nInvalidResponseError",
    "N8nResponseError",
    "Workflow",
]
