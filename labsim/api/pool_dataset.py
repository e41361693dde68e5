"""``pool.dataset``: datasets, their properties and children."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from labsim.errors import ValidationErrors
from labsim.query import parse_options, run_query
from labsim.rpc import CallContext, Method


def pool_dataset_query(ctx: CallContext) -> object:
    """``pool.dataset.query``: datasets; ``extra`` picks properties and children."""
    options = parse_options(ctx.params[1] if len(ctx.params) > 1 else None)
    extra = options.extra
    errors = ValidationErrors()
    properties = extra.get("properties")
    if properties is not None and (
        not isinstance(properties, list) or not all(isinstance(p, str) for p in properties)
    ):
        errors.add("options.extra.properties", "Input should be a valid list of strings")
    for key in ("retrieve_children", "flat", "retrieve_user_props"):
        if not isinstance(extra.get(key, True), bool):
            errors.add(f"options.extra.{key}", "Input should be a valid boolean")
    errors.check()
    items = ctx.state.dataset_entries(
        properties,
        children=extra.get("retrieve_children", True),
        flat=extra.get("flat", True),
        user_props=extra.get("retrieve_user_props", True),
    )
    return run_query(items, ctx.params)


METHODS: Final[Mapping[str, Method]] = {
    "pool.dataset.query": Method(pool_dataset_query, 2, role="DATASET_READ"),
}
