"""Async client for n8n's public REST API (no Home Assistant import)."""

from .client import EXECUTION_LIST, FAILED_STATUSES, REQUIRED_SCOPES, WORKFLOW_READ, N8nClient
from .exceptions import (
    N8nAuthenticationError,
    N8nConnectionError,
    N8nError,
    N8nInvalidResponseError,
    N8nResponseError,
    N8nScopeError,
)
from .models import Execution, ExecutionPage, Workflow

__all__ = [
    "EXECUTION_LIST",
    "FAILED_STATUSES",
    "REQUIRED_SCOPES",
    "WORKFLOW_READ",
    "Execution",
    "ExecutionPage",
    "N8nAuthenticationError",
    "N8nClient",
    "N8nConnectionError",
    "N8nError",
    "N8nInvalidResponseError",
    "N8nResponseError",
    "N8nScopeError",
    "Workflow",
]
