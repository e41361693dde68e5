"""Typed answers of Paperless-AI, declared once (`from_dict` reads each field by its type)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from .._model import JSONDict, nonempty
from ..http_api import ApiModel, iso_time, source
from .exceptions import PaperlessAIInvalidResponseError


class _Model(ApiModel, invalid_error=PaperlessAIInvalidResponseError):
    __slots__ = ()


def _time(data: JSONDict, _key: str) -> datetime | None:
    """When a document was taken up (`startTime`) or done (`processed_at`).

    Paperless-AI's times are SQLite's `CURRENT_TIMESTAMP`: `2026-11-01 12:00:00`, in UTC. A time
    with an offset is taken as it is; one without is UTC (never local time).
    """
    value = data.get("startTime", data.get("processed_at"))
    return iso_time(value, naive=UTC)


@dataclass(frozen=True, slots=True)
class Health(_Model):
    """`GET /health`: `healthy`, or `database_error` (503) or `error` (500); `status` required.

    `not_configured` is never sent by `/health`; the client makes it up when the API redirects to
    Paperless-AI's setup page.
    """

    status: str = field(metadata=source(read=nonempty))
    message: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentRef(_Model):
    """A document Paperless-AI is processing (`startTime`) or has processed (`processed_at`)."""

    document_id: int | None = field(metadata=source("documentId"))
    title: str | None
    time: datetime | None = field(metadata=source(read=_time))


def _processing(data: JSONDict, key: str) -> bool:
    """Whether a document is being processed: `isProcessing`, or one is named as current."""
    return data.get(key) is True or isinstance(data.get("currentlyProcessing"), dict)


@dataclass(frozen=True, slots=True)
class ProcessingStatus(_Model):
    """`GET /api/processing-status`; `processedToday` is required."""

    processed_today: int = field(metadata=source("processedToday"))
    is_processing: bool = field(default=False, metadata=source("isProcessing", read=_processing))
    current: DocumentRef | None = field(default=None, metadata=source("currentlyProcessing"))
    last: DocumentRef | None = field(default=None, metadata=source("lastProcessed"))
