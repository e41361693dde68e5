"""``alert``: current alerts, dismissed and restored."""

from __future__ import annotations

from collections.abc import Mapping
import errno
from typing import Any, Final

from labsim.errors import CallError
from labsim.rpc import CallContext, MethodTable

from .args import arg

METHODS: Final = MethodTable()


@METHODS.register("alert.list", 0, role="ALERT_LIST_READ")
def alert_list(ctx: CallContext) -> list[dict[str, Any]]:
    """``alert.list``: current alerts."""
    return ctx.state.alert_entries()


def _alert_uuid(ctx: CallContext) -> str:
    alert_uuid: str = arg(ctx, 0, "uuid", str)
    if alert_uuid not in ctx.state.alerts:
        raise CallError(f"Alert {alert_uuid!r} does not exist", errno.ENOENT)
    return alert_uuid


@METHODS.register("alert.dismiss", 1, role="ALERT_LIST_WRITE")
def alert_dismiss(ctx: CallContext) -> None:
    """``alert.dismiss``: mark an alert as dismissed."""
    ctx.state.set_alert_dismissed(_alert_uuid(ctx), dismissed=True)


@METHODS.register("alert.restore", 1, role="ALERT_LIST_WRITE")
def alert_restore(ctx: CallContext) -> None:
    """``alert.restore``: undo a dismissal."""
    ctx.state.set_alert_dismissed(_alert_uuid(ctx), dismissed=False)


EVENTS: Final[Mapping[str, str | None]] = {"alert.list": "ALERT_LIST_READ"}
