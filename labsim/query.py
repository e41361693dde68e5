"""Query filters and options with TrueNAS semantics (``middlewared/utils/filter_list.py``).

Every ``*.query`` method takes ``[filters, options]``:

* filters: a list of conditions that must all hold. A condition is ``[field, operator, value]``
  or ``["OR", [condition_or_list_of_conditions, ...]]``. ``field`` may be dotted (``"a.b"``;
  a backslash before a dot escapes it), index a list (``"disks.0"``) or fan out over one (``"disks.*.name"``).
  Operators: ``= != > >= < <= ~ (regex match) in nin rin rnin ^ !^ $ !$``, and the
  case-insensitive ``C`` forms (``C=``, ``C^``...). ``field.$date`` compares against an ISO
  timestamp.
* options: ``select``, ``order_by`` (``"-field"`` descending, ``"nulls_first:field"``,
  ``"nulls_last:field"``), ``offset``, ``limit``, ``count`` (returns an int), ``get`` (returns
  one item or raises ``MatchNotFound``) and ``extra`` (method specific).

Bad filters or options are rejected like the middleware's pydantic models do: JSON-RPC -32602
with the attribute ``filters`` / ``options`` and a ``Value error, ...`` message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
import operator
import re
from types import MappingProxyType
from typing import Any, Final

from .errors import MatchNotFound, ValidationErrors, single_error

MAX_LIMIT: Final = 10000
MAX_FILTERS_DEPTH: Final = 3
TIMESTAMP_DESIGNATOR: Final = ".$date"
NULLS_FIRST: Final = "nulls_first:"
NULLS_LAST: Final = "nulls_last:"

type Entry = dict[str, Any]


def _op_in(x: object, y: Any) -> bool:
    return operator.contains(y, x)


def _op_rin(x: Any, y: object) -> bool:
    return x is not None and operator.contains(x, y)


def _op_nin(x: object, y: Any) -> bool:
    return x is not None and not operator.contains(y, x)


def _op_rnin(x: Any, y: object) -> bool:
    return x is not None and not operator.contains(x, y)


def _op_re(x: str | None, y: str) -> bool:
    # A null string field matches as "" so the regex never raises.
    return re.match(y, x or "") is not None


def _op_startswith(x: str | None, y: str) -> bool:
    return x is not None and x.startswith(y)


def _op_notstartswith(x: str | None, y: str) -> bool:
    return x is not None and not x.startswith(y)


def _op_endswith(x: str | None, y: str) -> bool:
    return x is not None and x.endswith(y)


def _op_notendswith(x: str | None, y: str) -> bool:
    return x is not None and not x.endswith(y)


OPERATORS: Final[Mapping[str, Callable[[Any, Any], bool]]] = MappingProxyType(
    {
        "=": operator.eq,
        "!=": operator.ne,
        ">": operator.gt,
        ">=": operator.ge,
        "<": operator.lt,
        "<=": operator.le,
        "~": _op_re,
        "in": _op_in,
        "nin": _op_nin,
        "rin": _op_rin,
        "rnin": _op_rnin,
        "^": _op_startswith,
        "!^": _op_notstartswith,
        "$": _op_endswith,
        "!$": _op_notendswith,
    }
)
_TIMESTAMP_OPERATORS: Final = frozenset({"=", "!=", ">", ">=", "<", "<="})


class _Undefined:
    """Marks a missing key (distinct from a present ``None``)."""


_UNDEFINED: Final = _Undefined()


@dataclass(frozen=True, slots=True)
class _Lookup:
    """The value found at a path; ``rest`` is set when a ``*`` fanned out over a list."""

    value: Any
    rest: str | None = None


def _partition(path: str) -> tuple[str, str]:
    """Split ``path`` at its first unescaped dot."""
    head = ""
    while True:
        left, sep, right = path.partition(".")
        if not sep:
            return head + left, right
        if left.endswith("\\"):
            head += left[:-1] + sep
            path = right
        else:
            return head + left, right


def _lookup(obj: object, path: str) -> _Lookup:
    """Follow a dotted path through dicts and lists."""
    rest = path
    current: Any = obj
    while rest:
        key, rest = _partition(rest)
        if isinstance(current, dict):
            current = current.get(key, _UNDEFINED)
        elif isinstance(current, (list, tuple)):
            if key == "*":
                return _Lookup(current, rest)
            if not key.isdigit():
                msg = f"{key}: must be array index or wildcard character"
                raise ValueError(msg)
            index = int(key)
            current = current[index] if index < len(current) else None
        # Any other value (e.g. a datetime under "x.$date") stays as it is.
    return _Lookup(current)


def get_path(obj: object, path: str) -> Any:
    """Return the value at a dotted path, or ``None`` when it is missing."""
    value = _lookup(obj, path).value
    return None if isinstance(value, _Undefined) else value


# ---------------------------------------------------------------- validation


def _value_error(attribute: str, message: str) -> ValidationErrors:
    # Pydantic prefixes messages raised by validators with "Value error, ".
    return single_error(attribute, f"Value error, {message}")


def _check_filters(filters: Sequence[Any], depth: int, timestamps: dict[str, datetime]) -> None:
    """Validate filters like ``validate_filters``; raise ``ValueError`` with its messages."""
    if depth > MAX_FILTERS_DEPTH:
        msg = "query-filters max recursion depth exceeded"
        raise ValueError(msg)
    for condition in filters:
        if not isinstance(condition, (list, tuple)):
            msg = f"Invalid filter {condition}"
            raise ValueError(msg)  # noqa: TRY004 - pydantic reports it as a value error
        if len(condition) == 2:  # noqa: PLR2004 - ["OR", [...]]
            _check_or(condition, depth, timestamps)
            continue
        if len(condition) != 3:  # noqa: PLR2004 - [field, op, value]
            msg = f"Invalid filter {list(condition)}"
            raise ValueError(msg)
        _check_condition(condition, timestamps)


def _check_or(condition: Sequence[Any], depth: int, timestamps: dict[str, datetime]) -> None:
    op, branches = condition
    if op != "OR":
        msg = f"Invalid operation: {op}"
        raise ValueError(msg)
    if not branches or not isinstance(branches, list):
        msg = "OR filter requires at least one branch."
        raise ValueError(msg)
    for branch in branches:
        if isinstance(branch, list) and branch and isinstance(branch[0], list):
            _check_filters(branch, depth + 1, timestamps)
        else:
            _check_filters([branch], depth + 1, timestamps)


def _check_condition(condition: Sequence[Any], timestamps: dict[str, datetime]) -> None:
    name, op, value = condition
    if not isinstance(op, str):
        msg = f"Invalid operation: {op}"
        raise ValueError(msg)  # noqa: TRY004 - pydantic reports it as a value error
    plain = op
    if op.startswith("C"):
        plain = op[1:]
        if plain == "~":
            msg = f"Invalid case-insensitive operation: {op}"
            raise ValueError(msg)
    if plain not in OPERATORS:
        msg = f"Invalid operation: {op}"
        raise ValueError(msg)
    for operand, other in ((name, value), (value, name)):
        if not isinstance(operand, str) or not operand.endswith(TIMESTAMP_DESIGNATOR):
            continue
        if plain not in _TIMESTAMP_OPERATORS:
            msg = f"{plain}: invalid timestamp operation."
            raise ValueError(msg)
        try:
            stamp = datetime.fromisoformat(other)
        except TypeError, ValueError:
            msg = f"{other}: must be an ISO-8601 formatted timestamp string"
            raise ValueError(msg) from None
        timestamps[other] = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


@dataclass(slots=True)
class QueryOptions:
    """Validated query options (the middleware's ``QueryOptions`` model)."""

    select: list[str | list[str]] = field(default_factory=list)
    order_by: list[str] = field(default_factory=list)
    offset: int = 0
    limit: int = 0
    count: bool = False
    get: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


_BOOL_OPTIONS: Final = frozenset({"relationships", "count", "get", "force_sql_filters"})
_INT_OPTIONS: Final = frozenset({"offset", "limit"})
_STR_OPTIONS: Final = frozenset({"extend", "extend_context", "prefix"})
_LIST_OPTIONS: Final = frozenset({"order_by", "select"})
_KNOWN_OPTIONS: Final = (
    _BOOL_OPTIONS | _INT_OPTIONS | _STR_OPTIONS | _LIST_OPTIONS | frozenset({"extra"})
)


def _check_option_types(options: Mapping[str, Any]) -> ValidationErrors:
    """Type-check each option as pydantic would (strict types, no extras)."""
    errors = ValidationErrors()
    for key, value in options.items():
        attr = f"options.{key}"
        if key not in _KNOWN_OPTIONS:
            errors.add(attr, "Extra inputs are not permitted")
        elif key in _BOOL_OPTIONS and not isinstance(value, bool):
            errors.add(attr, "Input should be a valid boolean")
        elif key in _INT_OPTIONS and (isinstance(value, bool) or not isinstance(value, int)):
            errors.add(attr, "Input should be a valid integer")
        elif key in _STR_OPTIONS and value is not None and not isinstance(value, str):
            errors.add(attr, "Input should be a valid string")
        elif key in _LIST_OPTIONS and not isinstance(value, list):
            errors.add(attr, "Input should be a valid list")
        elif key == "extra" and not isinstance(value, dict):
            errors.add(attr, "Input should be a valid dictionary")
        elif key == "order_by":
            for index, item in enumerate(value):
                if not isinstance(item, str):
                    errors.add(f"{attr}.{index}", "Input should be a valid string")
    return errors


def _check_select(select: Iterable[Any]) -> None:
    for item in select:
        if isinstance(item, str):
            continue
        if isinstance(item, list):
            if len(item) != 2:  # noqa: PLR2004 - [name, as_name]
                msg = (
                    f"{item}: A select as list may only contain two parameters: the name of the "
                    "parameter being selected, and the name to which to assign it in resulting "
                    "data."
                )
                raise ValueError(msg)
            for index, selector in enumerate(item):
                if not isinstance(selector, str):
                    position = "first" if index == 0 else "second"
                    msg = f"{item}: {position} item must be a string."
                    raise ValueError(msg)  # noqa: TRY004 - pydantic reports it as a value error
            continue
        msg = (
            f"{item}: selectors must be either a parameter name as a string or a list containing "
            "two items [<parameter name>, <as name>] to emulate SELECT <parameter name> AS "
            "<as name>."
        )
        raise ValueError(msg)


def parse_options(options: object) -> QueryOptions:
    """Validate raw query options; raise ``ValidationErrors`` like the middleware does."""
    if options is None:
        return QueryOptions()
    if not isinstance(options, dict):
        raise single_error("options", "Input should be a valid dictionary or instance of Options")
    _check_option_types(options).check()
    parsed = QueryOptions(
        select=list(options.get("select", [])),
        order_by=list(options.get("order_by", [])),
        offset=options.get("offset", 0),
        limit=options.get("limit", 0),
        count=options.get("count", False),
        get=options.get("get", False),
        extra=dict(options.get("extra", {})),
    )
    try:
        if parsed.get and (parsed.limit > 1 or parsed.offset):
            msg = "Invalid options combination. `get` implies a single result."
            raise ValueError(msg)  # noqa: TRY301 - one error path for all checks
        if parsed.limit > MAX_LIMIT:
            msg = f"Options limit must be between 1 and {MAX_LIMIT}"
            raise ValueError(msg)  # noqa: TRY301 - one error path for all checks
        _check_select(parsed.select)
    except ValueError as err:
        raise _value_error("options", str(err)) from None
    return parsed


def parse_filters(filters: object) -> tuple[list[Any], dict[str, datetime]]:
    """Validate raw filters; return them and the ISO timestamps they compare against."""
    if filters is None:
        return [], {}
    if not isinstance(filters, list):
        raise single_error("filters", "Input should be a valid list")
    timestamps: dict[str, datetime] = {}
    try:
        _check_filters(filters, 0, timestamps)
    except ValueError as err:
        raise _value_error("filters", str(err)) from None
    return filters, timestamps


def query_args(params: Sequence[Any]) -> tuple[list[Any], dict[str, datetime], QueryOptions]:
    """Validate the ``[filters, options]`` params of a query method."""
    if len(params) > 2:  # noqa: PLR2004 - filters and options
        raise single_error("", f"Too many arguments (expected 2, found {len(params)})")
    filters, timestamps = parse_filters(params[0] if params else None)
    options = parse_options(params[1] if len(params) > 1 else None)
    return filters, timestamps, options


# ---------------------------------------------------------------- evaluation


def _matches_condition(
    item: object, condition: Sequence[Any], timestamps: Mapping[str, datetime]
) -> bool:
    name, op, value = condition
    # ISO timestamps were parsed during validation; compare datetimes with datetimes.
    if isinstance(value, str) and value in timestamps:
        value = timestamps[value]
    if isinstance(name, str) and name.endswith(TIMESTAMP_DESIGNATOR):
        name = name[: -len(TIMESTAMP_DESIGNATOR)]
    return _apply(item, name, op, value)


def _apply(item: object, name: str, op: str, value: Any) -> bool:
    found = _lookup(item, name)
    if isinstance(found.value, _Undefined):
        return False
    if found.rest is not None:
        # "list.*.field": true when any member matches.
        return any(_apply(member, found.rest, op, value) for member in found.value)
    source = found.value
    if op.startswith("C"):
        return OPERATORS[op[1:]](_casefold(source), _casefold(value))
    return OPERATORS[op](source, value)


def _casefold(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, (list, tuple)):
        return [item.casefold() if isinstance(item, str) else item for item in value]
    return value


def _matches(item: object, condition: Sequence[Any], timestamps: Mapping[str, datetime]) -> bool:
    if len(condition) == 2:  # noqa: PLR2004 - ["OR", branches]
        for branch in condition[1]:
            if isinstance(branch, list) and branch and isinstance(branch[0], list):
                hit = all(_matches(item, sub, timestamps) for sub in branch)
            else:
                hit = _matches(item, branch, timestamps)
            if hit:
                return True
        return False
    return _matches_condition(item, condition, timestamps)


def _select_one(item: Entry, select: Sequence[str | list[str]]) -> Entry:
    result: Entry = {}
    for selector in select:
        target, new_name = (
            (selector[0], selector[1]) if isinstance(selector, list) else (selector, None)
        )
        keys: list[str] = []
        current: Any = item
        rest = target
        while rest:
            key, rest = _partition(rest)
            if not isinstance(current, dict):
                msg = "Selecting by list index is not supported"
                raise ValueError(msg)  # noqa: TRY004 - the middleware raises ValueError here
            current = current.get(key, _UNDEFINED)
            keys.append(key)
        if isinstance(current, _Undefined):
            continue
        if new_name is not None:
            result[new_name] = current
            continue
        last = keys.pop()
        node = result
        for key in keys:
            node = node.setdefault(key, {})
        node[last] = current
    return result


def _sort_key(name: str) -> Callable[[Entry], Any]:
    def key(item: Entry) -> Any:
        return get_path(item, name)

    return key


def _order(items: list[Entry], order_by: Sequence[str]) -> list[Entry]:
    for order in order_by:
        if order.startswith((NULLS_FIRST, NULLS_LAST)):
            prefix = NULLS_FIRST if order.startswith(NULLS_FIRST) else NULLS_LAST
            name = order[len(prefix) :]
            reverse = name.startswith("-")
            name = name.removeprefix("-")
            nulls = [i for i in items if get_path(i, name) is None]
            rest = sorted(
                (i for i in items if get_path(i, name) is not None),
                key=_sort_key(name),
                reverse=reverse,
            )
            items = nulls + rest if prefix == NULLS_FIRST else rest + nulls
            continue
        reverse = order.startswith("-")
        name = order.removeprefix("-")
        try:
            items = sorted(items, key=_sort_key(name), reverse=reverse)
        except TypeError as err:
            if "NoneType" not in str(err):
                raise
            msg = (
                f"Cannot sort by {order!r} because the field contains null values. "
                f'Please use "nulls_first:{order}" or "nulls_last:{order}" to specify null '
                "placement."
            )
            raise ValueError(msg) from err
    return items


def filter_list(
    items: Iterable[Entry],
    filters: Sequence[Any] | None = None,
    options: QueryOptions | None = None,
    timestamps: Mapping[str, datetime] | None = None,
) -> list[Entry] | Entry | int:
    """Apply already validated filters and options to ``items``, in the middleware's order.

    Order of operations: filter (+select), count, order_by, get, offset, limit. Note that
    ``select`` happens before ``order_by``, so ordering by a field that was not selected sorts
    on ``None`` (as on a real system).
    """
    options = options or QueryOptions()
    stamps = timestamps or {}
    result = [item for item in items if all(_matches(item, f, stamps) for f in filters or [])]
    if options.select:
        result = [_select_one(item, options.select) for item in result]
    if options.count:
        return len(result)
    result = _order(result, options.order_by)
    if options.get:
        if not result:
            raise MatchNotFound
        return result[0]
    if options.offset:
        result = result[options.offset :]
    if options.limit:
        result = result[: options.limit]
    return result


def run_query(items: Iterable[Entry], params: Sequence[Any]) -> list[Entry] | Entry | int:
    """Validate ``[filters, options]`` and apply them to ``items``."""
    filters, timestamps, options = query_args(params)
    return filter_list(items, filters, options, timestamps)
