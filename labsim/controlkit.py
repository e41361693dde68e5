"""What every control route shares: the RPC server behind a request, JSON bodies and answers.

The control API (``labsim.control``, and the routes of ``labsim.apps``, ``labsim.backups``,
``labsim.chaos`` and the HTTP services) speaks JSON; errors are ``LabError`` (status 400 unless
it says otherwise), which the control application's middleware turns into ``{"error": ...}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
import json
from typing import Any, Final

from aiohttp import web

from . import ejson
from .parts import LabError
from .rpc import RpcServer
from .scenario import parse_time

RPC_SERVER_KEY: Final = web.AppKey("rpc_server", RpcServer)


def rpc_server(request: web.Request) -> RpcServer:
    """The RPC server a control request drives."""
    return request.app[RPC_SERVER_KEY]


async def control_body(
    request: web.Request, loads: Callable[[str], Any] = json.loads
) -> dict[str, Any]:
    """A control request's JSON object body (empty when there is none)."""
    if not request.can_read_body:
        return {}
    try:
        data = await request.json(loads=loads)
    except ValueError as err:
        msg = f"invalid JSON body: {err}"
        raise LabError(msg) from None
    if not isinstance(data, dict):
        msg = "the body must be a JSON object"
        raise LabError(msg)
    return data


async def ejson_body(request: web.Request) -> dict[str, Any]:
    """A control request's EJSON object body (``{"$date": ms}`` read as a datetime)."""
    return await control_body(request, ejson.loads)


def json_response(data: object, status: int = 200) -> web.Response:
    """A JSON answer."""
    return web.json_response(data, status=status)


def ejson_response(data: object, status: int = 200) -> web.Response:
    """An EJSON answer (datetimes as ``{"$date": ms}``)."""
    return web.json_response(data, status=status, dumps=ejson.dumps)


def body_time(body: Mapping[str, Any], key: str, now: datetime) -> datetime:
    """A time from a control body, relative to the lab clock (``"-45m"``) or absolute."""
    value = body.get(key, "now")
    try:
        return parse_time(value, now)
    except TypeError, ValueError:
        msg = f"{key!r} must be a time ('-45m', 'now' or ISO 8601)"
        raise LabError(msg) from None


def body_number(body: Mapping[str, Any], key: str, default: float | None = None) -> float:
    """A non-negative number from a control body (required when there is no ``default``)."""
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        msg = f"{key!r} must be a non-negative number"
        raise LabError(msg)
    return float(value)


def body_text(body: Mapping[str, Any], key: str) -> str:
    """A non-empty string from a control body."""
    value = body.get(key)
    if not isinstance(value, str) or not value:
        msg = f"{key!r} must be a non-empty string"
        raise LabError(msg)
    return value


def body_seconds(body: Mapping[str, Any], key: str, default: float) -> float:
    """A non-negative number of seconds from a control body."""
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        msg = f"{key!r} must be a non-negative number of seconds"
        raise LabError(msg)
    return float(value)
