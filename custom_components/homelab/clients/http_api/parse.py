"""Readers for the JSON the HTTP APIs answer, shared by the clients' models.

The pure helpers never raise: a value of the wrong type reads as absent (`None`). `Reader` holds
the strict ones, for required fields: bound to one client's invalid-response error, it raises
that (never a bare KeyError or TypeError).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

from .exceptions import ApiInvalidResponseError


def http_date(value: str | None) -> datetime | None:
    """The time of an HTTP `Date` header (`Sun, 01 Nov 2026 12:00:00 GMT`); `None` if invalid."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None


def iso_time(value: object, *, naive: tzinfo | None = None) -> datetime | None:
    """An ISO 8601 time (RFC 3339, Go's nanoseconds included), or `None`.

    A time without an offset is taken in `naive` (e.g. UTC for SQLite's `CURRENT_TIMESTAMP`);
    without `naive` it reads as absent, never as local time.
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo:
        return parsed
    return parsed.replace(tzinfo=naive) if naive is not None else None


def optional_int(value: object) -> int | None:
    """An integer (not a boolean), or `None`."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def optional_str(value: object) -> str | None:
    """A string, or `None`."""
    return value if isinstance(value, str) else None


def nonempty_str(value: object) -> str | None:
    """A string that is not empty, or `None`."""
    return value if isinstance(value, str) and value else None


class Reader:
    """Strict readers for required fields, raising one client's invalid-response error."""

    def __init__(self, error: type[ApiInvalidResponseError]) -> None:
        """Raise `error(message, payload=...)` for what does not fit."""
        self.error = error

    def mapping(self, data: object, what: str) -> Mapping[str, Any]:
        """`data` as a JSON object."""
        if not isinstance(data, Mapping):
            msg = f"{what}: expected an object"
            raise self.error(msg, payload=data)
        return data

    def text(self, data: Mapping[str, Any], key: str, what: str, *, empty: bool = True) -> str:
        """A required string field (`empty=False`: an empty string reads as missing)."""
        value = data.get(key)
        if not isinstance(value, str) or not (value or empty):
            msg = f"{what}: '{key}' is missing or not a string"
            raise self.error(msg, payload=data)
        return value

    def time(self, data: Mapping[str, Any], key: str, what: str) -> datetime:
        """A required ISO 8601 time with an offset."""
        value = iso_time(data.get(key))
        if value is None:
            msg = f"{what}: '{key}' is missing or not a time"
            raise self.error(msg, payload=data)
        return value

    def integer(
        self, data: Mapping[str, Any], key: str, what: str, default: int | None = None
    ) -> int:
        """A required integer field (a boolean is not one); `default` when it is absent."""
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            msg = f"{what}: '{key}' is missing or not an integer"
            raise self.error(msg, payload=data)
        return value

    def items(self, data: Mapping[str, Any], key: str, what: str) -> list[Any]:
        """A required list field."""
        value = data.get(key)
        if not isinstance(value, list):
            msg = f"{what}: '{key}' is missing or not a list"
            raise self.error(msg, payload=data)
        return value
