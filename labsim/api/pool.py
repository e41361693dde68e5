"""``pool``: data pools with their topology and scan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from labsim.query import Entry
from labsim.rpc import CallContext, MethodTable

METHODS: Final = MethodTable()


@METHODS.query("pool.query", role="POOL_READ")
def pool_query(ctx: CallContext) -> list[Entry]:
    """``pool.query``: data pools with topology and scan."""
    return ctx.state.pool_entries(ctx.session.version)


EVENTS: Final[Mapping[str, str | None]] = {"pool.query": "POOL_READ"}
