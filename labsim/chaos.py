"""Chaos for fault tests: a network partition, doctored replies, raw frames, changed limits.

Also what a real box goes through over time: its API versions change.

Control routes (bodies are JSON; errors are ``{"error": message}`` with status 400/404):

==========================================================  ====================================
``POST /control/partition``                                 ``{"seconds": N}``: a pulled cable
``POST /control/hang``                                      ``{"seconds": N}``: calls go unanswered
``POST /control/garble``                                    doctor the next replies of a method
``DELETE /control/garble``                                  stop doctoring replies
``POST /control/push``                                      ``{"frame": text}`` / ``{"event": {...}}``
``POST /control/api_versions``                              ``{"versions": [...], "drop": bool}``
``POST /control/settings``                                  limits: login rate, calls per socket
==========================================================  ====================================

A **partition** is what a client sees when the network between it and the NAS goes away: the
server reads nothing (so it answers no WebSocket ping either), sends nothing, and accepts no new
connection, until it ends (after ``seconds``, or ``{"seconds": 0}``). A client can only notice it
by its own heartbeat or timeouts. (``/control/stall`` is much the same: once a call is waiting,
the stalled reader answers no ping either.)

A **hang** is a middleware that is stuck while the machine and its web server are fine: sockets
stay open and answer WebSocket pings, new connections are accepted and ``/api/versions`` is
served, but no call gets a reply (``auth.login_ex`` and ``core.ping`` included) until the hang
ends (after ``seconds``, or ``{"seconds": 0}``); then the held calls run and are answered. Only
an application-level check (a call with a timeout) can notice it.

``/control/garble`` changes the next ``count`` replies (default 1; ``null`` until cleared) of
``method``:

* ``{"raw": "<text>"}`` sends the text as a frame in place of the reply, which never comes;
* ``{"result": X}`` answers ``X`` instead of the real result;
* ``{"patch": {...}, "remove": [...]}`` answers the real result with fields set and removed, in
  each item of a list result (or in an object result).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
import re
from typing import Any, Final
from weakref import WeakKeyDictionary

from aiohttp import web

from . import ejson
from .controlkit import body_number, ejson_body, ejson_response, rpc_server
from .events import Event
from .faults import take_counted
from .rpc import CallContext, Handler, RpcServer
from .state import LabError, LabState

VERSION_RE: Final = re.compile(r"^v\d+\.\d+(\.\d+)*$")
SETTINGS: Final = ("login_rate_limit", "max_running_calls", "max_calls")


@dataclass(slots=True)
class Garble:
    """How the next replies of one method are doctored."""

    raw: str | None = None
    result: Any = None
    has_result: bool = False
    patch: dict[str, Any] = field(default_factory=dict)
    remove: list[str] = field(default_factory=list)
    count: int | None = 1
    """Replies left to doctor (``None``: until cleared)."""


@dataclass(slots=True)
class Chaos:
    """The chaos of one lab."""

    garbles: dict[str, Garble] = field(default_factory=dict)
    partition_handle: asyncio.TimerHandle | None = None
    paused: list[asyncio.Transport] = field(default_factory=list)

    def take(self, method: str) -> Garble | None:
        """The garble for one call of ``method`` (counted down)."""
        return take_counted(self.garbles, method)


_CHAOS: WeakKeyDictionary[LabState, Chaos] = WeakKeyDictionary()


def chaos_of(state: LabState) -> Chaos:
    """The chaos of a lab."""
    chaos = _CHAOS.get(state)
    if chaos is None:
        chaos = _CHAOS[state] = Chaos()
    return chaos


# ---------------------------------------------------------------- doctored replies


def _doctor(item: Any, garble: Garble) -> Any:
    if not isinstance(item, dict):
        return item
    doctored = {key: value for key, value in item.items() if key not in garble.remove}
    doctored.update(garble.patch)
    return doctored


async def _never() -> None:
    await asyncio.Event().wait()


def _garbled(handler: Handler) -> Handler:
    """Wrap a method handler so that ``/control/garble`` can change its replies."""

    def call(ctx: CallContext) -> Any:
        garble = chaos_of(ctx.state).take(ctx.method)
        if garble is None:
            return handler(ctx)
        if garble.raw is not None:
            ctx.session._outbox.put_nowait(garble.raw)  # noqa: SLF001 - a frame as is
            return _never()  # the reply that belonged to this call never comes
        if garble.has_result:
            return garble.result
        return _patched(handler, ctx, garble)

    return call


async def _patched(handler: Handler, ctx: CallContext, garble: Garble) -> Any:
    result = handler(ctx)
    if isinstance(result, Awaitable):
        result = await result
    data = ejson.to_wire(result)
    if isinstance(data, list):
        return [_doctor(item, garble) for item in data]
    return _doctor(data, garble)


def install(server: RpcServer) -> None:
    """Let the chaos routes doctor the replies of every method of ``server``."""
    server.methods = {
        name: replace(method, handler=_garbled(method.handler))
        for name, method in server.methods.items()
    }


# ---------------------------------------------------------------- helpers


def _strings(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        msg = f"{key!r} must be a list of strings"
        raise LabError(msg)
    return value


# ---------------------------------------------------------------- routes


def _end_partition(chaos: Chaos, state: LabState) -> None:
    if chaos.partition_handle is not None:
        chaos.partition_handle.cancel()
        chaos.partition_handle = None
    for transport in chaos.paused:
        if not transport.is_closing():
            transport.resume_reading()
    chaos.paused.clear()
    state.faults.stall(0)


chaos_routes = web.RouteTableDef()
"""The control routes of this module (``@chaos_routes.post(...)`` on each handler)."""


@chaos_routes.post("/control/partition")
async def partition(request: web.Request) -> web.Response:
    """Cut the network for ``seconds`` (0 ends a partition now)."""
    seconds = body_number(await ejson_body(request), "seconds")
    server = rpc_server(request)
    state = server.state
    chaos = chaos_of(state)
    _end_partition(chaos, state)
    if seconds == 0:
        return ejson_response({"partitioned": False})
    # The stall keeps new connections and every write waiting; paused reading keeps the
    # clients' pings (and calls) unread, as if they were lost on the way.
    state.faults.stall(seconds + 3600.0)
    for session in server.sessions:
        transport = session.transport
        if transport is not None and not transport.is_closing():
            transport.pause_reading()
            chaos.paused.append(transport)
    loop = asyncio.get_running_loop()
    chaos.partition_handle = loop.call_later(seconds, _end_partition, chaos, state)
    return ejson_response({"partitioned": True, "sessions": len(chaos.paused)})


@chaos_routes.post("/control/hang")
async def hang(request: web.Request) -> web.Response:
    """Leave every call unanswered for ``seconds`` (0 ends a hang); pings are still answered."""
    seconds = body_number(await ejson_body(request), "seconds")
    faults = rpc_server(request).state.faults
    faults.hang(seconds)
    return ejson_response({"hanging": faults.hanging})


@chaos_routes.post("/control/garble")
async def garble(request: web.Request) -> web.Response:
    """Doctor the next replies of a method (see the module docstring)."""
    body = await ejson_body(request)
    method = body.get("method")
    if not isinstance(method, str) or not method:
        msg = "'method' must be a method name"
        raise LabError(msg)
    count = body.get("count", 1)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        msg = "'count' must be a positive integer or null"
        raise LabError(msg)
    raw, patch = body.get("raw"), body.get("patch", {})
    if raw is not None and not isinstance(raw, str):
        msg = "'raw' must be a string"
        raise LabError(msg)
    if not isinstance(patch, dict):
        msg = "'patch' must be an object"
        raise LabError(msg)
    item = Garble(
        raw=raw,
        result=body.get("result"),
        has_result="result" in body,
        patch=patch,
        remove=_strings(body, "remove"),
        count=count,
    )
    if raw is None and not item.has_result and not item.patch and not item.remove:
        msg = "a garble needs 'raw', 'result', 'patch' or 'remove'"
        raise LabError(msg)
    chaos_of(rpc_server(request).state).garbles[method] = item
    return ejson_response({"method": method, "count": count})


@chaos_routes.delete("/control/garble")
async def clear_garbles(request: web.Request) -> web.Response:
    """Stop doctoring replies."""
    chaos_of(rpc_server(request).state).garbles.clear()
    return ejson_response({"ok": True})


@chaos_routes.post("/control/push")
async def push(request: web.Request) -> web.Response:
    """Send a raw ``frame`` to every logged-in session, or publish an ``event``."""
    body = await ejson_body(request)
    server = rpc_server(request)
    frame, event = body.get("frame"), body.get("event")
    if isinstance(frame, str):
        sessions = [session for session in server.sessions if session.authenticated]
        for session in sessions:
            session._outbox.put_nowait(frame)  # noqa: SLF001 - a frame as is
        return ejson_response({"sent": len(sessions)})
    if not isinstance(event, dict):
        msg = "'frame' (a string) or 'event' (an object) is required"
        raise LabError(msg)
    collection, msg_kind = event.get("collection"), event.get("msg", "changed")
    if not isinstance(collection, str) or msg_kind not in ("added", "changed", "removed"):
        msg = "an event needs 'collection' and a 'msg' of added, changed or removed"
        raise LabError(msg)
    server.state.emit(Event(collection, msg_kind, event.get("id"), event.get("fields")))
    return ejson_response({"emitted": collection})


@chaos_routes.post("/control/api_versions")
async def api_versions(request: web.Request) -> web.Response:
    """Serve other API versions at ``/api/versions`` (``/api/current`` speaks the newest)."""
    body = await ejson_body(request)
    versions = _strings(body, "versions")
    if not versions or not all(VERSION_RE.match(version) for version in versions):
        msg = "'versions' must list versions like 'v25.10.2'"
        raise LabError(msg)
    server = rpc_server(request)
    server.state.scenario.api_versions = list(versions)
    dropped = server.drop_all() if body.get("drop") is True else 0
    return ejson_response({"api_versions": versions, "dropped": dropped})


@chaos_routes.post("/control/settings")
async def settings(request: web.Request) -> web.Response:
    """Change limits (new connections get the call limits); forget past logins."""
    body = await ejson_body(request)
    state = rpc_server(request).state
    for key, value in body.items():
        if key not in SETTINGS:
            msg = f"unknown setting {key!r} (known: {', '.join(SETTINGS)})"
            raise LabError(msg)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            msg = f"{key!r} must be a non-negative integer"
            raise LabError(msg)
        setattr(state.settings, key, value)
    state._logins.clear()  # noqa: SLF001 - the new limit starts from nothing
    return ejson_response({key: getattr(state.settings, key) for key in SETTINGS})
