"""Declared payload models for every client: `Model` reads a dataclass's fields by their type.

A model is a frozen dataclass deriving from a client's own subclass of `Model`, which names the
client's invalid-response error (`invalid_error`) and, where the wire format differs, its
readers by type (`field_readers`: TrueNAS sends EJSON dates, the HTTP APIs ISO 8601 times). A
required field (no default, not optional) is read strictly: missing, or what the reader makes of it is None, raises
that error (never a bare KeyError or TypeError). The others are read leniently: a value of the
wrong type reads as the default, numeric strings are numbers, and NaN or infinity read as absent.
`field(metadata=source(...))` reads a field from another key, from a sub-object or with a reader
of its own; `field(metadata=GIVEN)` is not read from the payload at all.

The readers here never raise; `Strict` holds the raising ones, bound to one client's error.
Nothing here imports a client, Home Assistant or aiohttp.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import dataclasses
import math
import types
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Protocol,
    Self,
    TypeIs,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

type JSONDict = dict[str, Any]
type FieldReader = Callable[[JSONDict, str], Any]


class InvalidError(Protocol):
    """A client's invalid-response error class: `error(message, payload=...)`."""

    def __call__(self, message: str, *, payload: Any = None) -> Exception:
        """Make the error."""
        ...


# ---------------------------------------------------------------- lenient readers


def opt_str(data: JSONDict, key: str) -> str | None:
    """An optional string field; anything that is not a string reads as absent."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def nonempty(data: JSONDict, key: str) -> str | None:
    """An optional string field that is not empty."""
    return opt_str(data, key) or None


def is_number(value: object) -> TypeIs[int | float]:
    """An int or a float, not a boolean."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def opt_int(data: JSONDict, key: str) -> int | None:
    """An optional integer field; numeric strings are accepted, NaN and infinity read as absent."""
    value = data.get(key)
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if is_number(value):
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
        if is_number(value) or isinstance(value, str):
            number = float(value)
    except OverflowError, ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def bool_or_none(data: JSONDict, key: str) -> bool | None:
    """A boolean field; anything else reads as absent."""
    value = data.get(key)
    return value if isinstance(value, bool) else None


def opt_bool(data: JSONDict, key: str, default: bool = False) -> bool:
    """An optional boolean field."""
    value = bool_or_none(data, key)
    return default if value is None else value


def opt_dict(data: JSONDict, key: str) -> JSONDict:
    """A sub-object; anything that is not an object reads as an empty one."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def opt_any(data: JSONDict, key: str) -> Any:
    """A field taken as it is (`None` when absent)."""
    return data.get(key)


def ident(data: JSONDict, key: str) -> str | None:
    """An id sent as a string or an integer (not a boolean), as a string."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)


# ---------------------------------------------------------------- strict readers


class Strict:
    """Readers for what must be there, raising one client's invalid-response error."""

    def __init__(self, error: InvalidError) -> None:
        """Raise `error(message, payload=...)` for what does not fit."""
        self.error = error

    def as_dict(self, value: Any, what: str) -> JSONDict:
        """Return `value` if it is a JSON object, else raise the invalid-response error."""
        if not isinstance(value, dict):
            msg = f"{what}: expected an object, got {type(value).__name__}"
            raise self.error(msg, payload=value)
        return value

    def as_list(self, value: Any, what: str) -> list[Any]:
        """Return `value` if it is a JSON array, else raise the invalid-response error."""
        if not isinstance(value, list):
            msg = f"{what}: expected an array, got {type(value).__name__}"
            raise self.error(msg, payload=value)
        return value

    def required[T](
        self, data: JSONDict, key: str, read: Callable[[JSONDict, str], T | None], kind: str
    ) -> T:
        """A required field: present, and what the lenient reader `read` makes of it not None."""
        if key not in data:
            raise self.error(f"missing required field {key!r}", payload=data)
        value = read(data, key)
        if value is None:
            msg = f"field {key!r} is not {kind}"
            raise self.error(msg, payload=data)
        return value

    def req_str(self, data: JSONDict, key: str) -> str:
        """A required string field."""
        return self.required(data, key, opt_str, "a string")

    def req_int(self, data: JSONDict, key: str) -> int:
        """A required integer field (a float with no fraction, or a numeric string, is one)."""
        return self.required(data, key, opt_int, "an integer")

    def req_bool(self, data: JSONDict, key: str) -> bool:
        """A required boolean field."""
        return self.required(data, key, bool_or_none, "a boolean")


# ---------------------------------------------------------------- declared models


@dataclasses.dataclass(frozen=True, slots=True)
class Source:
    """Where a model's field is read from, when not from the key of its own name by its type."""

    key: str | None = None
    within: str | None = None
    """A sub-object the key is in (`stats`, `state`, ...); one that is not an object reads as {}."""
    read: FieldReader | None = None
    """A reader of its own, given the (sub-)object and the key (lenient: None is absent)."""
    given: bool = False
    """Not read from the payload: the default, or what the code that makes the model gives."""


def source(
    key: str | None = None, *, within: str | None = None, read: FieldReader | None = None
) -> Mapping[str, Source]:
    """The `metadata` of a field read from elsewhere (see `Source`)."""
    return {"source": Source(key, within, read)}


GIVEN: Mapping[str, Source] = {"source": Source(given=True)}
"""The `metadata` of a field that is not read from the payload."""


def _nested(model: Any) -> FieldReader:
    def read(data: JSONDict, key: str) -> Any:
        value = data.get(key)
        return model.from_dict(value) if isinstance(value, dict) else None

    return read


def _items(read: FieldReader) -> FieldReader:
    """A JSON array read item by item: nested models strictly, values leniently (None: left out)."""

    def items(data: JSONDict, key: str) -> tuple[Any, ...] | None:
        value = data.get(key)
        if not isinstance(value, list):
            return None
        read_all = (read({"": item}, "") for item in value)
        return tuple(item for item in read_all if item is not None)

    return items


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


def _reader(model: type[Model], kind: Any) -> tuple[FieldReader, str]:
    """The reader of a declared type, and what a required field of it must be."""
    # A subclass of a known type reads as that type (a test's frozen clock swaps `datetime`
    # for a subclass in every module, so a hint resolved then names the subclass).
    for known in getattr(kind, "__mro__", (kind,)):
        if known in model.field_readers:
            return model.field_readers[known]
    if kind is Any:
        return opt_any, "a value"
    if get_origin(kind) is tuple:
        item, _dots = get_args(kind)
        return _items(_reader(model, item)[0]), "an array"
    return _nested(kind), "an object"


_PLANS: dict[type, tuple[_Plan, ...]] = {}


def _plans(model: type[Model]) -> tuple[_Plan, ...]:
    """How each field of `model` is read (worked out once per model)."""
    if model in _PLANS:
        return _PLANS[model]
    hints = get_type_hints(model)
    plans = []
    for item in dataclasses.fields(model):  # type: ignore[arg-type]
        where: Source = item.metadata.get("source") or Source()
        if where.given:
            continue
        hint = hints[item.name]
        args = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
        kind = next(arg for arg in args if arg is not type(None))
        read, what = (where.read, "valid") if where.read else _reader(model, kind)
        factory = item.default_factory
        has_default = item.default is not dataclasses.MISSING or factory is not dataclasses.MISSING
        plans.append(
            _Plan(
                name=item.name,
                key=where.key or item.name,
                within=where.within,
                read=read,
                kind=None if has_default or type(None) in args else what,
                default=factory if factory is not dataclasses.MISSING else _constant(item.default),
            )
        )
    _PLANS[model] = tuple(plans)
    return _PLANS[model]


class Model:
    """A payload model (a frozen dataclass) whose `from_dict` reads each field by its type.

    A field named `x` is read from the key `x`: a required one (no default, not optional)
    strictly, the others leniently (`None` or a wrong type: the default). `str`, `int`, `float`,
    `bool`, `Any`, nested models (`from_dict`), tuples of them and whatever `field_readers` adds (a
    `datetime`) are known; a field read otherwise says so in its metadata (`source`). A client's
    subclass names its invalid-response error (`invalid_error=` in its class statement).
    """

    __slots__ = ()

    invalid_error: ClassVar[InvalidError]
    """What an invalid payload raises (a client's invalid-response error)."""
    field_readers: ClassVar[Mapping[object, tuple[FieldReader, str]]] = {
        str: (opt_str, "a string"),
        int: (opt_int, "an integer"),
        float: (opt_float, "a number"),
        bool: (bool_or_none, "a boolean"),
    }
    """The lenient reader of each declared type, and what a required field of it must be."""
    required_objects: ClassVar[tuple[str, ...]] = ()
    """Sub-objects that must be there (others, `within` a field is read, may be missing)."""

    def __init_subclass__(cls, invalid_error: InvalidError | None = None, **kwargs: Any) -> None:
        """`class _Model(Model, invalid_error=...)`: a client's base names its error."""
        super().__init_subclass__(**kwargs)
        if invalid_error is not None:
            cls.invalid_error = invalid_error

    if TYPE_CHECKING:

        def __init__(self, **fields: Any) -> None:
            """The dataclass's own."""

    @classmethod
    def readers_with(
        cls, extra: Mapping[object, tuple[FieldReader, str]]
    ) -> Mapping[object, tuple[FieldReader, str]]:
        """This model's `field_readers` with `extra` added (for a subclass's own)."""
        return MappingProxyType({**cls.field_readers, **extra})

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Parse one payload of this model."""
        strict = Strict(cls.invalid_error)
        data = strict.as_dict(data, cls.__name__)
        for name in cls.required_objects:
            strict.as_dict(data.get(name), f"{cls.__name__}.{name}")
        values = {}
        for plan in _plans(cls):
            where = opt_dict(data, plan.within) if plan.within else data
            if plan.kind is not None:
                values[plan.name] = strict.required(where, plan.key, plan.read, plan.kind)
            else:
                value = plan.read(where, plan.key)
                values[plan.name] = plan.default() if value is None else value
        return cls(**values)
