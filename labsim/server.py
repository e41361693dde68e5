"""``LabSimulator``: a fake TrueNAS SCALE server (JSON-RPC over WebSocket) plus its control API.

Use it in-loop (``async with LabSimulator(scenario) as sim``) or, where the caller's event loop
must stay clean (Home Assistant tests), in a thread of its own::

    sim = LabSimulator(load_scenario()).run_in_thread()
    try:
        ...  # connect to sim.url with sim.ca_file; drive the lab with await sim.control(...)
    finally:
        sim.stop_thread()
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
import ssl
import threading
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from . import ejson
from .control import build_control_app
from .methods import EVENTS, METHODS
from .rpc import RpcServer, is_loopback
from .scenario import Scenario, load_scenario
from .services import LabServices
from .state import LabState
from .tls import CertFiles, ensure_certificates, replace_certificates


class ControlError(Exception):
    """A control API request failed; ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        """Store status and message."""
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _running[ValueT](value: ValueT | None) -> ValueT:
    """``value``, which only a running simulator has."""
    if value is None:
        msg = "the simulator is not running"
        raise RuntimeError(msg)
    return value


class LabSimulator:
    """A simulated TrueNAS box serving ``/api/versions`` and ``/api/<version>`` WebSockets."""

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = True,
        control_port: int = 0,
        cert_dir: str | Path | None = None,
        allow_remote: bool = False,
        service_clock_start: datetime | None = None,
        service_ports: bool = False,
    ) -> None:
        """Prepare (not start) a simulator; ``port=0`` picks free ports.

        ``scenario`` is a loaded ``Scenario``, a path to a YAML/JSON file or ``None`` for the
        default lab. Binding a non-loopback ``host`` needs ``allow_remote=True``; the control
        API always listens on 127.0.0.1 only. The HTTP services of the scenario (Ollama,
        Paperless-ngx, ...; see ``labsim.services``) bind free ports unless ``service_ports``
        asks for the scenario's; their lab clock starts at ``service_clock_start`` (default now).
        """
        if not allow_remote and not is_loopback(host):
            msg = f"refusing to listen on non-loopback address {host!r} without allow_remote"
            raise ValueError(msg)
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.host = host
        self.tls = tls
        self._requested_port = port
        self._requested_control_port = control_port
        self.services = LabServices(
            self.scenario, clock_start=service_clock_start, scenario_ports=service_ports
        )
        self._cert_dir = cert_dir
        self._certs: CertFiles | None = None
        self._server_ssl: ssl.SSLContext | None = None
        self._port: int | None = None
        self._control_port: int | None = None
        self._runners: list[web.AppRunner] = []
        self._state: LabState | None = None
        self._rpc: RpcServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_event: asyncio.Event | None = None
        self._api_runner_index = 0

    # ------------------------------------------------------------ properties

    @property
    def state(self) -> LabState:
        """Return the lab state (only touch it from the simulator's loop)."""
        return _running(self._state)

    @property
    def port(self) -> int:
        """Return the API port."""
        return _running(self._port)

    @property
    def control_port(self) -> int:
        """Return the control API port."""
        return _running(self._control_port)

    @property
    def base_url(self) -> str:
        """Return ``https://127.0.0.1:PORT`` (or ``http://``)."""
        return f"{'https' if self.tls else 'http'}://{_url_host(self.host)}:{self.port}"

    @property
    def url(self) -> str:
        """Return the WebSocket URL of the newest API, e.g. ``wss://127.0.0.1:PORT/api/current``."""
        scheme = "wss" if self.tls else "ws"
        return f"{scheme}://{_url_host(self.host)}:{self.port}/api/current"

    def versioned_url(self, version: str) -> str:
        """Return the WebSocket URL of a pinned API version (``v25.10.2``)."""
        return self.url.removesuffix("/current") + f"/{version}"

    @property
    def versions_url(self) -> str:
        """Return the ``GET /api/versions`` URL."""
        return f"{self.base_url}/api/versions"

    @property
    def control_url(self) -> str:
        """Return the control API base URL (``http://127.0.0.1:PORT``)."""
        return f"http://127.0.0.1:{self.control_port}"

    @property
    def ca_file(self) -> Path | None:
        """Return the CA certificate clients should trust (``None`` without TLS)."""
        return self._certs.ca_file if self._certs else None

    def service_url(self, name: str) -> str | None:
        """Return a simulated service's ``http://`` URL (``None`` without one), e.g. ``"ollama"``."""
        return self.services.url(name)

    def client_ssl_context(self) -> ssl.SSLContext | None:
        """Return a client TLS context that verifies the simulator (``None`` without TLS)."""
        return self._certs.client_context() if self._certs else None

    @property
    def certificate_sha256(self) -> str | None:
        """Return the SHA-256 (hex) of the certificate the API presents (``None`` without TLS)."""
        return self._certs.certificate_sha256() if self._certs else None

    async def replace_certificate(self, *, drop_connections: bool = True) -> str:
        """Present a new self-signed certificate (new CA too) from the next handshake on.

        As when TrueNAS gets a new certificate, or another box answers at its address: a client
        that pinned the old one must refuse the new one. Open connections are cut (as the NAS's
        web server restart would) unless ``drop_connections`` is false. Returns its SHA-256.
        """
        if self._server_ssl is None or self._rpc is None:
            msg = "the simulator does not serve TLS"
            raise RuntimeError(msg)
        extra = () if is_loopback(self.host) else (self.host,)
        certs = await asyncio.to_thread(replace_certificates, self._cert_dir, extra)
        # New handshakes on the listening socket use the context's newest certificate.
        self._server_ssl.load_cert_chain(certs.cert_file, certs.key_file)
        self._certs = certs
        if drop_connections:
            self._rpc.drop_all()
        return certs.certificate_sha256()

    def _tls_routes(self) -> list[web.RouteDef]:
        async def get_tls(_request: web.Request) -> web.Response:
            return web.json_response({"tls": self.tls, "sha256": self.certificate_sha256})

        async def post_replace(request: web.Request) -> web.Response:
            body = await request.json() if request.can_read_body else {}
            if not self.tls:
                return web.json_response({"error": "the simulator does not serve TLS"}, status=409)
            drop = not isinstance(body, dict) or body.get("drop_connections", True) is not False
            sha256 = await self.replace_certificate(drop_connections=drop)
            return web.json_response({"sha256": sha256})

        return [
            web.get("/control/tls", get_tls),
            web.post("/control/tls/replace_certificate", post_replace),
        ]

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start listening."""
        if self._state is not None:
            msg = "the simulator is already running"
            raise RuntimeError(msg)
        self._loop = asyncio.get_running_loop()
        state = LabState(self.scenario)
        rpc = RpcServer(state, METHODS, EVENTS, tls=self.tls)
        self._state, self._rpc = state, rpc
        ssl_context = None
        if self.tls:
            extra = () if is_loopback(self.host) else (self.host,)
            self._certs = await asyncio.to_thread(ensure_certificates, self._cert_dir, extra)
            ssl_context = self._certs.server_context()
            self._server_ssl = ssl_context
        try:
            self._api_runner_index = len(self._runners)
            self._port = await self._serve(
                self._api_app(rpc), self.host, self._requested_port, ssl_context
            )
            state.api_listener = self
            control = build_control_app(rpc)
            control.router.add_routes(self.services.control_routes())
            control.router.add_routes(self._tls_routes())
            self._control_port = await self._serve(
                control, "127.0.0.1", self._requested_control_port, None
            )
            await self.services.start(self._serve_plain, self.host)
        except BaseException:
            await self.stop()
            raise

    async def _serve(
        self, app: web.Application, host: str, port: int, ssl_context: ssl.SSLContext | None
    ) -> int:
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        self._runners.append(runner)
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp exposes no public way to read the port
        assert isinstance(server, asyncio.Server)  # noqa: S101 - TCPSite always makes one
        bound: int = server.sockets[0].getsockname()[1]
        return bound

    async def go_away(self) -> None:
        """A reboot: close every session (1001) and stop listening (connections refused)."""
        if self._rpc is not None:
            await self._rpc.close_all()
        runner = self._runners[self._api_runner_index]
        for site in list(runner.sites):
            await site.stop()

    async def come_back(self) -> None:
        """Back from a reboot: listen again on the same port."""
        runner = self._runners[self._api_runner_index]
        if not runner.sites:
            site = web.TCPSite(runner, self.host, self.port, ssl_context=self._server_ssl)
            await site.start()

    async def _serve_plain(self, app: web.Application, host: str, port: int) -> int:
        return await self._serve(app, host, port, None)

    def _api_app(self, rpc: RpcServer) -> web.Application:
        # Read from the lab's state on every request: the control API can upgrade the server.
        async def get_versions(_request: web.Request) -> web.Response:
            await rpc.state.faults.wait_unstalled()
            return web.json_response(rpc.state.scenario.api_versions)

        async def current_api(request: web.Request) -> web.StreamResponse:
            return await rpc.handle(request, rpc.state.scenario.current_version)

        async def pinned_api(request: web.Request) -> web.StreamResponse:
            version = request.match_info["version"]
            if version not in rpc.state.scenario.api_versions:
                raise web.HTTPNotFound
            return await rpc.handle(request, version)

        app = web.Application()
        app.router.add_get("/api/versions", get_versions)
        app.router.add_get("/api/current", current_api)
        app.router.add_get("/api/{version}", pinned_api)
        return app

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._rpc is not None:
            await self._rpc.close_all()
        self.services.stopped()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self._state is not None:
            await self._state.close()
        self._state = self._rpc = None

    async def __aenter__(self) -> Self:
        """Start the simulator."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the simulator."""
        await self.stop()

    # ------------------------------------------------------------ thread runner

    def run_in_thread(self, timeout: float = 30.0) -> Self:
        """Run the simulator on its own event loop in a daemon thread; return once listening."""
        if self._thread is not None:
            msg = "the simulator thread is already running"
            raise RuntimeError(msg)
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._thread_main, args=(ready, failure), name="labsim", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout):  # pragma: no cover - a machine too slow to bind a port
            msg = "the simulator did not start in time"
            raise TimeoutError(msg)
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def _thread_main(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            self._stop_event = asyncio.Event()
            try:
                loop.run_until_complete(self.start())
            except BaseException as err:  # noqa: BLE001 - handed to the starting thread
                failure.append(err)
                return
            finally:
                ready.set()
            loop.run_until_complete(self._stop_event.wait())
            loop.run_until_complete(self.stop())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            asyncio.set_event_loop(None)
            loop.close()

    def stop_thread(self, timeout: float = 30.0) -> None:
        """Stop a simulator started with ``run_in_thread`` and join its thread."""
        thread, loop, stop_event = self._thread, self._loop, self._stop_event
        if thread is None or loop is None or stop_event is None:
            return
        loop.call_soon_threadsafe(stop_event.set)
        thread.join(timeout)
        if thread.is_alive():  # pragma: no cover - a hung loop
            msg = "the simulator thread did not stop in time"
            raise TimeoutError(msg)
        self._thread = None

    # ------------------------------------------------------------ control helpers

    async def _control_request(self, method: str, path: str, body: object) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                method,
                self.control_url + path,
                data=None if body is None else ejson.dumps(body),
                headers={"Content-Type": "application/json"},
            ) as response,
        ):
            data = await response.json(loads=ejson.loads)
            if response.status >= 400:  # noqa: PLR2004 - HTTP error statuses
                raise ControlError(response.status, str(data.get("error", data)))
            return data

    async def control(self, method: str, path: str, body: object = None) -> Any:
        """Call the control API (``await sim.control("POST", "/control/stall", {...})``).

        Works from any event loop: with ``run_in_thread`` the request runs on the simulator's
        loop, so the caller's loop gets no sockets, tasks or timers of its own.
        """
        loop = self._loop
        if self._thread is not None and loop is not None and asyncio.get_running_loop() is not loop:
            future = asyncio.run_coroutine_threadsafe(
                self._control_request(method, path, body), loop
            )
            return await asyncio.wrap_future(future)
        return await self._control_request(method, path, body)

    def control_sync(
        self, method: str, path: str, body: object = None, timeout: float = 30.0
    ) -> Any:
        """Call the control API from a thread that runs no event loop (``run_in_thread`` only)."""
        loop = self._loop
        if self._thread is None or loop is None:
            msg = "control_sync needs a simulator started with run_in_thread()"
            raise RuntimeError(msg)
        future = asyncio.run_coroutine_threadsafe(self._control_request(method, path, body), loop)
        return future.result(timeout)
