"""Argument helpers of the method handlers: pydantic's messages for missing and wrong arguments."""

from __future__ import annotations

from typing import Any, Final

from labsim.errors import CallError, single_error
from labsim.rpc import CallContext

_MISSING: Final = object()


def arg(ctx: CallContext, index: int, name: str, kind: type, default: Any = _MISSING) -> Any:
    """Return positional argument ``index`` checked against ``kind`` (pydantic's messages)."""
    if index >= len(ctx.params):
        if default is _MISSING:
            raise single_error(name, "Field required")
        return default
    value = ctx.params[index]
    if kind is bool and not isinstance(value, bool):
        raise single_error(name, "Input should be a valid boolean")
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise single_error(name, "Input should be a valid integer")
    if kind is str and not isinstance(value, str):
        raise single_error(name, "Input should be a valid string")
    if kind is dict and not isinstance(value, dict):
        raise single_error(name, "Input should be a valid dictionary")
    return value


def task_id(ctx: CallContext) -> Any:
    """The id of a backup task: positional argument 0, an integer."""
    if not ctx.params:
        raise single_error("id", "Field required")
    if not isinstance(ctx.params[0], int) or isinstance(ctx.params[0], bool):
        raise single_error("id", "Input should be a valid integer")
    return ctx.params[0]


def unknown_task_job(ctx: CallContext, err: CallError) -> int:
    """``get_instance`` raised inside the job: a job that fails, not an error reply."""
    return ctx.state.failed_job(ctx.method, list(ctx.params[:1]), f"[ENOENT] None: {err.errmsg}")
