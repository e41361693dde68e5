"""Typed answers of Paperless-AI, parsed in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

from .exceptions import PaperlessAIInvalidResponseError


def _mapping(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        msg = f"{what}: expected an object"
        raise PaperlessAIInvalidResponseError(msg, payload=data)
    return data


def _time(value: object) -> datetime | None:
    """Paperless-AI's times are SQLite's `CURRENT_TIMESTAMP`: `2026-11-01 12:00:00`, in UTC.

    A time with an offset is taken as it is; one without is UTC (never local time).
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
        item = _mapping(data, "health")
        status = item.get("status")
        if not isinstance(status, str) or not status:
            msg = "health: 'status' is missing"
            raise PaperlessAIInvalidResponseError(msg, payload=item)
        message = item.get("message")
        return cls(status=status, message=message if isinstance(message, str) else None)


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
        item = _mapping(data, "document")
        document_id = item.get("documentId")
        title = item.get("title")
        return cls(
            document_id=document_id
            if isinstance(document_id, int) and not isinstance(document_id, bool)
            else None,
            title=title if isinstance(title, str) else None,
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
        item = _mapping(data, "processing status")
        today = item.get("processedToday")
        if isinstance(today, bool) or not isinstance(today, int):
            msg = "processing status: 'processedToday' is missing or not an integer"
            raise PaperlessAIInvalidResponseError(msg, payload=item)
        current = DocumentRef.from_dict(item.get("currentlyProcessing"), "startTime")
        return cls(
            is_processing=item.get("isProcessing") is True or current is not None,
            processed_today=today,
            current=current,
            last=DocumentRef.from_dict(item.get("lastProcessed"), "processed_at"),
        )
