"""Readers for the JSON the HTTP APIs answer, shared by the clients' models.

The helpers never raise: a value of the wrong type reads as absent (`None`). `ApiModel` is the base
of the clients' declared models (see `.._model`): bound to one client's invalid-response error, it
raises that for what a required field lacks (never a bare KeyError or TypeError).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime

from .._model import JSONDict, Model
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


def nonempty_str(value: object) -> str | None:
    """A string that is not empty, or `None`."""
    return value if isinstance(value, str) and value else None


def opt_time(data: JSONDict, key: str) -> datetime | None:
    """An optional ISO 8601 time field with an offset (see `iso_time`)."""
    return iso_time(data.get(key))


class ApiModel(Model, invalid_error=ApiInvalidResponseError):
    """A model of an HTTP API's JSON: times are ISO 8601 with an offset (RFC 3339).

    A client's own base names its invalid-response error: `class _Model(ApiModel,
    invalid_error=...)`.
    """

    __slots__ = ()

    field_readers = Model.readers_with({datetime: (opt_time, "a time with an offset")})
