"""Typed answers of the Ollama API, parsed in one place (`from_dict`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Self

from ..http_api import Reader, iso_time, nonempty_str, optional_int
from .exceptions import OllamaInvalidResponseError

_read = Reader(OllamaInvalidResponseError)


def parse_time(value: object) -> datetime | None:
    """Parse Go's RFC 3339 time (nanoseconds, `Z` or an offset); `None` when absent or invalid."""
    return iso_time(value)


@dataclass(frozen=True, slots=True)
class ModelDetails:
    """What a model is: family, size in parameters, quantization."""

    format: str | None = None
    family: str | None = None
    families: tuple[str, ...] = ()
    parameter_size: str | None = None
    quantization_level: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse `details`; every field is optional."""
        if not isinstance(data, Mapping):
            return cls()
        families = data.get("families")
        return cls(
            format=nonempty_str(data.get("format")),
            family=nonempty_str(data.get("family")),
            families=tuple(str(item) for item in families) if isinstance(families, list) else (),
            parameter_size=nonempty_str(data.get("parameter_size")),
            quantization_level=nonempty_str(data.get("quantization_level")),
        )


@dataclass(frozen=True, slots=True)
class InstalledModel:
    """One entry of `GET /api/tags`."""

    name: str
    size: int
    digest: str = ""
    modified_at: datetime | None = None
    details: ModelDetails = field(default_factory=ModelDetails)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse one installed model; `name` and `size` are required."""
        item = _read.mapping(data, "model")
        return cls(
            name=_read.text(item, "name", "model"),
            size=_read.integer(item, "size", "model"),
            digest=str(item.get("digest") or ""),
            modified_at=parse_time(item.get("modified_at")),
            details=ModelDetails.from_dict(item.get("details")),
        )


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """One entry of `GET /api/ps`: a model in memory.

    `size` is its memory footprint, `size_vram` the part on the GPU (0: on the CPU only).
    `expires_at` is when the idle timer unloads it; see `ollama_activity` for what it tells.
    """

    name: str
    size: int
    size_vram: int
    expires_at: datetime
    digest: str = ""
    context_length: int | None = None
    details: ModelDetails = field(default_factory=ModelDetails)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse one loaded model; `name`, `size`, `size_vram` and `expires_at` are required."""
        item = _read.mapping(data, "loaded model")
        expires_at = _read.time(item, "expires_at", "loaded model")
        return cls(
            name=_read.text(item, "name", "loaded model"),
            size=_read.integer(item, "size", "loaded model"),
            size_vram=_read.integer(item, "size_vram", "loaded model", 0),
            expires_at=expires_at,
            digest=str(item.get("digest") or ""),
            context_length=optional_int(item.get("context_length")),
            details=ModelDetails.from_dict(item.get("details")),
        )

    @property
    def size_ram(self) -> int:
        """The part in system memory."""
        return max(self.size - self.size_vram, 0)


@dataclass(frozen=True, slots=True)
class RunningModels:
    """The answer of `GET /api/ps`, with the server's clock (its `Date` header) when it sent it."""

    models: tuple[LoadedModel, ...]
    server_time: datetime | None = None

    @classmethod
    def from_dict(cls, data: object, server_time: datetime | None = None) -> Self:
        """Parse `{"models": [...]}`."""
        models = _read.items(_read.mapping(data, "ps"), "models", "ps")
        return cls(tuple(LoadedModel.from_dict(item) for item in models), server_time)

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


def parse_installed(data: object) -> list[InstalledModel]:
    """Parse `GET /api/tags`."""
    models = _read.items(_read.mapping(data, "tags"), "models", "tags")
    return [InstalledModel.from_dict(item) for item in models]


def parse_version(data: object) -> str:
    """Parse `GET /api/version`."""
    return _read.text(_read.mapping(data, "version"), "version", "version")
