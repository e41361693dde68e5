"""EJSON: the JSON dialect of the TrueNAS middleware.

The middleware (``truenas_api_client/ejson.py``) sends datetimes as ``{"$date": <epoch ms>}``
and accepts the same form from clients. Everything else is plain JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
from typing import Any

DATE_KEY = "$date"


def encode_datetime(value: datetime) -> dict[str, int]:
    """Return the wire form of a datetime (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return {DATE_KEY: int(value.timestamp() * 1000)}


def _default(value: object) -> object:
    """Encode the types plain JSON does not know."""
    if isinstance(value, datetime):
        return encode_datetime(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    msg = f"Object of type {type(value).__name__} is not EJSON serializable"
    raise TypeError(msg)


def _object_hook(obj: dict[str, Any]) -> object:
    """Turn ``{"$date": ms}`` back into an aware datetime, as the middleware does."""
    if len(obj) == 1 and DATE_KEY in obj and isinstance(obj[DATE_KEY], int):
        return datetime.fromtimestamp(obj[DATE_KEY] / 1000, UTC)
    return obj


def dumps(value: object) -> str:
    """Serialize ``value`` to an EJSON string."""
    return json.dumps(value, default=_default, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """Parse an EJSON string (raises ``json.JSONDecodeError``, a ``ValueError``)."""
    return json.loads(text, object_hook=_object_hook)


def to_wire(value: object) -> Any:
    """Return ``value`` as plain JSON data (what a client sees after decoding)."""
    return json.loads(dumps(value))
