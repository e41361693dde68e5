"""``boot``: the boot pool (not part of ``pool.query``)."""

from __future__ import annotations

from typing import Any, Final

from labsim.rpc import CallContext, MethodTable

METHODS: Final = MethodTable()


@METHODS.register("boot.get_state", 0, role="BOOT_ENV_READ", api_since="25.10")
def boot_get_state(ctx: CallContext) -> dict[str, Any] | None:
    """``boot.get_state``: the boot pool (it is not part of ``pool.query``)."""
    return ctx.state.boot_state(ctx.session.version)
