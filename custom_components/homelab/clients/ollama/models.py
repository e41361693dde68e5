"""Typed answers of the Ollama API, declared once (`from_dict` reads each field by its type)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Self

from .._model import nonempty
from ..http_api import GIVEN, ApiModel, iso_time, source
from .exceptions import OllamaInvalidResponseError


def parse_time(value: object) -> datetime | None:
    """Parse Go's RFC 3339 time (nanoseconds, `Z` or an offset); `None` when absent or invalid."""
    return iso_time(value)


class _Model(ApiModel, invalid_error=OllamaInvalidResponseError):
    __slots__ = ()


_TEXT = source(read=nonempty)
"""A string field; an empty one reads as absent."""


@dataclass(frozen=True, slots=True)
class ModelDetails(_Model):
    """What a model is: family, size in parameters, quantization."""

    format: str | None = field(default=None, metadata=_TEXT)
    family: str | None = field(default=None, metadata=_TEXT)
    families: tuple[str, ...] = ()
    parameter_size: str | None = field(default=None, metadata=_TEXT)
    quantization_level: str | None = field(default=None, metadata=_TEXT)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse `details`; every field is optional (a `details` that is no object: none)."""
        return super().from_dict(data) if isinstance(data, dict) else cls()


@dataclass(frozen=True, slots=True)
class _Entry(_Model):
    """What `GET /api/tags` and `GET /api/ps` tell of every model; `name` and `size` required."""

    name: str
    size: int
    digest: str = ""
    details: ModelDetails = field(default_factory=ModelDetails)


@dataclass(frozen=True, slots=True)
class InstalledModel(_Entry):
    """One entry of `GET /api/tags`."""

    modified_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedModel(_Entry):
    """One entry of `GET /api/ps`: a model in memory; `expires_at` is required too.

    `size` is its memory footprint, `size_vram` the part on the GPU (0: on the CPU only).
    `expires_at` is when the idle timer unloads it; see `ollama_activity` for what it tells.
    """

    size_vram: int = 0
    expires_at: datetime
    context_length: int | None = None

    @property
    def size_ram(self) -> int:
        """The part in system memory."""
        return max(self.size - self.size_vram, 0)


@dataclass(frozen=True, slots=True)
class RunningModels(_Model):
    """The answer of `GET /api/ps`, with the server's clock (its `Date` header) when it sent it."""

    models: tuple[LoadedModel, ...]
    server_time: datetime | None = field(default=None, metadata=GIVEN)

    @classmethod
    def from_dict(cls, data: Any, server_time: datetime | None = None) -> Self:
        """Parse `{"models": [...]}`, read at `server_time`."""
        return replace(super().from_dict(data), server_time=server_time)

    @property
    def vram_used(self) -> int:
        """Bytes of GPU memory the loaded models use."""
        return sum(model.size_vram for model in self.models)

    @property
    def ram_used(self) -> int:
        """Bytes of system memory the loaded models use."""
        return sum(model.size_ram for model in self.models)

    @property
    def total_size(self) -> int:
        """Bytes the loaded models use in all."""
        return sum(model.size for model in self.models)


@dataclass(frozen=True, slots=True)
class _Installed(_Model):
    """`GET /api/tags`."""

    models: tuple[InstalledModel, ...]


@dataclass(frozen=True, slots=True)
class _Version(_Model):
    """`GET /api/version`."""

    version: str


def parse_installed(data: object) -> list[InstalledModel]:
    """Parse `GET /api/tags`."""
    return list(_Installed.from_dict(data).models)


def parse_version(data: object) -> str:
    """Parse `GET /api/version`."""
    return _Version.from_dict(data).version
