"""Small, strict readers for JSON payloads.

Every model is parsed through these so that a missing or mistyped required field raises
`TrueNASInvalidResponseError` (never a bare KeyError or TypeError), while optional fields default.
"""

from __future__ import annotations

from datetime import UTC, datetime
import math
from typing import Any, TypeIs

from .exceptions import TrueNASInvalidResponseError

type JSONDict = dict[str, Any]


def as_dict(value: Any, what: str) -> JSONDict:
    """Return `value` if it is a JSON object, else raise the invalid-response error."""
    if not isinstance(value, dict):
        msg = f"{what}: expected an object, got {type(value).__name__}"
        raise TrueNASInvalidResponseError(msg, payload=value)
    return value


def as_list(value: Any, what: str) -> list[Any]:
    """Return `value` if it is a JSON array, else raise the invalid-response error."""
    if not isinstance(value, list):
        msg = f"{what}: expected an array, got {type(value).__name__}"
        raise TrueNASInvalidResponseError(msg, payload=value)
    return value


def _missing(data: JSONDict, key: str) -> TrueNASInvalidResponseError:
    return TrueNASInvalidResponseError(f"missing required field {key!r}", payload=data)


def _wrong(data: JSONDict, key: str, kind: str) -> TrueNASInvalidResponseError:
    return TrueNASInvalidResponseError(f"field {key!r} is not {kind}", payload=data)


def req_str(data: JSONDict, key: str) -> str:
    """A required string field."""
    if key not in data:
        raise _missing(data, key)
    value = data[key]
    if not isinstance(value, str):
        raise _wrong(data, key, "a string")
    return value


def opt_str(data: JSONDict, key: str) -> str | None:
    """An optional string field; anything that is not a string reads as absent."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def _is_number(value: object) -> TypeIs[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def req_int(data: JSONDict, key: str) -> int:
    """A required integer field (a float with no fraction is accepted)."""
    if key not in data:
        raise _missing(data, key)
    value = opt_int(data, key)
    if value is None:
        raise _wrong(data, key, "an integer")
    return value


def opt_int(data: JSONDict, key: str) -> int | None:
    """An optional integer field; numeric strings (as TrueNAS sends some sizes) are accepted.

    NaN and infinity (which JSON parsers accept) read as absent.
    """
    value = data.get(key)
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if _is_number(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def opt_float(data: JSONDict, key: str) -> float | None:
    """An optional float field; numeric strings are accepted. NaN and infinity read as absent."""
    value = data.get(key)
    number: float | None = None
    try:
        if _is_number(value) or isinstance(value, str):
            number = float(value)
    except OverflowError, ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def req_bool(data: JSONDict, key: str) -> bool:
    """A required boolean field."""
    if key not in data:
        raise _missing(data, key)
    value = data[key]
    if not isinstance(value, bool):
        raise _wrong(data, key, "a boolean")
    return value


def opt_bool(data: JSONDict, key: str, default: bool = False) -> bool:
    """An optional boolean field."""
    value = data.get(key)
    return value if isinstance(value, bool) else default


def epoch_datetime(seconds: float) -> datetime | None:
    """An aware UTC datetime from epoch seconds; None when out of range (or not finite)."""
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except OverflowError, OSError, ValueError:
        return None


def ejson_datetime(value: Any) -> datetime | None:
    """Decode an EJSON date (`{"$date": epoch_ms}`) to an aware UTC datetime; None if absent."""
    if isinstance(value, dict):
        millis = value.get("$date")
        if _is_number(millis):
            try:
                return datetime.fromtimestamp(millis / 1000, tz=UTC)
            except OverflowError, OSError, ValueError:
                return None
    return None
