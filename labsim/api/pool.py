"""``pool``: data pools with their topology and scan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from labsim.query import run_query
from labsim.rpc import CallContext, MethodTable

METHODS: Final = MethodTable()


@METHODS.register("pool.query", 2, role="POOL_READ")
def pool_query(ctx: CallContext) -> object:
    """``pool.query``: data pools with topology and scan."""
    return run_query(ctx.state.pool_entries(ctx.session.version), ctx.params)


EVENTS: Final[Mapping[str, str | None]] = {"pool.query": "POOL_READ"}
