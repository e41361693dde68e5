"""``system``: hardware, version, uptime and the identity of the machine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from labsim.rpc import CallContext, Method


def system_info(ctx: CallContext) -> dict[str, Any]:
    """``system.info``: hardware, version and uptime."""
    return ctx.state.system_info()


def system_host_id(ctx: CallContext) -> str:
    """``system.host_id``: a stable identity of the machine."""
    return ctx.state.host_id


METHODS: Final[Mapping[str, Method]] = {
    "system.info": Method(system_info, 0, role="SYSTEM_GENERAL_READ", api_since="25.10"),
    "system.host_id": Method(system_host_id, 0, role="SYSTEM_GENERAL_READ", api_since="25.10"),
}
