"""The TrueNAS client's readers and `Model`: the shared ones (`.._model`), bound to its error.

Every model is parsed through these so that a missing or mistyped required field raises
`TrueNASInvalidResponseError` (never a bare KeyError or TypeError), while optional fields default.
The optional readers are lenient: a value of the wrong type reads as absent, numeric strings are
numbers, and NaN or infinity read as absent. Dates are EJSON (`{"$date": epoch_ms}`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import _model
from .._model import (
    GIVEN,
    FieldReader,
    JSONDict,
    Source,
    is_number as _is_number,
    opt_any,
    opt_bool,
    opt_dict,
    opt_float,
    opt_int,
    opt_str,
    source,
)
from .exceptions import TrueNASInvalidResponseError

__all__ = [
    "GIVEN",
    "FieldReader",
    "JSONDict",
    "Model",
    "Source",
    "as_dict",
    "as_list",
    "ejson_datetime",
    "epoch_datetime",
    "opt_any",
    "opt_bool",
    "opt_dict",
    "opt_ejson",
    "opt_float",
    "opt_int",
    "opt_str",
    "req_bool",
    "req_int",
    "req_str",
    "source",
]

_strict = _model.Strict(TrueNASInvalidResponseError)
as_dict = _strict.as_dict
as_list = _strict.as_list
req_str = _strict.req_str
req_int = _strict.req_int
req_bool = _strict.req_bool


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
            return epoch_datetime(millis / 1000)
    return None


def opt_ejson(data: JSONDict, key: str) -> datetime | None:
    """An optional EJSON date field (`{"$date": epoch_ms}`)."""
    return ejson_datetime(data.get(key))


class Model(_model.Model, invalid_error=TrueNASInvalidResponseError):
    """A TrueNAS payload model: errors are `TrueNASInvalidResponseError`, dates EJSON."""

    __slots__ = ()
    field_readers = _model.Model.readers_with({datetime: (opt_ejson, "a date")})
