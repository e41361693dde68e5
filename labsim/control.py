"""The control API: a loopback-only JSON HTTP API that drives the lab during tests and demos.

Routes (bodies are JSON; errors are ``{"error": message}`` with status 400/404/409):

==========================================================  ====================================
``GET /control/state``                                      lab summary
``POST /control/reset``                                     reload the scenario, clear faults
``POST /control/pool``                                      import a pool (body: a scenario pool)
``DELETE /control/pool/{name}``                             export a pool
``POST /control/pool/{name}/state``                         ``{"status": "DEGRADED"}``
``POST /control/pool/{name}/disk/{disk}/state``             ``{"status", "read_errors", ...}``
``POST /control/pool/{name}/scrub/start``                   ``{"duration_seconds": 20}``
``POST /control/pool/{name}/scrub/finish``                  ``{"errors": 0}`` (optional)
``POST /control/pool/{name}/scrub/cancel``                  end the scrub as CANCELED
``POST /control/alerts``                                    raise an alert, returns its uuid
``DELETE /control/alerts/{uuid}`` / ``DELETE /control/alerts``  clear one / all alerts
``POST /control/jobs``                                      run a fake job
``POST /control/drop_connections``                          cut every socket, no close frame
``POST /control/stall``                                     ``{"seconds": N}``: answer nothing
``POST /control/delay``                                     ``{"seconds": x}``: delay replies
``POST /control/revoke_key``                                ``{"username": U}`` (``key_id``)
``POST /control/remote_clients``                            ``{"enabled": true}``
``POST /control/user/{username}/roles``                     ``{"roles": [...]}``
``POST /control/method_error``                              ``{"method": M}``: M fails (-32001)
``DELETE /control/method_error[/{method}]``                 stop injected failures
``GET /control/calls`` / ``DELETE /control/calls``          the call log (API keys redacted)
``GET /control/stats``                                      counters
``/control/apps...``                                        apps: see ``labsim.apps``
``/control/backups...``, ``/control/snapshot_cost``          backups: see ``labsim.backups``
``GET /control/tls``, ``POST /control/tls/replace_certificate``  TLS: see ``labsim.server``
``/control/nas...``, ``POST /control/datasets``              the NAS's devices: ``labsim.nas.control``
==========================================================  ====================================
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime
import errno
from typing import Any, Final
import uuid

from aiohttp import web

from .apps import app_routes
from .backups import backup_routes
from .chaos import chaos_routes, install as install_chaos
from .controlkit import RPC_SERVER_KEY, body_number, ejson_body, ejson_response, rpc_server
from .faults import MethodFault
from .nas.control import nas_routes
from .parts import LabError
from .rpc import RpcServer
from .scenario import POOL_STATES, ScenarioError, alert_from_mapping, parse_pool

CONTROL_REVOKE_REASON: Final = "Revoked through the lab control API"

type _Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _errors(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Turn lab and scenario errors into JSON error responses."""
    try:
        return await handler(request)
    except LabError as err:
        return ejson_response({"error": str(err)}, err.status)
    except ScenarioError as err:
        return ejson_response({"error": str(err)}, 400)


def _count(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"{key!r} must be a non-negative integer"
        raise LabError(msg)
    return value


def _status(body: dict[str, Any], *, required: bool) -> str | None:
    status = body.get("status")
    if status is None and not required:
        return None
    if not isinstance(status, str) or status.upper() not in POOL_STATES:
        msg = f"'status' must be one of {', '.join(POOL_STATES)}"
        raise LabError(msg)
    return status.upper()


# ---------------------------------------------------------------- lab


control_routes = web.RouteTableDef()
"""The routes of this module (``@control_routes.post(...)`` on each handler)."""


@control_routes.get("/control/state")
async def get_state(request: web.Request) -> web.Response:
    """Return a summary of the lab."""
    server = rpc_server(request)
    return ejson_response({**server.state.summary(), "connections": len(server.sessions)})


@control_routes.post("/control/reset")
async def reset(request: web.Request) -> web.Response:
    """Reload the scenario and clear faults."""
    await rpc_server(request).state.reset()
    return ejson_response({"ok": True})


@control_routes.post("/control/pool")
async def add_pool(request: web.Request) -> web.Response:
    """Import a pool given in scenario form."""
    state = rpc_server(request).state
    next_id = max((p.id for p in state.pools.values() if not p.boot), default=0) + 1
    pool = parse_pool(await ejson_body(request), "pool", datetime.now(UTC), default_id=next_id)
    state.add_pool(pool)
    return ejson_response(state.pool_entry(pool), 201)


@control_routes.delete("/control/pool/{name}")
async def export_pool(request: web.Request) -> web.Response:
    """Export a pool."""
    pool = rpc_server(request).state.export_pool(request.match_info["name"])
    return ejson_response({"ok": True, "id": pool.id})


@control_routes.post("/control/pool/{name}/state")
async def pool_state(request: web.Request) -> web.Response:
    """Force a pool state."""
    body = await ejson_body(request)
    state = rpc_server(request).state
    status = _status(body, required=True)
    assert status is not None  # noqa: S101 - required=True
    code, detail = body.get("status_code"), body.get("status_detail")
    pool = state.set_pool_state(
        request.match_info["name"],
        status,
        code if isinstance(code, str) else None,
        detail if isinstance(detail, str) else None,
    )
    return ejson_response(state.pool_entry(pool))


@control_routes.post("/control/pool/{name}/disk/{disk}/state")
async def disk_state(request: web.Request) -> web.Response:
    """Change a disk (state and error counters); vdev and pool states follow."""
    body = await ejson_body(request)
    state = rpc_server(request).state
    pool = state.set_disk_state(
        request.match_info["name"],
        request.match_info["disk"],
        status=_status(body, required=False),
        read_errors=_count(body, "read_errors"),
        write_errors=_count(body, "write_errors"),
        checksum_errors=_count(body, "checksum_errors"),
    )
    return ejson_response(state.pool_entry(pool))


@control_routes.post("/control/pool/{name}/scrub/start")
async def scrub_start(request: web.Request) -> web.Response:
    """Start a scrub."""
    body = await ejson_body(request)
    state = rpc_server(request).state
    pool = state.start_scrub(request.match_info["name"], body_number(body, "duration_seconds", 20))
    return ejson_response(state.scan_entry(pool.scan))


@control_routes.post("/control/pool/{name}/scrub/finish")
async def scrub_finish(request: web.Request) -> web.Response:
    """Finish the running scrub now."""
    body = await ejson_body(request)
    state = rpc_server(request).state
    pool = state.finish_scrub(request.match_info["name"], errors=_count(body, "errors"))
    return ejson_response(state.scan_entry(pool.scan))


@control_routes.post("/control/pool/{name}/scrub/cancel")
async def scrub_cancel(request: web.Request) -> web.Response:
    """Cancel the running scrub."""
    state = rpc_server(request).state
    pool = state.finish_scrub(request.match_info["name"], cancel=True)
    return ejson_response(state.scan_entry(pool.scan))


@control_routes.post("/control/alerts")
async def add_alert(request: web.Request) -> web.Response:
    """Raise an alert: ``klass``, ``level``, ``formatted`` or ``text`` + ``args``."""
    state = rpc_server(request).state
    body = await ejson_body(request)
    alert = alert_from_mapping({"uuid": str(uuid.uuid4()), **body})
    state.add_alert(alert)
    return ejson_response({"uuid": alert.uuid, "alert": state.alert_entry(alert)}, 201)


@control_routes.delete("/control/alerts/{uuid}")
async def delete_alert(request: web.Request) -> web.Response:
    """Clear one alert."""
    rpc_server(request).state.remove_alert(request.match_info["uuid"])
    return ejson_response({"ok": True})


@control_routes.delete("/control/alerts")
async def delete_alerts(request: web.Request) -> web.Response:
    """Clear every alert."""
    return ejson_response({"removed": rpc_server(request).state.clear_alerts()})


@control_routes.post("/control/jobs")
async def add_job(request: web.Request) -> web.Response:
    """Run a fake job: ``method``, ``arguments``, ``duration_seconds``, ``result``/``error``."""
    body = await ejson_body(request)
    method, arguments, error = body.get("method"), body.get("arguments", []), body.get("error")
    if not isinstance(method, str) or not isinstance(arguments, list):
        msg = "'method' (string) is required and 'arguments' must be a list"
        raise LabError(msg)
    state = rpc_server(request).state
    job = state.start_job(
        method,
        arguments,
        body_number(body, "duration_seconds", 1),
        result=body.get("result"),
        error=str(error) if error is not None else None,
    )
    return ejson_response(state.job_entry(job), 201)


# ---------------------------------------------------------------- faults


@control_routes.post("/control/drop_connections")
async def drop_connections(request: web.Request) -> web.Response:
    """Cut every WebSocket without a close frame."""
    return ejson_response({"dropped": rpc_server(request).drop_all()})


@control_routes.post("/control/stall")
async def stall(request: web.Request) -> web.Response:
    """Answer nothing (and accept no new connections) for ``seconds``."""
    seconds = body_number(await ejson_body(request), "seconds")
    rpc_server(request).state.faults.stall(seconds)
    return ejson_response({"stalled_for": seconds})


@control_routes.post("/control/delay")
async def delay(request: web.Request) -> web.Response:
    """Delay every reply by ``seconds`` (0 to stop)."""
    seconds = body_number(await ejson_body(request), "seconds")
    rpc_server(request).state.faults.reply_delay = seconds
    return ejson_response({"reply_delay": seconds})


@control_routes.post("/control/revoke_key")
async def revoke_key(request: web.Request) -> web.Response:
    """Revoke a user's keys (or one ``key_id``) and close the sessions using them."""
    body = await ejson_body(request)
    server = rpc_server(request)
    user = next((u for u in server.state.users if u.username == body.get("username")), None)
    if user is None:
        msg = f"no user {body.get('username')!r}"
        raise LabError(msg, 404)
    key_id = body.get("key_id")
    keys = [key for key in user.api_keys if key_id is None or key.id == key_id]
    if not keys:
        msg = f"user {user.username!r} has no key {key_id!r}"
        raise LabError(msg, 404)
    closed = 0
    for key in keys:
        server.state.revoke_key(key, CONTROL_REVOKE_REASON)
        closed += await server.close_key_sessions(key)
    return ejson_response({"revoked": [key.id for key in keys], "closed_sessions": closed})


@control_routes.post("/control/user/{username}/roles")
async def set_roles(request: web.Request) -> web.Response:
    """Replace a user's roles (takes effect on the next call of every session)."""
    body = await ejson_body(request)
    server = rpc_server(request)
    name = request.match_info["username"]
    user = next((u for u in server.state.users if u.username == name), None)
    if user is None:
        msg = f"no user {name!r}"
        raise LabError(msg, 404)
    roles = body.get("roles")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        msg = "'roles' must be a list of role names"
        raise LabError(msg)
    user.roles = [role.upper() for role in roles]
    return ejson_response({"roles": user.roles})


@control_routes.post("/control/remote_clients")
async def remote_clients(request: web.Request) -> web.Response:
    """Treat clients as non-loopback (for the key-over-plain-ws trap)."""
    enabled = (await ejson_body(request)).get("enabled", True)
    if not isinstance(enabled, bool):
        msg = "'enabled' must be true or false"
        raise LabError(msg)
    rpc_server(request).state.faults.remote_clients = enabled
    return ejson_response({"remote_clients": enabled})


@control_routes.post("/control/method_error")
async def method_error(request: web.Request) -> web.Response:
    """Make a method fail: ``{"method": M, "errno": 14, "message": "...", "count": N}``."""
    body = await ejson_body(request)
    method, message = body.get("method"), body.get("message", "Injected failure")
    if not isinstance(method, str) or not isinstance(message, str):
        msg = "'method' and 'message' must be strings"
        raise LabError(msg)
    code = _count(body, "errno")
    fault = MethodFault(errno.EFAULT if code is None else code, message, _count(body, "count"))
    rpc_server(request).state.faults.method_errors[method] = fault
    return ejson_response({"method": method, **asdict(fault)})


@control_routes.delete("/control/method_error")
@control_routes.delete("/control/method_error/{method}")
async def clear_method_errors(request: web.Request) -> web.Response:
    """Stop injected method failures (one ``{method}`` or all)."""
    errors = rpc_server(request).state.faults.method_errors
    method = request.match_info.get("method")
    if method is None:
        errors.clear()
    elif errors.pop(method, None) is None:
        msg = f"no injected failure for {method!r}"
        raise LabError(msg, 404)
    return ejson_response({"ok": True})


# ---------------------------------------------------------------- observation


@control_routes.get("/control/calls")
async def get_calls(request: web.Request) -> web.Response:
    """Return the call log, optionally only ``?method=NAME``."""
    method = request.query.get("method")
    calls = [
        asdict(record)
        for record in rpc_server(request).state.call_log
        if method is None or record.method == method
    ]
    return ejson_response(calls)


@control_routes.delete("/control/calls")
async def clear_calls(request: web.Request) -> web.Response:
    """Clear the call log."""
    rpc_server(request).state.call_log.clear()
    return ejson_response({"ok": True})


@control_routes.get("/control/stats")
async def get_stats(request: web.Request) -> web.Response:
    """Return the counters."""
    return ejson_response(asdict(rpc_server(request).state.stats))


def build_control_app(server: RpcServer) -> web.Application:
    """Return the control application for a simulator's RPC server."""
    app = web.Application(middlewares=[_errors])
    app[RPC_SERVER_KEY] = server
    install_chaos(server)  # doctored replies for fault tests (labsim.chaos)
    app.router.add_routes(
        [
            *control_routes,
            *app_routes,
            *backup_routes,
            *chaos_routes,
            *nas_routes,
        ]
    )
    return app
