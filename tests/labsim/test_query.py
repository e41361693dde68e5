"""TrueNAS query semantics: filters, operators, options, validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from labsim.errors import MatchNotFound, ValidationErrors
from labsim.query import QueryOptions, filter_list, get_path, parse_options, run_query

ITEMS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "tank",
        "status": "ONLINE",
        "size": 100,
        "tags": ["media", "backup"],
        "scan": {"state": "FINISHED", "errors": 0},
        "disks": [{"name": "sda", "errors": 0}, {"name": "sdb", "errors": 2}],
        "comment": None,
        "created": datetime(2026, 1, 2, tzinfo=UTC),
        "dotted.key": "escaped",
    },
    {
        "id": 2,
        "name": "Backup",
        "status": "DEGRADED",
        "size": 50,
        "tags": ["backup"],
        "scan": {"state": "SCANNING", "errors": 3},
        "disks": [{"name": "sdc", "errors": 0}],
        "comment": "offsite",
        "created": datetime(2026, 3, 4, tzinfo=UTC),
    },
    {
        "id": 3,
        "name": "scratch",
        "status": "ONLINE",
        "size": 10,
        "tags": [],
        "scan": None,
        "disks": [],
        "comment": None,
        "created": datetime(2026, 5, 6, tzinfo=UTC),
    },
]


def ids(result: object) -> list[int]:
    assert isinstance(result, list)
    return [item["id"] for item in result]


def q(*params: Any) -> Any:
    return run_query(ITEMS, list(params))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (["name", "=", "tank"], [1]),
        (["name", "!=", "tank"], [2, 3]),
        (["size", ">", 10], [1, 2]),
        (["size", ">=", 50], [1, 2]),
        (["size", "<", 50], [3]),
        (["size", "<=", 50], [2, 3]),
        (["name", "in", ["tank", "scratch"]], [1, 3]),
        (["name", "nin", ["tank", "scratch"]], [2]),
        (["tags", "rin", "backup"], [1, 2]),
        (["tags", "rnin", "backup"], [3]),
        (["name", "^", "ta"], [1]),
        (["name", "!^", "ta"], [2, 3]),
        (["name", "$", "ch"], [3]),
        (["name", "!$", "ch"], [1, 2]),
        (["name", "~", "^[a-z]+$"], [1, 3]),
        (["comment", "~", "^$"], [1, 3]),  # null strings match as ""
        (["name", "C=", "BACKUP"], [2]),
        (["name", "C^", "back"], [2]),
        (["name", "Cin", ["TANK"]], [1]),
        (["size", "C=", 100], [1]),  # case-folding leaves non-strings alone
        (["scan.state", "=", "SCANNING"], [2]),
        (["disks.0.name", "=", "sdc"], [2]),
        (["disks.5.name", "=", "x"], []),
        (["disks.*.errors", ">", 1], [1]),
        (["disks.*.name", "=", "sdc"], [2]),
        (["missing", "=", None], []),  # a missing key never matches
        (["comment", "=", None], [1, 3]),
        (["dotted\\.key", "=", "escaped"], [1]),
        (["created.$date", ">", "2026-02-01T00:00:00"], [2, 3]),
        (["created.$date", "<=", "2026-03-04T00:00:00+00:00"], [1, 2]),
    ],
)
def test_operators(condition: list[Any], expected: list[int]) -> None:
    assert ids(q([condition])) == expected


def test_nin_and_rin_with_null() -> None:
    items = [{"id": 1, "x": None}]
    assert filter_list(items, [["x", "nin", [1]]]) == []
    assert filter_list(items, [["x", "rin", 1]]) == []
    assert filter_list(items, [["x", "rnin", 1]]) == []
    assert filter_list(items, [["x", "^", "a"]]) == []
    assert filter_list(items, [["x", "!^", "a"]]) == []
    assert filter_list(items, [["x", "$", "a"]]) == []
    assert filter_list(items, [["x", "!$", "a"]]) == []


def test_conditions_are_anded() -> None:
    assert ids(q([["status", "=", "ONLINE"], ["size", ">", 20]])) == [1]
    # Conditions short-circuit, so a guard keeps a comparison away from nulls...
    assert ids(q([["scan", "!=", None], ["scan.errors", ">", 0]])) == [2]
    # ...without it, comparing null with a number fails as on a real system.
    with pytest.raises(TypeError):
        q([["scan.errors", ">", 0]])


def test_or() -> None:
    assert ids(q([["OR", [["name", "=", "tank"], ["name", "=", "scratch"]]]])) == [1, 3]
    # A branch may be a list of conditions, all of which must hold.
    branches = [[["status", "=", "ONLINE"], ["size", "<", 20]], ["name", "=", "Backup"]]
    assert ids(q([["OR", branches]])) == [2, 3]
    assert ids(q([["OR", [["name", "=", "none"]]]])) == []
    nested = [["OR", [["OR", [["id", "=", 1]]], ["id", "=", 2]]]]
    assert ids(q(nested)) == [1, 2]


def test_no_filters_returns_everything() -> None:
    assert ids(q()) == [1, 2, 3]
    assert ids(q([])) == [1, 2, 3]
    assert ids(q([], {})) == [1, 2, 3]
    assert ids(run_query(ITEMS, [None, None])) == [1, 2, 3]


def test_select() -> None:
    assert q([], {"select": ["name"]}) == [
        {"name": "tank"},
        {"name": "Backup"},
        {"name": "scratch"},
    ]
    assert q([["id", "=", 1]], {"select": ["scan.state", "id"]}) == [
        {"scan": {"state": "FINISHED"}, "id": 1}
    ]
    assert q([["id", "=", 1]], {"select": [["scan.state", "scan_state"]]}) == [
        {"scan_state": "FINISHED"}
    ]
    # Missing keys are left out rather than set to null.
    assert q([["id", "=", 1]], {"select": ["nope", "id"]}) == [{"id": 1}]


def test_select_through_null_is_an_error() -> None:
    with pytest.raises(ValueError, match="Selecting by list index"):
        q([["id", "=", 3]], {"select": ["scan.state"]})


def test_order_by() -> None:
    assert ids(q([], {"order_by": ["size"]})) == [3, 2, 1]
    assert ids(q([], {"order_by": ["-size"]})) == [1, 2, 3]
    # Each key re-sorts the whole list, so the last key dominates (as in the middleware).
    assert ids(q([], {"order_by": ["status", "-id"]})) == [3, 2, 1]
    assert ids(q([], {"order_by": ["-id", "status"]})) == [2, 3, 1]
    assert ids(q([], {"order_by": ["nulls_first:comment"]})) == [1, 3, 2]
    assert ids(q([], {"order_by": ["nulls_last:comment"]})) == [2, 1, 3]
    assert ids(q([], {"order_by": ["nulls_last:-comment"]})) == [2, 1, 3]
    with pytest.raises(ValueError, match="contains null values"):
        q([], {"order_by": ["comment"]})
    with pytest.raises(TypeError):
        run_query([{"a": 1}, {"a": "x"}], [[], {"order_by": ["a"]}])


def test_offset_and_limit() -> None:
    assert ids(q([], {"limit": 2})) == [1, 2]
    assert ids(q([], {"offset": 1})) == [2, 3]
    assert ids(q([], {"offset": 1, "limit": 1})) == [2]
    assert ids(q([], {"offset": 5})) == []


def test_count() -> None:
    assert q([], {"count": True}) == 3
    assert q([["status", "=", "ONLINE"]], {"count": True}) == 2
    # count ignores limit, like the middleware (it returns before paging).
    assert q([], {"count": True, "limit": 1}) == 3


def test_get() -> None:
    assert q([["id", "=", 2]], {"get": True})["name"] == "Backup"
    assert q([], {"get": True, "order_by": ["-size"]})["id"] == 1
    assert q([], {"get": True, "select": ["id"]}) == {"id": 1}
    with pytest.raises(MatchNotFound):
        q([["id", "=", 9]], {"get": True})
    with pytest.raises(MatchNotFound):
        run_query([], [[], {"get": True}])


def errors_of(*params: Any) -> list[tuple[str, str, int]]:
    with pytest.raises(ValidationErrors) as info:
        q(*params)
    return info.value.errors


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ([["name", "==", "x"]], "Value error, Invalid operation: =="),
        ([["name", "C~", "x"]], "Value error, Invalid case-insensitive operation: C~"),
        ([["name", 5, "x"]], "Value error, Invalid operation: 5"),
        # Two items read as ["OR", branches], so the first one is taken for the operation.
        ([["name", "="]], "Value error, Invalid operation: name"),
        ([["a", "=", 1, 2]], "Value error, Invalid filter ['a', '=', 1, 2]"),
        (["name"], "Value error, Invalid filter name"),
        ([["AND", [["a", "=", 1]]]], "Value error, Invalid operation: AND"),
        ([["OR", []]], "Value error, OR filter requires at least one branch."),
        ([["OR", [["a", "<>", 1]]]], "Value error, Invalid operation: <>"),
        (
            [["OR", [["OR", [["OR", [["OR", [["OR", [["a", "=", 1]]]]]]]]]]]],
            "Value error, query-filters max recursion depth exceeded",
        ),
        ([["x.$date", "in", ["2026-01-01"]]], "Value error, in: invalid timestamp operation."),
        (
            [["x.$date", ">", "yesterday"]],
            "Value error, yesterday: must be an ISO-8601 formatted timestamp string",
        ),
    ],
)
def test_filter_validation(filters: list[Any], message: str) -> None:
    assert errors_of(filters) == [("filters", message, 22)]


def test_filters_must_be_a_list() -> None:
    assert errors_of({"name": "x"}) == [("filters", "Input should be a valid list", 22)]


@pytest.mark.parametrize(
    ("options", "errors"),
    [
        ("x", [("options", "Input should be a valid dictionary or instance of Options", 22)]),
        ({"bogus": 1}, [("options.bogus", "Extra inputs are not permitted", 22)]),
        ({"get": 1}, [("options.get", "Input should be a valid boolean", 22)]),
        ({"count": "yes"}, [("options.count", "Input should be a valid boolean", 22)]),
        ({"limit": "5"}, [("options.limit", "Input should be a valid integer", 22)]),
        ({"offset": True}, [("options.offset", "Input should be a valid integer", 22)]),
        ({"prefix": 5}, [("options.prefix", "Input should be a valid string", 22)]),
        ({"select": "name"}, [("options.select", "Input should be a valid list", 22)]),
        ({"extra": []}, [("options.extra", "Input should be a valid dictionary", 22)]),
        ({"order_by": [1]}, [("options.order_by.0", "Input should be a valid string", 22)]),
        (
            {"get": True, "limit": 2},
            [
                (
                    "options",
                    "Value error, Invalid options combination. `get` implies a single result.",
                    22,
                )
            ],
        ),
        (
            {"get": True, "offset": 1},
            [
                (
                    "options",
                    "Value error, Invalid options combination. `get` implies a single result.",
                    22,
                )
            ],
        ),
        (
            {"limit": 10001},
            [("options", "Value error, Options limit must be between 1 and 10000", 22)],
        ),
        (
            {"select": [["a"]]},
            [
                (
                    "options",
                    (
                        "Value error, ['a']: A select as list may only contain two parameters: "
                        "the name of the parameter being selected, and the name to which to "
                        "assign it in resulting data."
                    ),
                    22,
                )
            ],
        ),
        (
            {"select": [["a", 1]]},
            [("options", "Value error, ['a', 1]: second item must be a string.", 22)],
        ),
        (
            {"select": [[1, "a"]]},
            [("options", "Value error, [1, 'a']: first item must be a string.", 22)],
        ),
        (
            {"select": [5]},
            [
                (
                    "options",
                    (
                        "Value error, 5: selectors must be either a parameter name as a string or "
                        "a list containing two items [<parameter name>, <as name>] to emulate "
                        "SELECT <parameter name> AS <as name>."
                    ),
                    22,
                )
            ],
        ),
    ],
)
def test_option_validation(options: Any, errors: list[tuple[str, str, int]]) -> None:
    assert errors_of([], options) == errors


def test_accepted_options_pass() -> None:
    options = parse_options(
        {
            "relationships": True,
            "extend": None,
            "extend_context": "x",
            "prefix": None,
            "force_sql_filters": False,
            "extra": {"properties": ["used"]},
        }
    )
    assert options == QueryOptions(extra={"properties": ["used"]})
    assert parse_options(None) == QueryOptions()


def test_too_many_arguments() -> None:
    assert errors_of([], {}, 1) == [("", "Too many arguments (expected 2, found 3)", 22)]


def test_bad_path_segment() -> None:
    with pytest.raises(ValueError, match="must be array index or wildcard"):
        q([["disks.first.name", "=", "x"]])


def test_get_path() -> None:
    assert get_path(ITEMS[0], "scan.state") == "FINISHED"
    assert get_path(ITEMS[0], "nope.x") is None
    assert get_path(ITEMS[0], "disks.1.errors") == 2
    assert get_path(ITEMS[0], "created.$date") == ITEMS[0]["created"]
