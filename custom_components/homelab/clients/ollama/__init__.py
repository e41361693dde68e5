"""Async client for the Ollama HTTP API (no Home Assistant import)."""

from .client import OllamaClient
from .exceptions import (
    OllamaAuthenticationError,
    OllamaBusyError,
    OllamaConnectionError,
    OllamaError,
    OllamaHostRefusedError,
    OllamaInvalidResponseError,
    OllamaModelNotFoundError,
    OllamaResponseError,
)
from .models import InstalledModel, LoadedModel, ModelDetails, RunningModels

__all__ = [
    "InstalledModel",
    "LoadedModel",
    "ModelDetails",
    "OllamaAuthenticationError",
    "OllamaBusyError",
    "OllamaClient",
    "OllamaConnectionError",
    "OllamaError",
    "OllamaHostRefusedError",
    "OllamaInvalidResponseError",
    "OllamaModelNotFoundError",
    "OllamaResponseError",
    "RunningModels",
]
