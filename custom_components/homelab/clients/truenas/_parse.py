"""Small, strict readers for JSON payloads, and `Model`, which reads fields by declared type.

Every model is parsed through these so that a missing or mistyped required field raises
`TrueNASInvalidResponseError` (never a bare KeyError or TypeError), while optional fields default.
The optional readers are lenient: a value of the wrong type reads as absent, numeric strings are
numbers, and NaN or infinity read as absent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import dataclasses
from datetime import UTC, datetime
import math
import types
from typing import TYPE_CHECKING, Any, Self, TypeIs, Union, get_args, get_origin, get_type_hints

from .exceptions import TrueNASInvalidResponseError

type JSONDict = dict[str, Any]
type FieldReader = Callable[[JSONDict, str], Any]


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


def _required[T](
    data: JSONDict, key: str, read: Callable[[JSONDict, str], T | None], kind: str
) -> T:
    """A required field: present, and what the lenient reader `read` makes of it is not None."""
    if key not in data:
        raise _missing(data, key)
    value = read(data, key)
    if value is None:
        msg = f"field {key!r} is not {kind}"
        raise TrueNASInvalidResponseError(msg, payload=data)
    return value


def opt_str(data: JSONDict, key: str) -> str | None:
    """An optional string field; anything that is not a string reads as absent."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def req_str(data: JSONDict, key: str) -> str:
    """A required string field."""
    return _required(data, key, opt_str, "a string")


def _is_number(value: object) -> TypeIs[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


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


def req_int(data: JSONDict, key: str) -> int:
    """A required integer field (a float with no fraction is accepted)."""
    return _required(data, key, opt_int, "an integer")


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


def _bool(data: JSONDict, key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def req_bool(data: JSONDict, key: str) -> bool:
    """A required boolean field."""
    return _required(data, key, _bool, "a boolean")


def opt_bool(data: JSONDict, key: str, default: bool = False) -> bool:
    """An optional boolean field."""
    value = _bool(data, key)
    return default if value is None else value


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


def opt_ejson(data: JSONDict, key: str) -> datetime | None:
    """An optional EJSON date field (`{"$date": epoch_ms}`)."""
    return ejson_datetime(data.get(key))


def opt_any(data: JSONDict, key: str) -> Any:
    """A field taken as it is (`None` when absent)."""
    return data.get(key)


# The lenient reader of each declared type, and what a required field of it must be.
_READERS: dict[object, tuple[FieldReader, str]] = {
    str: (opt_str, "a string"),
    int: (opt_int, "an integer"),
    float: (opt_float, "a number"),
    bool: (_bool, "a boolean"),
    datetime: (opt_ejson, "a date"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Source:
    """Where a model's field is read from, when not from the key of its own name by its type."""

    key: str | None = None
    within: str | None = None
    """A sub-object the key is in (`stats`, `state`, ...); one that is not an object reads as {}."""
    read: FieldReader | None = None
    """A reader of its own, given the (sub-)object and the key."""


def source(
    key: str | None = None, *, within: str | None = None, read: FieldReader | None = None
) -> Mapping[str, Source]:
    """The `metadata` of a field read from elsewhere (see `Source`)."""
    return {"source": Source(key, within, read)}


def _nested(model: Any) -> FieldReader:
    def read(data: JSONDict, key: str) -> Any:
        value = data.get(key)
        return model.from_dict(value) if isinstance(value, dict) else None

    return read


def _constant(value: Any) -> Callable[[], Any]:
    """The default of a field without one is None (an optional field's)."""
    return lambda: None if value is dataclasses.MISSING else value


@dataclasses.dataclass(frozen=True, slots=True)
class _Plan:
    """How one field is read."""

    name: str
    key: str
    within: str | None
    read: FieldReader
    kind: str | None
    """What a required field must be; None for an optional one."""
    default: Callable[[], Any]
    """Makes the value of a field read as absent."""


_PLANS: dict[type, tuple[_Plan, ...]] = {}


def _plans(model: type) -> tuple[_Plan, ...]:
    """How each field of `model` is read (worked out once per model)."""
    if model in _PLANS:
        return _PLANS[model]
    hints = get_type_hints(model)
    plans = []
    for item in dataclasses.fields(model):
        where: Source = item.metadata.get("source") or Source()
        hint = hints[item.name]
        args = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
        kind = next(arg for arg in args if arg is not type(None))
        read, what = _READERS.get(kind) or (
            (opt_any, "") if kind is Any else (_nested(kind), "an object")
        )
        factory = item.default_factory
        has_default = item.default is not dataclasses.MISSING or factory is not dataclasses.MISSING
        required = not has_default and type(None) not in args and where.read is None
        plans.append(
            _Plan(
                name=item.name,
                key=where.key or item.name,
                within=where.within,
                read=where.read or read,
                kind=what if required else None,
                default=factory if factory is not dataclasses.MISSING else _constant(item.default),
            )
        )
    _PLANS[model] = tuple(plans)
    return _PLANS[model]


class Model:
    """A payload model (a frozen dataclass) whose `from_dict` reads each field by its type.

    A field named `x` is read from the key `x`: a required one (no default, not optional) with
    the strict reader, the others with the lenient one (`None` or a wrong type: the default).
    `str`, `int`, `float`, `bool`, EJSON `datetime`, `Any` and nested models (`from_dict`) are
    known; a field read otherwise says so in its metadata (`source`). Errors name the model.
    """

    __slots__ = ()

    if TYPE_CHECKING:

        def __init__(self, **fields: Any) -> None:
            """The dataclass's own."""

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse one payload of this model."""
        data = as_dict(data, cls.__name__)
        values = {}
        for plan in _plans(cls):
            within = data.get(plan.within, {}) if plan.within else data
            where = within if isinstance(within, dict) else {}
            if plan.kind is not None:
                values[plan.name] = _required(where, plan.key, plan.read, plan.kind)
            else:
                value = plan.read(where, plan.key)
                values[plan.name] = plan.default() if value is None else value
        return cls(**values)
