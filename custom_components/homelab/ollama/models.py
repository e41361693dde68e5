"""Typed answers of the Ollama API, parsed in one place (`from_dict`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from .exceptions import OllamaInvalidResponseError


def _mapping(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        msg = f"{what}: expected an object"
        raise OllamaInvalidResponseError(msg, payload=data)
    return data


def _text(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        msg = f"{what}: '{key}' is missing or not a string"
        raise OllamaInvalidResponseError(msg, payload=data)
    return value


def _int(data: Mapping[str, Any], key: str, what: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{what}: '{key}' is missing or not an integer"
        raise OllamaInvalidResponseError(msg, payload=data)
    return value


def parse_time(value: object) -> datetime | None:
    """Parse Go's RFC 3339 time (nanoseconds, `Z` or an offset); `None` when absent or invalid."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


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

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        families = data.get("families")
        return cls(
            format=text("format"),
            family=text("family"),
            families=tuple(str(item) for item in families) if isinstance(families, list) else (),
            parameter_size=text("parameter_size"),
            quantization_level=text("quantization_level"),
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
        item = _mapping(data, "model")
        return cls(
            name=_text(item, "name", "model"),
            size=_int(item, "size", "model"),
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
        item = _mapping(data, "loaded model")
        expires_at = parse_time(item.get("expires_at"))
        if expires_at is None:
            msg = "loaded model: 'expires_at' is missing or not a time"
            raise OllamaInvalidResponseError(msg, payload=item)
        context = item.get("context_length")
        return cls(
            name=_text(item, "name", "loaded model"),
            size=_int(item, "size", "loaded model"),
            size_vram=_int(item, "size_vram", "loaded model", 0),
            expires_at=expires_at,
            digest=str(item.get("digest") or ""),
            context_length=context if isinstance(context, int) else None,
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
        models = _mapping(data, "ps").get("models")
        if not isinstance(models, list):
            msg = "ps: 'models' is missing or not a list"
            raise OllamaInvalidResponseError(msg, payload=data)
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
    models = _mapping(data, "tags").get("models")
    if not isinstance(models, list):
        msg = "tags: 'models' is missing or not a list"
        raise OllamaInvalidResponseError(msg, payload=data)
    return [InstalledModel.from_dict(item) for item in models]


def parse_version(data: object) -> str:
    """Parse `GET /api/version`."""
    return _text(_mapping(data, "version"), "version", "version")
