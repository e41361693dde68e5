"""Async TrueNAS SCALE client: JSON-RPC 2.0 over one persistent WebSocket.

The connection state machine lives here in one place:
    connect -> login -> (subscriptions restored) -> connected
    socket lost -> pending calls fail -> reconnect with a short, capped backoff and jitter
Everything else (calls, queries, typed helpers) is plain request/response on top of it.

Liveness: a WebSocket ping only shows that something answers pings (nginx, a middleware whose
call handling is stuck). While connected, the client therefore calls `core.ping` whenever no
call has been answered for `liveness_interval` seconds; no answer within `liveness_timeout`
drops the socket, which fails the pending calls and reconnects. A silent or stalled server is
noticed within `liveness_interval + liveness_timeout` (14 s by default).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
import errno
import ipaddress
import json
import logging
import random
import ssl
from typing import Any, Self

import aiohttp
from yarl import URL

from ._parse import as_dict, as_list
from .apps import APP_SELECT, App
from .backups import parse_version
from .events import server_event_name
from .exceptions import (
    TrueNASApiVersionError,
    TrueNASAuthenticationError,
    TrueNASCallError,
    TrueNASCertificateChangedError,
    TrueNASConnectionError,
    TrueNASError,
    TrueNASInsecureTransportError,
    TrueNASInvalidResponseError,
    TrueNASMethodNotFoundError,
    TrueNASSSLError,
    TrueNASTimeoutError,
    TrueNASTooManyCallsError,
)
from .models import Alert, Event, Job, Pool, SystemInfo

_LOGGER = logging.getLogger(__name__)

# The middleware runs 10 calls per connection at once and queues 20 more; staying at 10 in
# flight means we never see -32000.
MAX_CALLS_IN_FLIGHT = 10
# Server replies are unbounded (an unfiltered dataset query broke 1 MiB clients).
RECEIVE_LIMIT = 64 * 1024 * 1024
# Client->server message limits of the middleware.
SEND_LIMIT_BEFORE_LOGIN = 8 * 1024
SEND_LIMIT_AFTER_LOGIN = 64 * 1024
HTTP_NOT_FOUND = 404
# permessage-deflate with a 32 KiB window (RFC 7692), offered at the handshake. The middleware's
# aiohttp WebSocketResponse accepts it (its default, compress=True) and nginx passes the header
# through; replies are repetitive JSON and shrink several times. A server that does not answer
# the offer gets an uncompressed socket.
WS_COMPRESS = 15
# nginx closes an idle /api socket after an hour; a ping keeps it and detects dead peers.
HEARTBEAT_SECONDS = 30.0
# Application-level liveness (see the module docstring): unanswered calls for this long ...
# (10 s: about 6 pings a minute on an idle connection, so the whole integration stays under
# 10 calls a minute; see scripts/bench)
LIVENESS_INTERVAL = 10.0
# ... and `core.ping` unanswered for this long drops the socket: an outage shows within 14 s.
LIVENESS_TIMEOUT = 4.0
# Reconnect attempts: a short cap, so that a server that answers again is back within seconds.
RECONNECT_MIN_DELAY = 0.5
RECONNECT_MAX_DELAY = 2.0
# One reconnect attempt (socket, TLS, login) gives up after this long.
RECONNECT_ATTEMPT_TIMEOUT = 5.0
# After EBUSY (the middleware's login rate limit: 20 logins a minute) wait out its window.
LOGIN_RATE_LIMIT_WAIT = 60.0

EventCallback = Callable[[Event], None]


class ConnectionState(StrEnum):
    """What connection listeners are told."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    AUTH_FAILED = "auth_failed"
    # The server presented a certificate other than the pinned one: stopped, like AUTH_FAILED.
    CERTIFICATE_CHANGED = "certificate_changed"


ConnectionListener = Callable[[ConnectionState], None]


def is_loopback(host: str) -> bool:
    """True for localhost and loopback IP literals (the only hosts plain ws:// may carry a key to)."""
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(slots=True)
class _Subscription:
    name: str
    callbacks: list[EventCallback] = field(default_factory=list)
    server_id: str | None = None
    # The name the server registers the event under (see `events.server_event_name`).
    server_name: str = ""
    # The server refused it (EACCES): no role of the key's user grants it.
    denied: bool = False


class TrueNASClient:
    """A TrueNAS SCALE JSON-RPC client on an injected aiohttp session."""

    def __init__(
        self,
        host: str,
        *,
        username: str,
        api_key: str,
        session: aiohttp.ClientSession,
        port: int | None = None,
        use_ssl: bool = True,
        verify_ssl: bool = True,
        ssl_context: ssl.SSLContext | None = None,
        certificate_sha256: str | None = None,
        request_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        api_version: str = "current",
        reconnect_min_delay: float = RECONNECT_MIN_DELAY,
        reconnect_max_delay: float = RECONNECT_MAX_DELAY,
        reconnect_timeout: float = RECONNECT_ATTEMPT_TIMEOUT,
        liveness_interval: float = LIVENESS_INTERVAL,
        liveness_timeout: float = LIVENESS_TIMEOUT,
    ) -> None:
        """Configure the client; nothing is sent until `connect()`."""
        self.host = host
        self.port = port or (443 if use_ssl else 80)
        self.use_ssl = use_ssl
        self._username = username
        self._api_key = api_key
        self._session = session
        self._ssl: ssl.SSLContext | bool | aiohttp.Fingerprint = (
            ssl_context if ssl_context is not None else verify_ssl
        )
        # A pinned certificate (SHA-256 of its DER, hex): every connection accepts only it.
        self.certificate_sha256 = certificate_sha256
        if certificate_sha256:
            self._ssl = aiohttp.Fingerprint(bytes.fromhex(certificate_sha256))
        # Set when the server presented another certificate; the client has stopped.
        self.certificate_error: TrueNASCertificateChangedError | None = None
        self.request_timeout = request_timeout
        self.connect_timeout = connect_timeout
        self.api_version = api_version
        self.reconnect_min_delay = reconnect_min_delay
        self.reconnect_max_delay = reconnect_max_delay
        self.reconnect_timeout = reconnect_timeout
        self.liveness_interval = liveness_interval
        self.liveness_timeout = liveness_timeout

        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._reconnector: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._retry_at: float | None = None
        # loop.time() of the last reply to a call: what the liveness check goes by.
        self._last_reply = 0.0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 0
        self._slots = asyncio.Semaphore(MAX_CALLS_IN_FLIGHT)
        self._subscriptions: dict[str, _Subscription] = {}
        self._job_waiters: dict[int, list[asyncio.Future[Job]]] = {}
        self._listeners: list[ConnectionListener] = []
        self._denied_listeners: list[Callable[[str], None]] = []
        self._version_listeners: list[Callable[[list[str], str | None], None]] = []
        self._subscription_listeners: list[Callable[[str, bool], None]] = []
        # `system.info` `version`, once read: names events when no API version is pinned.
        self.software_version: str | None = None
        # Picks the API version to pin from `/api/versions` when the pinned one disappears
        # (None: fall back to /api/current).
        self.version_chooser: Callable[[list[str]], str | None] | None = None
        self._logged_in = False
        self._connected = False
        self._closing = False

    # ----------------------------------------------------------------- addresses

    @property
    def base_url(self) -> URL:
        """The server's HTTP(S) root."""
        return URL.build(scheme="https" if self.use_ssl else "http", host=self.host, port=self.port)

    @property
    def ws_url(self) -> URL:
        """The JSON-RPC WebSocket endpoint."""
        return URL.build(
            scheme="wss" if self.use_ssl else "ws",
            host=self.host,
            port=self.port,
            path=f"/api/{self.api_version}",
        )

    @property
    def connected(self) -> bool:
        """True while logged in on a live socket."""
        return self._connected

    @property
    def retry_at(self) -> float | None:
        """`loop.time()` of the next reconnect attempt while waiting for it, else None."""
        return self._retry_at

    # --------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> Self:
        """Connect on entry."""
        await self.connect()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Close on exit."""
        await self.close()

    def _check_transport(self) -> None:
        # TrueNAS revokes a key that logs in over plain HTTP from a non-loopback address.
        if not self.use_ssl and not is_loopback(self.host):
            msg = (
                f"refusing to send an API key over plain ws:// to {self.host}: "
                "TrueNAS revokes keys used without TLS"
            )
            raise TrueNASInsecureTransportError(msg)

    async def connect(self) -> None:
        """Open the socket and log in; afterwards the client reconnects by itself."""
        self._check_transport()
        self._closing = False
        await self._open(self.connect_timeout)
        self._set_connected(ConnectionState.CONNECTED)

    async def close(self) -> None:
        """Close the socket and stop reconnecting. The injected session is left open."""
        self._closing = True
        if self._reconnector is not None:
            self._reconnector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnector
            self._reconnector = None
        self._stop_watchdog()
        await self._drop_socket()
        self._fail_pending(TrueNASConnectionError("client closed"))
        self._connected = False

    def add_connection_listener(self, listener: ConnectionListener) -> Callable[[], None]:
        """Call `listener` when the connection is lost, restored, or the key is refused."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def add_denied_listener(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call `listener(method)` when the server refuses a method for lack of a role (EACCES)."""
        self._denied_listeners.append(listener)
        return lambda: self._denied_listeners.remove(listener)

    def _denied(self, method: str) -> None:
        for listener in list(self._denied_listeners):
            try:
                listener(method)
            except Exception:
                _LOGGER.exception("Denied-call listener failed")

    def _set_connected(self, state: ConnectionState) -> None:
        self._connected = state is ConnectionState.CONNECTED
        if self._connected and (self._watchdog is None or self._watchdog.done()):
            self._watchdog = asyncio.create_task(self._watch(), name="truenas-liveness")
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception:
                _LOGGER.exception("Connection listener failed")

    async def _open(self, timeout: float) -> None:
        """Connect, start the reader, log in. Cleans up after itself on failure."""
        try:
            async with asyncio.timeout(timeout):
                ws = await self._session.ws_connect(
                    self.ws_url,
                    ssl=self._ssl,
                    max_msg_size=RECEIVE_LIMIT,
                    heartbeat=HEARTBEAT_SECONDS,
                    autoping=True,
                    compress=WS_COMPRESS,
                )
        except aiohttp.ServerFingerprintMismatch as err:
            raise self._certificate_changed(err) from err
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as err:
            msg = f"TLS handshake with {self.host} failed: {err}"
            raise TrueNASSSLError(msg) from err
        except aiohttp.WSServerHandshakeError as err:
            msg = f"{self.ws_url} refused the WebSocket upgrade (HTTP {err.status})"
            if err.status == HTTP_NOT_FOUND and self.api_version != "current":
                raise TrueNASApiVersionError(msg) from err
            raise TrueNASConnectionError(msg) from err
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            msg = f"cannot connect to {self.host}:{self.port}: {err or type(err).__name__}"
            raise TrueNASConnectionError(msg) from err
        self._ws = ws
        self._logged_in = False
        self._reader = asyncio.create_task(self._read_loop(ws), name="truenas-reader")
        try:
            await self._login(timeout)
        except BaseException:
            await self._drop_socket()
            raise

    def _certificate_changed(
        self, err: aiohttp.ServerFingerprintMismatch
    ) -> TrueNASCertificateChangedError:
        expected = self.certificate_sha256 or err.expected.hex()
        presented = err.got.hex() if isinstance(err.got, bytes) else None
        msg = f"{self.host} presented a certificate other than the pinned one"
        self.certificate_error = TrueNASCertificateChangedError(
            msg, expected=expected, presented=presented
        )
        return self.certificate_error

    async def _login(self, timeout: float | None = None) -> None:
        result = await self.call(
            "auth.login_ex",
            [
                {
                    "mechanism": "API_KEY_PLAIN",
                    "username": self._username,
                    "api_key": self._api_key,
                    "login_options": {"user_info": False},
                }
            ],
            timeout=timeout or self.connect_timeout,
            _before_login=True,
        )
        response_type = as_dict(result, "auth.login_ex").get("response_type")
        if response_type == "SUCCESS":
            self._logged_in = True
            return
        if isinstance(response_type, str):
            msg = f"TrueNAS refused the API key ({response_type})"
            raise TrueNASAuthenticationError(msg, response_type=response_type)
        msg = "auth.login_ex returned no response_type"
        raise TrueNASInvalidResponseError(msg, payload=result)

    async def _drop_socket(self) -> None:
        ws, self._ws = self._ws, None
        self._logged_in = False
        # Stop the reader before closing: a read racing close() re-arms aiohttp's heartbeat.
        reader, self._reader = self._reader, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        if ws is not None and not ws.closed:
            with contextlib.suppress(Exception):
                await ws.close()

    # ----------------------------------------------------------------- reading

    async def _read_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        # The code of the server's close frame: `ws.close_code` may read 1006 instead when the
        # TLS shutdown that follows goes wrong.
        close_code: int | None = None
        try:
            while True:
                message = await ws.receive()
                if message.type is aiohttp.WSMsgType.TEXT:
                    self._handle_text(message.data)
                elif message.type is aiohttp.WSMsgType.CLOSE:
                    close_code = message.data if isinstance(message.data, int) else None
                    break
                elif message.type is aiohttp.WSMsgType.ERROR:
                    _LOGGER.debug("WebSocket error: %s", ws.exception())
                    break
                elif message.type in (aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    break
        except Exception:  # pragma: no cover - aiohttp surfaces errors as messages
            _LOGGER.debug("Reader stopped", exc_info=True)
        finally:
            if self._ws is ws:
                self._ws = None
            self._on_socket_lost(close_code if close_code is not None else ws.close_code)

    def _on_socket_lost(self, close_code: int | None) -> None:
        self._fail_pending(TrueNASConnectionError("connection to TrueNAS lost"))
        self._logged_in = False
        self._stop_watchdog()
        if self._closing or not self._connected:
            # Lost during connect()/close(): the caller handles it.
            return
        _LOGGER.debug("Socket closed (code %s)", close_code)
        # Closed for a policy violation (a revoked key, a session ended on the server): try
        # once at once before telling anyone, so that a refused key is reported as that and
        # not as an outage that is being reconnected.
        policy = close_code == aiohttp.WSCloseCode.POLICY_VIOLATION
        if policy:
            self._connected = False
        else:
            self._set_connected(ConnectionState.DISCONNECTED)
        if self._reconnector is None or self._reconnector.done():
            self._reconnector = asyncio.create_task(
                self._reconnect(announced=not policy), name="truenas-reconnect"
            )

    # ---------------------------------------------------------------- liveness

    def _stop_watchdog(self) -> None:
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog is not asyncio.current_task():
            watchdog.cancel()

    def _live(self) -> bool:
        return self._connected and not self._closing

    async def _watch(self) -> None:
        """While connected: `core.ping` whenever no call was answered for a while."""
        loop = asyncio.get_running_loop()
        self._last_reply = loop.time()
        while self._live():
            idle = loop.time() - self._last_reply
            if idle < self.liveness_interval:
                await asyncio.sleep(self.liveness_interval - idle)
                continue
            try:
                await self.call("core.ping", timeout=self.liveness_timeout, _priority=True)
            except TrueNASTimeoutError:
                if not self._live():
                    return
                _LOGGER.debug(
                    "TrueNAS %s answered no call for %.0f s; dropping the connection",
                    self.host,
                    loop.time() - self._last_reply,
                )
                # The reader's end reports the outage and starts reconnecting; this task ends
                # here (so nobody needs to cancel it).
                self._watchdog = None
                await self._drop_socket()
                return
            except TrueNASError as err:
                # The socket is gone (the reader reports it) or the server answered with an
                # error, which is an answer all the same.
                _LOGGER.debug("Liveness check: %s", err)
                if not self._live():
                    return
                self._last_reply = loop.time()

    def _handle_text(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            _LOGGER.warning("TrueNAS sent a frame that is not JSON; ignored")
            return
        if not isinstance(message, dict):
            _LOGGER.warning("TrueNAS sent a JSON-RPC message that is not an object; ignored")
            return
        method = message.get("method")
        if method == "collection_update":
            self._dispatch_event(message.get("params"))
        elif method == "notify_unsubscribed":
            params = message.get("params")
            collection = params.get("collection") if isinstance(params, dict) else None
            _LOGGER.warning("TrueNAS ended the subscription to %s", collection)
            subscription = self._subscription_for(collection)
            if subscription is not None:
                subscription.server_id = None
        elif "id" in message:
            self._resolve(message)

    def _resolve(self, message: dict[str, Any]) -> None:
        self._last_reply = asyncio.get_running_loop().time()
        future = self._pending.pop(message["id"], None) if isinstance(message["id"], int) else None
        if future is None or future.done():
            return
        if "error" in message:
            future.set_exception(_call_error(message["error"]))
        elif "result" in message:
            future.set_result(message["result"])
        else:
            future.set_exception(
                TrueNASInvalidResponseError("reply has neither result nor error", payload=message)
            )

    def _dispatch_event(self, params: Any) -> None:
        try:
            event = Event.from_params(params)
        except TrueNASInvalidResponseError:
            _LOGGER.debug("Malformed collection_update ignored: %r", params)
            return
        if event.collection == "core.get_jobs":
            self._job_event(event)
        subscription = self._subscription_for(event.collection)
        if subscription is None:
            return
        for callback in list(subscription.callbacks):
            try:
                callback(event)
            except Exception:
                _LOGGER.exception("Event callback for %s failed", event.collection)

    def _fail_pending(self, error: TrueNASError) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)
        for waiters in self._job_waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(error)
        self._job_waiters.clear()

    # --------------------------------------------------------------- reconnect

    def _backoff(self, attempt: int) -> float:
        delay = min(self.reconnect_max_delay, self.reconnect_min_delay * 2**attempt)
        # Full jitter on the upper half keeps many clients from reconnecting in lockstep.
        return float(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not cryptography

    async def _reconnect(self, *, announced: bool = True) -> None:
        """Reconnect until it works, the key is refused, or the client is closed.

        `announced=False`: the loss was not reported yet (see `_on_socket_lost`); the first
        attempt is made at once and the outage is reported only if it fails.
        """
        attempt = 0
        delay = self._backoff(attempt) if announced else 0.0
        loop = asyncio.get_running_loop()
        while not self._closing:
            self._retry_at = loop.time() + delay
            try:
                await asyncio.sleep(delay)
            finally:
                self._retry_at = None
            attempt += 1
            delay = self._backoff(attempt)
            try:
                await self._open(min(self.connect_timeout, self.reconnect_timeout))
                await self._restore_subscriptions()
            except TrueNASAuthenticationError:
                _LOGGER.debug("Reconnect refused: API key no longer accepted")
                await self._drop_socket()
                self._set_connected(ConnectionState.AUTH_FAILED)
                return
            except TrueNASCertificateChangedError:
                # Not another attempt: the key must not go to whoever now holds the address.
                _LOGGER.debug("Reconnect refused: %s presented another certificate", self.host)
                await self._drop_socket()
                self._set_connected(ConnectionState.CERTIFICATE_CHANGED)
                return
            except TrueNASApiVersionError:
                # The NAS was upgraded and dropped the version we pinned: pick another one.
                await self._drop_socket()
                await self._repin()
                delay = 0.0
                continue
            except TrueNASError as err:
                _LOGGER.debug("Reconnect attempt %s failed: %s", attempt, err)
                await self._drop_socket()
                if isinstance(err, TrueNASCallError) and err.errno == errno.EBUSY:
                    # The login rate limit: only waiting out its window lets us in again.
                    delay = LOGIN_RATE_LIMIT_WAIT
                if not announced:
                    announced = True
                    self._set_connected(ConnectionState.DISCONNECTED)
                continue
            self._set_connected(ConnectionState.CONNECTED)
            return

    def add_version_listener(
        self, listener: Callable[[list[str], str | None], None]
    ) -> Callable[[], None]:
        """Call `listener(served, chosen)` when the client pins another API version."""
        self._version_listeners.append(listener)
        return lambda: self._version_listeners.remove(listener)

    async def _repin(self) -> None:
        try:
            served = await self.api_versions()
        except TrueNASError as err:
            _LOGGER.debug("Reading the served API versions failed: %s", err)
            return
        chosen = self.version_chooser(served) if self.version_chooser is not None else None
        _LOGGER.info(
            "TrueNAS %s no longer serves API %s; now using %s",
            self.host,
            self.api_version,
            chosen or "its current API",
        )
        self.api_version = chosen or "current"
        for listener in list(self._version_listeners):
            try:
                listener(served, chosen)
            except Exception:
                _LOGGER.exception("API version listener failed")

    async def _restore_subscriptions(self) -> None:
        # A refused one does not fail the reconnect: it is reported and left to polling.
        for subscription in list(self._subscriptions.values()):
            subscription.server_id = None
            await self._subscribe_on_server(subscription)

    # ------------------------------------------------------------------- calls

    async def call(
        self,
        method: str,
        params: list[Any] | None = None,
        *,
        timeout: float | None = None,
        _before_login: bool = False,
        _priority: bool = False,
    ) -> Any:
        """Call a JSON-RPC method and return its result.

        Raises TrueNASConnectionError (incl. timeout), TrueNASCallError and its leaves.
        `_priority` (the liveness check) skips the queue of calls waiting for a slot.
        """
        ws = self._ws
        if ws is None or ws.closed or not (self._logged_in or _before_login):
            msg = "not connected to TrueNAS"
            raise TrueNASConnectionError(msg)
        self._next_id += 1
        call_id = self._next_id
        payload = json.dumps(
            {"jsonrpc": "2.0", "id": call_id, "method": method, "params": params or []},
            separators=(",", ":"),
        )
        limit = SEND_LIMIT_AFTER_LOGIN if self._logged_in else SEND_LIMIT_BEFORE_LOGIN
        if len(payload.encode()) > limit:
            msg = f"{method} request is larger than the server accepts ({limit} bytes)"
            raise TrueNASError(msg)
        async with contextlib.nullcontext() if _priority else self._slots:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._pending[call_id] = future
            try:
                async with asyncio.timeout(timeout or self.request_timeout):
                    await ws.send_str(payload)
                    return await future
            except TimeoutError as err:
                msg = f"{method} got no reply in {timeout or self.request_timeout} s"
                raise TrueNASTimeoutError(msg) from err
            except TrueNASCallError as err:
                if err.not_authorized and method != "core.subscribe":
                    # A refused subscription is reported per event (add_subscription_listener).
                    self._denied(method)
                raise
            except (aiohttp.ClientError, ConnectionError, RuntimeError) as err:
                msg = f"sending {method} failed: {err}"
                raise TrueNASConnectionError(msg) from err
            finally:
                self._pending.pop(call_id, None)

    async def query(
        self,
        method: str,
        filters: list[Any] | None = None,
        *,
        select: list[str] | None = None,
        order_by: list[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        count: bool = False,
        get: bool = False,
        extra: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Call a `*.query` method with filters and options."""
        options: dict[str, Any] = {}
        if select is not None:
            options["select"] = select
        if order_by is not None:
            options["order_by"] = order_by
        if limit is not None:
            options["limit"] = limit
        if offset is not None:
            options["offset"] = offset
        if count:
            options["count"] = True
        if get:
            options["get"] = True
        if extra is not None:
            options["extra"] = extra
        return await self.call(method, [filters or [], options], timeout=timeout)

    # ----------------------------------------------------------- subscriptions

    @property
    def release(self) -> tuple[int, int] | None:
        """The TrueNAS release whose event names the server uses, if known.

        That of the pinned API version (the newest the server serves that Home Lab supports),
        or with `/api/current` that of `system.info` once read.
        """
        if self.api_version != "current":
            return parse_version(self.api_version)
        return parse_version(self.software_version)

    def event_name(self, name: str) -> str:
        """The name the server knows the event `name` (a 26 name) by."""
        return server_event_name(name, self.release)

    def _subscription_for(self, collection: Any) -> _Subscription | None:
        if not isinstance(collection, str):
            return None
        subscription = self._subscriptions.get(collection)
        if subscription is not None:
            return subscription
        for subscription in self._subscriptions.values():
            if subscription.server_name == collection:
                return subscription
        return None

    async def _subscribe_on_server(self, subscription: _Subscription) -> None:
        """Subscribe on the server; a refusal for lack of a role is recorded, not raised."""
        server_name = self.event_name(subscription.name)
        try:
            server_id = await self.call("core.subscribe", [server_name])
        except TrueNASCallError as err:
            if not err.not_authorized:
                raise
            _LOGGER.debug("TrueNAS %s refused the subscription to %s", self.host, server_name)
            subscription.server_name = server_name
            self._set_denied(subscription, denied=True)
            return
        if not isinstance(server_id, str):
            msg = "core.subscribe did not return an id"
            raise TrueNASInvalidResponseError(msg, payload=server_id)
        subscription.server_name = server_name
        subscription.server_id = server_id
        self._set_denied(subscription, denied=False)

    def _set_denied(self, subscription: _Subscription, *, denied: bool) -> None:
        if subscription.denied == denied and not denied:
            return
        subscription.denied = denied
        for listener in list(self._subscription_listeners):
            try:
                listener(subscription.server_name, denied)
            except Exception:
                _LOGGER.exception("Subscription listener failed")

    def add_subscription_listener(
        self, listener: Callable[[str, bool], None]
    ) -> Callable[[], None]:
        """Call `listener(server_name, denied)` when a subscription is refused or accepted again.

        `denied` is True when the server refused it for lack of a role (EACCES), False when one
        refused before is accepted (after a reconnect).
        """
        self._subscription_listeners.append(listener)
        return lambda: self._subscription_listeners.remove(listener)

    def subscription_denied(self, name: str) -> bool:
        """True while the server refuses the subscription to `name` (the caller should poll)."""
        subscription = self._subscriptions.get(name)
        return subscription is not None and subscription.denied

    async def subscribe(self, name: str, callback: EventCallback) -> Callable[[], Awaitable[None]]:
        """Receive `collection_update` events of `name`; kept across reconnects.

        `name` is the event's 26 name; the server gets the name its release uses. A refusal for
        lack of a role (EACCES) does not raise: it is reported to the subscription listeners,
        `subscription_denied(name)` turns true, and every reconnect tries again. Returns a
        coroutine function that removes the callback (and the server-side subscription once no
        callback is left).
        """
        subscription = self._subscriptions.get(name)
        if subscription is None:
            # The callback is in place before the server's reply: an event source sends its
            # first event right after it (`reporting.realtime`, `app.stats`), which would
            # otherwise reach a subscription with no callback yet and be lost.
            subscription = _Subscription(name, callbacks=[callback])
            self._subscriptions[name] = subscription
            try:
                await self._subscribe_on_server(subscription)
            except BaseException:
                del self._subscriptions[name]
                raise
        else:
            subscription.callbacks.append(callback)

        async def unsubscribe() -> None:
            if callback in subscription.callbacks:
                subscription.callbacks.remove(callback)
            if subscription.callbacks or self._subscriptions.get(name) is not subscription:
                return
            del self._subscriptions[name]
            if subscription.server_id is not None and self._connected:
                with contextlib.suppress(TrueNASError):
                    await self.call("core.unsubscribe", [subscription.server_id])

        return unsubscribe

    @property
    def subscriptions(self) -> dict[str, str | None]:
        """Event name, as the server knows it -> server subscription id (for diagnostics)."""
        return {sub.server_name or name: sub.server_id for name, sub in self._subscriptions.items()}

    # -------------------------------------------------------------------- jobs

    def _job_event(self, event: Event) -> None:
        job = Job.from_event(event)
        if job is not None and job.finished:
            for waiter in self._job_waiters.pop(job.id, []):
                if not waiter.done():
                    waiter.set_result(job)

    async def _ensure_job_subscription(self) -> None:
        if "core.get_jobs" not in self._subscriptions:
            await self.subscribe("core.get_jobs", lambda _event: None)

    async def get_job(self, job_id: int) -> Job | None:
        """One job by id, or None if the server no longer knows it."""
        result = as_list(await self.call("core.get_jobs", [[["id", "=", job_id]]]), "jobs")
        return Job.from_dict(result[0]) if result else None

    async def wait_for_job(self, job_id: int, *, timeout: float | None = None) -> Job:
        """Follow a job through `core.get_jobs` events until SUCCESS, FAILED or ABORTED."""
        await self._ensure_job_subscription()
        future: asyncio.Future[Job] = asyncio.get_running_loop().create_future()
        self._job_waiters.setdefault(job_id, []).append(future)
        try:
            # The job may have finished before the subscription existed.
            job = await self.get_job(job_id)
            if job is not None and job.finished:
                return job
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError as err:
            msg = f"job {job_id} did not finish in {timeout} s"
            raise TrueNASTimeoutError(msg) from err
        finally:
            waiters = self._job_waiters.get(job_id, [])
            if future in waiters:
                waiters.remove(future)
            if not waiters:
                self._job_waiters.pop(job_id, None)

    # ------------------------------------------------------------ typed helpers

    async def api_versions(self) -> list[str]:
        """The API versions the server serves (`GET /api/versions`); no login needed."""
        url = self.base_url / "api" / "versions"
        try:
            async with asyncio.timeout(self.connect_timeout):
                response = await self._session.get(url, ssl=self._ssl)
                response.raise_for_status()
                data = await response.json(content_type=None)
        except aiohttp.ServerFingerprintMismatch as err:
            raise self._certificate_changed(err) from err
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as err:
            msg = f"TLS handshake with {self.host} failed: {err}"
            raise TrueNASSSLError(msg) from err
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            msg = f"cannot read {url}: {err or type(err).__name__}"
            raise TrueNASConnectionError(msg) from err
        except ValueError as err:
            msg = "/api/versions is not JSON"
            raise TrueNASInvalidResponseError(msg) from err
        versions = as_list(data, "/api/versions")
        if not all(isinstance(version, str) for version in versions):
            msg = "/api/versions holds a non-string"
            raise TrueNASInvalidResponseError(msg, payload=data)
        return versions

    async def host_id(self) -> str:
        """`system.host_id`: a stable identity of the machine (survives renames and reinstalls)."""
        result = await self.call("system.host_id")
        if not isinstance(result, str) or not result:
            msg = "system.host_id is not a string"
            raise TrueNASInvalidResponseError(msg, payload=result)
        return result

    async def system_info(self) -> SystemInfo:
        """`system.info`."""
        info = SystemInfo.from_dict(await self.call("system.info"))
        self.software_version = info.version
        return info

    async def pools(self, *, select: list[str] | None = None) -> list[Pool]:
        """`pool.query`, optionally with `select` to keep the payload small."""
        result = await self.query("pool.query", select=select)
        return [Pool.from_dict(item) for item in as_list(result, "pool.query")]

    async def apps(self, *, select: list[str] | None = None) -> list[App]:
        """`app.query` with `select` (the fields `App` reads, by default)."""
        result = await self.query("app.query", select=select or APP_SELECT)
        return [App.from_dict(item) for item in as_list(result, "app.query")]

    async def start_job(self, method: str, params: list[Any]) -> int:
        """Call a method that starts a job (`app.start`, `replication.run`, ...); its job id."""
        job_id = await self.call(method, params)
        if not isinstance(job_id, int) or isinstance(job_id, bool):
            msg = f"{method} did not return a job id"
            raise TrueNASInvalidResponseError(msg, payload=job_id)
        return job_id

    async def start_app(self, name: str) -> int:
        """`app.start`; returns the job id."""
        return await self.start_job("app.start", [name])

    async def stop_app(self, name: str) -> int:
        """`app.stop`; returns the job id."""
        return await self.start_job("app.stop", [name])

    async def redeploy_app(self, name: str) -> int:
        """`app.redeploy` (recreates the containers); returns the job id."""
        return await self.start_job("app.redeploy", [name])

    async def upgrade_app(self, name: str) -> int:
        """`app.upgrade` to the latest version; returns the job id."""
        return await self.start_job("app.upgrade", [name, {"app_version": "latest"}])

    async def alerts(self) -> list[Alert]:
        """`alert.list`."""
        return [Alert.from_dict(item) for item in as_list(await self.call("alert.list"), "alerts")]


def _call_error(error: Any) -> TrueNASCallError:
    """Map a JSON-RPC error object to the client's exception tree."""
    if not isinstance(error, dict):
        return TrueNASCallError(f"malformed error: {error!r}", code=0)
    code = error.get("code")
    code = code if isinstance(code, int) else 0
    message = error.get("message")
    message = message if isinstance(message, str) else "call failed"
    data = error.get("data")
    data = data if isinstance(data, dict) else {}
    errname = data.get("errname") if isinstance(data.get("errname"), str) else None
    errno = data.get("error") if isinstance(data.get("error"), int) else None
    reason = data.get("reason") if isinstance(data.get("reason"), str) else None
    text = f"{message}: {reason}" if reason else message
    kwargs: dict[str, Any] = {
        "code": code,
        "errname": errname,
        "errno": errno,
        "reason": reason,
        "extra": data.get("extra"),
    }
    if code == -32601 or errname == "ENOMETHOD":  # noqa: PLR2004 - JSON-RPC "method not found"
        # ENOMETHOD: the server has the method, but the pinned API version does not define it.
        return TrueNASMethodNotFoundError(text, **kwargs)
    if code == -32000:  # noqa: PLR2004 - middleware "too many concurrent calls"
        return TrueNASTooManyCallsError(text, **kwargs)
    return TrueNASCallError(text, **kwargs)
