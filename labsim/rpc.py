"""The JSON-RPC 2.0 WebSocket session, as ``middlewared/api/base/server/ws_handler/rpc.py``.

Per connection the middleware:

* closes the socket when a message is too big: 8 KiB before login (close code 1007, "Anonymous
  connection max message length is 8 kB"), 64 KiB after (1009, "Max message length is 64 kB");
  non-text frames close it with 1003;
* answers unparsable JSON with -32700, a malformed request with -32600 (both with id null) and an
  unknown method with -32601;
* runs at most 10 calls at once and lets 10 more wait (``SoftHardSemaphore(10, 20)``): the 21st
  call in flight gets -32000 "Maximum number of concurrent calls (20) has exceeded";
* lets only login methods (rate limited per method and origin) and ``core.set_options`` through
  before login; anything else gets -32001 ``ENOTAUTHENTICATED`` "Not authenticated";
* serves on a legacy ``/api/<version>`` only the methods whose models that version has: a method
  the box has but that version does not define gets -32001 ``ENOMETHOD`` (``LegacyAPIMethod``),
  a method the box does not have at all -32601;
* delivers ``collection_update`` events for the collections a client subscribed to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
import contextlib
import copy
from dataclasses import dataclass, field
import errno
import functools
import ipaddress
import itertools
import logging
import time
from typing import TYPE_CHECKING, Any, Final
import uuid

from aiohttp import WSCloseCode, WSMsgType, web

from . import ejson
from .errors import (
    CALL_ERROR,
    ENOMETHOD,
    ENOTAUTHENTICATED,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    TOO_MANY_CONCURRENT_CALLS,
    CallError,
    exception_to_rpc,
    rpc_error,
    single_error,
)
from .faults import CallRecord
from .query import Entry, run_query
from .scenario import ApiKey, User, version_tuple

if TYPE_CHECKING:
    from asyncio import Transport

    from .events import Event
    from .state import LabState

_LOGGER = logging.getLogger(__name__)

UNAUTHENTICATED_LIMIT: Final = 8192
AUTHENTICATED_LIMIT: Final = 65536
EXTENDED_LIMIT: Final = 2097152
EXTENDED_METHODS: Final = frozenset({"filesystem.file_receive"})
REMOTE_ORIGIN: Final = "192.0.2.10"  # TEST-NET-1: what "remote clients" appear to come from
SECRET_KEYS: Final = frozenset({"api_key", "password", "otp_token", "token", "key", "passphrase"})
REDACTED: Final = "********"

_REQUEST_KEYS: Final = frozenset({"jsonrpc", "method", "params", "id"})


@dataclass(slots=True)
class CallContext:
    """What a method handler gets: its session, the lab and the call's params."""

    session: Session
    state: LabState
    method: str
    params: list[Any]
    after_reply: list[Callable[[], None]] = field(default_factory=list)


type Handler = Callable[[CallContext], Any | Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Method:
    """An API method: its handler and who may call it from which API version on."""

    handler: Handler
    max_args: int
    auth: bool = True
    """False for methods callable before login (``authentication_required=False``)."""
    rate_limit: bool = True
    """Whether unauthenticated calls count against the login rate limit."""
    role: str | None = None
    """The role needed to call it; None for ``authorization_required=False``."""
    since: str | None = None
    """The first release (of the box) that has it; its API model first appears in that version."""
    api_since: str | None = None
    """A method older boxes had without a model: the first API version whose models define it."""
    removed_in: str | None = None
    """The middleware's ``removed_in``: API versions from this one on do not list the method."""
    dropped_in: str | None = None
    """The first release (of the box) without the method, on every API version."""
    admin_only_since: str | None = None
    """From this release on a private method no role grants: FULL_ADMIN only."""

    def on_box(self, box: tuple[int, ...]) -> bool:
        """Return whether a box of that release has the method at all."""
        if self.since is not None and box < version_tuple(self.since):
            return False
        return self.dropped_in is None or box < version_tuple(self.dropped_in)

    def available_in(self, version: tuple[int, ...]) -> bool:
        """Return whether an API version lists the method (else -32601 "Method does not exist")."""
        return self.removed_in is None or version < version_tuple(self.removed_in)

    def missing_model(self, version: tuple[int, ...], box: tuple[int, ...]) -> bool:
        """Return whether a legacy API version lacks the method's model (``ENOMETHOD``).

        ``LegacyAPIMethod`` looks the method's argument model up in the API version of the socket
        before anything else; a method given its model in a later release than that version is
        refused with ``MethodNotFoundError`` (``[ENOMETHOD]``). Boxes older than that release
        still serve it the old way, without a model.
        """
        first = self.api_since or self.since
        if first is None:
            return False
        return version < version_tuple(first) <= box

    def role_on(self, box: tuple[int, ...]) -> str | None:
        """The role needed on a box of that release."""
        if self.admin_only_since is not None and box >= version_tuple(self.admin_only_since):
            return "FULL_ADMIN"
        return self.role


class MethodTable(dict[str, Method]):
    """A namespace's ``METHODS``, filled by ``@METHODS.register(...)`` on each handler.

    The registration stands over the handler it describes, so a method is one place to read; a
    handler serving several names (an old and a new one) carries one registration each.
    """

    def register[HandlerT: Handler](
        self, name: str, max_args: int, **options: Any
    ) -> Callable[[HandlerT], HandlerT]:
        """Serve ``name`` with the decorated handler; ``options`` are ``Method``'s other fields."""

        def add(handler: HandlerT) -> HandlerT:
            if name in self:
                msg = f"{name} is registered twice"
                raise ValueError(msg)
            self[name] = Method(handler, max_args, **options)
            return handler

        return add

    def query[RowsT: Callable[[CallContext], list[Entry]]](
        self, name: str, **options: Any
    ) -> Callable[[RowsT], RowsT]:
        """Serve the ``*.query`` method ``name`` from the decorated function's rows.

        Every query method takes ``[filters, options]`` and applies them alike (``run_query``);
        what differs is only the rows.
        """

        def add(rows: RowsT) -> RowsT:
            @functools.wraps(rows)
            def handler(ctx: CallContext) -> object:
                return run_query(rows(ctx), ctx.params)

            self.register(name, 2, **options)(handler)
            return rows

        return add


def is_loopback(host: str) -> bool:
    """Return whether ``host`` names the loopback interface (``localhost`` counts)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Which roles a role includes (``middlewared/role.py``; the same in 25.04, 25.10 and 26 for these).
ROLE_INCLUDES: Final[Mapping[str, tuple[str, ...]]] = {
    "ALERT_LIST_WRITE": ("ALERT_LIST_READ",),
    "ALERT_READ": ("ALERT_LIST_READ",),
    "ALERT_WRITE": ("ALERT_LIST_WRITE", "ALERT_READ"),
    "APPS_READ": ("CATALOG_READ",),
    "APPS_WRITE": ("CATALOG_WRITE", "APPS_READ"),
    "BOOT_ENV_WRITE": ("BOOT_ENV_READ",),
    "CATALOG_WRITE": ("CATALOG_READ",),
    "CERTIFICATE_WRITE": ("CERTIFICATE_READ",),
    "CLOUD_SYNC_WRITE": ("CLOUD_SYNC_READ",),
    "CONTAINER_WRITE": ("CONTAINER_READ",),
    "DISK_WRITE": ("DISK_READ",),
    "DATASET_WRITE": ("DATASET_READ",),
    "POOL_READ": ("POOL_SCRUB_READ",),
    "POOL_SCRUB_WRITE": ("POOL_SCRUB_READ",),
    "POOL_WRITE": ("POOL_READ", "POOL_SCRUB_WRITE"),
    "REPLICATION_TASK_WRITE": ("REPLICATION_TASK_READ",),
    "SERVICE_WRITE": ("SERVICE_READ",),
    "SNAPSHOT_TASK_WRITE": ("SNAPSHOT_TASK_READ",),
    "SNAPSHOT_WRITE": ("SNAPSHOT_READ",),
    "SYSTEM_GENERAL_WRITE": ("SYSTEM_GENERAL_READ",),
    "SYSTEM_UPDATE_WRITE": ("SYSTEM_UPDATE_READ",),
    "VIRT_INSTANCE_WRITE": ("VIRT_INSTANCE_READ",),
    "VM_WRITE": ("VM_READ",),
    "ZFS_RESOURCE_WRITE": ("ZFS_RESOURCE_READ",),
}


def has_role(roles: list[str], needed: str) -> bool:
    """Return whether ``roles`` grant ``needed``.

    FULL_ADMIN grants everything, READONLY_ADMIN every ``*_READ`` role, and a role the roles it
    includes (``POOL_READ`` includes ``POOL_SCRUB_READ``). Only FULL_ADMIN grants FULL_ADMIN.
    """
    if "FULL_ADMIN" in roles:
        return True
    seen: set[str] = set()
    todo = list(roles)
    while todo:
        role = todo.pop()
        if role in seen:
            continue
        seen.add(role)
        todo.extend(ROLE_INCLUDES.get(role, ()))
    return needed in seen or (needed.endswith("_READ") and "READONLY_ADMIN" in seen)


class SoftHardSemaphore:
    """``soft`` calls run at once; at most ``hard`` may be in flight (running or waiting)."""

    def __init__(self, soft: int, hard: int) -> None:
        """Create the semaphore."""
        self.hard = hard
        self.counter = 0
        self._soft = asyncio.Semaphore(soft)

    def try_enter(self) -> bool:
        """Take a slot in flight; False when ``hard`` are already taken."""
        if self.counter >= self.hard:
            return False
        self.counter += 1
        return True

    async def run(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """Wait for a running slot, then run ``call``; the caller entered first.

        ``call`` makes its coroutine only once it has a slot: a connection closed while the
        call waits leaves no coroutine behind that was never awaited.
        """
        try:
            async with self._soft:
                return await call()
        finally:
            self.counter -= 1


def redact(method: str, params: Any) -> Any:
    """Return params with secrets replaced, as the middleware's ``dump_args`` does."""
    if method == "auth.login_with_api_key" and isinstance(params, list) and params:
        return [REDACTED, *copy.deepcopy(params[1:])]

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: REDACTED if k in SECRET_KEYS else scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    return scrub(params)


def _request_problem(message: Mapping[str, Any]) -> str | None:
    """Check a request against the middleware's JSON schema; return jsonschema's message."""
    extra = sorted(set(message) - _REQUEST_KEYS)
    if extra:
        listed = ", ".join(repr(key) for key in extra)
        verb = "was" if len(extra) == 1 else "were"
        return f"Additional properties are not allowed ({listed} {verb} unexpected)"
    for key in ("jsonrpc", "method"):
        if key not in message:
            return f"{key!r} is a required property"
    if message["jsonrpc"] != "2.0":
        return f"{message['jsonrpc']!r} is not one of ['2.0']"
    if not isinstance(message["method"], str):
        return f"{message['method']!r} is not of type 'string'"
    if "params" in message and not isinstance(message["params"], list):
        return f"{message['params']!r} is not of type 'array'"
    id_ = message.get("id")
    if isinstance(id_, bool) or not (id_ is None or isinstance(id_, (int, float, str))):
        return f"{id_!r} is not of type 'null', 'number', 'string'"
    return None


class RpcServer:
    """All sessions of one simulator, with the method and event tables."""

    def __init__(
        self,
        state: LabState,
        methods: Mapping[str, Method],
        events: Mapping[str, str | None],
        *,
        tls: bool,
    ) -> None:
        """Create the hub; ``events`` maps event names to the role needed to subscribe."""
        self.state = state
        self.methods = methods
        self.events = events
        self.tls = tls
        self.sessions: set[Session] = set()
        self._ids = itertools.count(1)

    async def handle(self, request: web.Request, version: str) -> web.StreamResponse:
        """Serve one WebSocket connection on an ``/api/...`` path."""
        # A stalled middleware does not even answer the handshake.
        await self.state.faults.wait_unstalled()
        # permessage-deflate when the client offers it, as the middleware's
        # WebSocketResponse() does (aiohttp's default, compress=True).
        ws = web.WebSocketResponse(max_msg_size=EXTENDED_LIMIT + 4096, compress=True)
        await ws.prepare(request)
        session = Session(self, ws, request, version, next(self._ids))
        self.sessions.add(session)
        stats = self.state.stats
        stats.connections_total += 1
        stats.connections_open += 1
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
            stats.connections_open -= 1
        return ws

    def drop_all(self) -> int:
        """Cut every connection without a close frame; return how many there were."""
        sessions = list(self.sessions)
        for session in sessions:
            session.abort()
        return len(sessions)

    async def close_key_sessions(self, key: ApiKey) -> int:
        """Close the sessions logged in with ``key``; return how many there were."""
        sessions = [s for s in self.sessions if s.api_key is key]
        for session in sessions:
            await session.close(WSCloseCode.POLICY_VIOLATION, "API key revoked")
        return len(sessions)

    async def close_all(self) -> None:
        """Close every connection (server shutdown)."""
        for session in list(self.sessions):
            await session.close(WSCloseCode.GOING_AWAY, "Server shutdown")


class Session:
    """One WebSocket connection speaking JSON-RPC 2.0."""

    def __init__(
        self,
        server: RpcServer,
        ws: web.WebSocketResponse,
        request: web.Request,
        version: str,
        session_id: int,
    ) -> None:
        """Bind the session to its socket."""
        self.server = server
        self.state = server.state
        self.ws = ws
        self.id = session_id
        self.api_version = version
        self.version = version_tuple(version)
        self.peer = request.remote or "127.0.0.1"
        self.transport: Transport | None = request.transport
        self.user: User | None = None
        self.api_key: ApiKey | None = None
        self.options = {"legacy_jobs": True, "private_methods": False, "py_exceptions": False}
        self.subscriptions: dict[str, str] = {}
        settings = self.state.settings
        self.semaphore = SoftHardSemaphore(settings.max_running_calls, settings.max_calls)
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------ identity

    @property
    def box(self) -> tuple[int, ...]:
        """The release of the simulated box: its newest API version (``/api/current``)."""
        return version_tuple(self.state.scenario.current_version)

    @property
    def authenticated(self) -> bool:
        """Return whether a login succeeded on this connection."""
        return self.user is not None

    @property
    def origin(self) -> str:
        """Return the client address the middleware sees (faked when clients are "remote")."""
        return REMOTE_ORIGIN if self.state.faults.remote_clients else self.peer

    @property
    def secure_transport(self) -> bool:
        """TLS, or a loopback client: where an API key may be sent (``secure_transport``)."""
        return self.server.tls or is_loopback(self.origin)

    def login(self, user: User, key: ApiKey | None) -> None:
        """Mark the session as authenticated."""
        self.user = user
        self.api_key = key

    def logout(self) -> None:
        """Forget the login and every subscription."""
        self.user = None
        self.api_key = None
        self.subscriptions.clear()

    # ------------------------------------------------------------ sending

    def send(self, message: Mapping[str, Any]) -> None:
        """Queue a message; the writer sends queued messages in order."""
        self._outbox.put_nowait(ejson.dumps(message))

    async def _writer(self) -> None:
        faults = self.state.faults
        stats = self.state.stats
        while True:
            text = await self._outbox.get()
            # A stalled middleware sends nothing, not even events.
            await faults.wait_unstalled()
            if self.ws.closed:  # pragma: no cover - the peer left while we waited
                return
            try:
                await self.ws.send_str(text)
            except ConnectionError, RuntimeError:  # pragma: no cover - a race with the peer
                return
            stats.messages_sent += 1
            stats.bytes_sent += len(text.encode())

    def on_event(self, event: Event) -> None:
        """Forward an event when this session subscribed to its collection (or ``*``)."""
        if not any(name in (event.collection, "*") for name in self.subscriptions.values()):
            return
        self.state.stats.events_sent += 1
        self.send({"jsonrpc": "2.0", "method": "collection_update", "params": event.params()})

    def subscribe(self, name: str) -> str:
        """Subscribe to an event; return the subscription id."""
        ident = str(uuid.uuid4())
        self.subscriptions[ident] = name
        return ident

    def unsubscribe(self, ident: str) -> None:
        """Drop a subscription (unknown ids are ignored, as on a real system)."""
        self.subscriptions.pop(ident, None)

    def notify_unsubscribed(self, collection: str, error: dict[str, Any] | None) -> None:
        """Tell the client a subscription ended (``notify_unsubscribed``)."""
        self.send(
            {
                "jsonrpc": "2.0",
                "method": "notify_unsubscribed",
                "params": {"collection": collection, "error": error},
            }
        )

    # ------------------------------------------------------------ lifecycle

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        if self.transport is not None:
            self.transport.abort()

    async def close(self, code: int, message: str) -> None:
        """Close the WebSocket with a close frame."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close(code=code, message=message.encode())

    async def run(self) -> None:
        """Read messages until the connection ends."""
        self.state.add_listener(self.on_event)
        writer = asyncio.ensure_future(self._writer())
        try:
            await self._read_loop()
        finally:
            self.state.remove_listener(self.on_event)
            for task in [writer, *self._tasks]:
                task.cancel()
            await asyncio.gather(writer, *self._tasks, return_exceptions=True)

    async def _read_loop(self) -> None:
        faults = self.state.faults
        stats = self.state.stats
        async for msg in self.ws:
            # A stalled middleware reads nothing; the client's messages wait in the socket.
            await faults.wait_unstalled()
            if msg.type == WSMsgType.ERROR:  # pragma: no cover - aiohttp protocol errors
                break
            if msg.type != WSMsgType.TEXT:
                await self.close(
                    WSCloseCode.UNSUPPORTED_DATA, f"Invalid websocket message type: {msg.type!r}"
                )
                break
            data: str = msg.data
            stats.messages_received += 1
            stats.bytes_received += len(data.encode())
            if not self._size_ok(data, None):
                await self._close_too_big(data)
                break
            try:
                message = ejson.loads(data)
            except ValueError as err:
                self._reply_later(rpc_error(None, PARSE_ERROR, str(err)))
                continue
            if not isinstance(message, dict):
                text = (
                    "Batch messages are not supported yet"
                    if isinstance(message, list)
                    else "Invalid Message Format"
                )
                self._reply_later(rpc_error(None, PARSE_ERROR, text))
                continue
            if not self._size_ok(data, message.get("method")):
                await self._close_too_big(data)
                break
            self._dispatch(message)

    def _size_ok(self, data: str, method: object) -> bool:
        # Like parse_message(): the anonymous limit first, then (after parsing) the 64 KiB one.
        if not self.authenticated and len(data) > UNAUTHENTICATED_LIMIT:
            return False
        if method is None:
            return len(data) <= EXTENDED_LIMIT
        return method in EXTENDED_METHODS or len(data) <= AUTHENTICATED_LIMIT

    async def _close_too_big(self, data: str) -> None:
        if not self.authenticated and len(data) > UNAUTHENTICATED_LIMIT:
            await self.close(
                WSCloseCode.INVALID_TEXT, "Anonymous connection max message length is 8 kB"
            )
        else:
            await self.close(WSCloseCode.MESSAGE_TOO_BIG, "Max message length is 64 kB")

    # ------------------------------------------------------------ calls

    def _reply_later(self, message: Mapping[str, Any]) -> None:
        """Send a reply, after the injected reply delay."""
        delay = self.state.faults.reply_delay
        if delay <= 0:
            self.send(message)
            return

        async def delayed() -> None:
            await asyncio.sleep(delay)
            self.send(message)

        self._spawn(delayed())

    def _dispatch(self, message: dict[str, Any]) -> None:
        problem = _request_problem(message)
        if problem is not None:
            self._reply_later(rpc_error(None, INVALID_REQUEST, problem))
            return
        id_ = message.get("id")
        name: str = message["method"]
        params: list[Any] = message.get("params", [])
        stats = self.state.stats
        stats.rpc_calls += 1
        self.state.call_log.append(self._record(id_, name, params))
        method = self.server.methods.get(name)
        if method is None or not method.on_box(self.box) or not method.available_in(self.version):
            stats.rpc_errors += 1
            self._reply_later(rpc_error(id_, METHOD_NOT_FOUND, "Method does not exist"))
            return
        if not self.semaphore.try_enter():
            stats.rpc_errors += 1
            hard = self.semaphore.hard
            self.send(
                rpc_error(
                    id_,
                    TOO_MANY_CONCURRENT_CALLS,
                    f"Maximum number of concurrent calls ({hard}) has exceeded",
                )
            )
            return
        self._spawn(self.semaphore.run(lambda: self._call(id_, name, method, params)))

    def _record(self, id_: Any, name: str, params: list[Any]) -> CallRecord:
        return CallRecord(time.time(), self.id, id_, name, redact(name, params))

    async def _call(self, id_: Any, name: str, method: Method, params: list[Any]) -> None:
        # A hung middleware takes the call and does nothing with it (not even a login count).
        await self.state.faults.hang_gate.wait()
        delay = self.state.faults.reply_delay
        if delay > 0:
            # A slow server keeps the call slot busy while it works.
            await asyncio.sleep(delay)
        context = CallContext(self, self.state, name, params)
        try:
            if method.missing_model(self.version, self.box):
                service, _, short = name.rpartition(".")
                raise CallError(  # noqa: TRY301 - same error path as handlers
                    f"Method {short!r} not found in {service!r}", ENOMETHOD
                )
            await self._authorize(name, method)
            if (fault := self.state.faults.take_method_error(name)) is not None:
                raise CallError(fault.message, fault.errno)  # noqa: TRY301 - injected failure
            if len(params) > method.max_args:
                expected, found = method.max_args, len(params)
                msg = f"Too many arguments (expected {expected}, found {found})"
                raise single_error("", msg)  # noqa: TRY301 - same error path as handlers
            result = method.handler(context)
            if isinstance(result, Awaitable):
                result = await result
        except Exception as err:
            self.state.stats.rpc_errors += 1
            reply = exception_to_rpc(id_, err)
            if reply["error"]["code"] == CALL_ERROR and not isinstance(err, CallError):
                _LOGGER.debug("Exception while calling %s", name, exc_info=err)
            self.send(reply)
            return
        self.send({"jsonrpc": "2.0", "result": result, "id": id_})
        for callback in context.after_reply:
            callback()

    async def _authorize(self, name: str, method: Method) -> None:
        """Apply ``authorize_method_call``: login gate, login rate limit, roles."""
        if not method.auth:
            if self.authenticated or not method.rate_limit:
                return
            if not self.state.login_allowed(name, self.origin):
                raise CallError("Rate Limit Exceeded", errno.EBUSY)
            return
        if self.user is None:
            raise CallError("Not authenticated", ENOTAUTHENTICATED)
        role = method.role_on(self.box)
        if role is not None and not has_role(self.user.roles, role):
            raise CallError("Not authorized", errno.EACCES)
