"""Typed answers of Paperless-AI, parsed in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Self

from ..http_api import Reader, iso_time, optional_int, optional_str
from .exceptions import PaperlessAIInvalidResponseError

_read = Reader(PaperlessAIInvalidResponseError)


def _time(value: object) -> datetime | None:
    """Paperless-AI's times are SQLite's `CURRENT_TIMESTAMP`: `2026-11-01 12:00:00`, in UTC.

    A time with an offset is taken as it is; one without is UTC (never local time).
    """
    return iso_time(value, naive=UTC)


@dataclass(frozen=True, slots=True)
class Health:
    """`GET /health`: `healthy`, or `database_error` (503) or `error` (500).

    `not_configured` is never sent by `/health`; the client makes it up when the API redirects to
    Paperless-AI's setup page.
    """

    status: str
    message: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse the health answer; `status` is required."""
        item = _read.mapping(data, "health")
        return cls(
            status=_read.text(item, "status", "health", empty=False),
            message=optional_str(item.get("message")),
        )


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document Paperless-AI is processing or has processed."""

    document_id: int | None
    title: str | None
    time: datetime | None

    @classmethod
    def from_dict(cls, data: object, time_key: str) -> Self | None:
        """Parse `currentlyProcessing` / `lastProcessed` (`None` stays `None`)."""
        if data is None:
            return None
        item = _read.mapping(data, "document")
        return cls(
            document_id=optional_int(item.get("documentId")),
            title=optional_str(item.get("title")),
            time=_time(item.get(time_key)),
        )


@dataclass(frozen=True, slots=True)
class ProcessingStatus:
    """`GET /api/processing-status`."""

    is_processing: bool
    processed_today: int
    current: DocumentRef | None = None
    last: DocumentRef | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse the processing status; `processedToday` is required."""
        item = _read.mapping(data, "processing status")
        today = _read.integer(item, "processedToday", "processing status")
        current = DocumentRef.from_dict(item.get("currentlyProcessing"), "startTime")
        return cls(
            is_processing=item.get("isProcessing") is True or current is not None,
            processed_today=today,
            current=current,
            last=DocumentRef.from_dict(item.get("lastProcessed"), "processed_at"),
        )
