"""What the simulated HTTP services share: a lab clock, fault injection and a few helpers.

Every service (``labsim.ollama``, ``labsim.paperless``, ``labsim.paperless_ai``, ``labsim.n8n``)
is an aiohttp application on a loopback port of its own. Their state moves lazily: each request
first brings every service up to the lab clock's ``now`` (tasks finish, models expire, ...), so a
frozen clock freezes the lab and ``advance`` moves it forward deterministically.

Faults (``POST /control/<service>/fault``) replace answers: a status with a body, a body that is
not JSON, a delay, or no answer at all, optionally only for paths with a prefix and only a number
of times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import re
import time
from typing import Any, ClassVar, Final, Protocol

from aiohttp import web
from aiohttp.typedefs import Middleware

from .controlkit import control_body, json_response
from .parts import LabError
from .scenario import ScenarioError, _Reader

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_DURATION_RE: Final = re.compile(r"^(-?)((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)$")
_DURATION_PART_RE: Final = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_DURATION_UNITS: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_MAX_STATUS: Final = 599
_MIN_STATUS: Final = 100
HANG_SECONDS: Final = 3600.0


class ServiceClock:
    """The lab's clock for the HTTP services: real time from a start, or frozen, or advanced."""

    def __init__(self, start: datetime | None = None) -> None:
        """Start at ``start`` (default: the real time now) and run with real time."""
        self._origin = start or datetime.now(UTC)
        self._t0 = time.monotonic()
        self._frozen_elapsed: float | None = None
        self._advanced = 0.0

    def now(self) -> datetime:
        """The lab's current time."""
        elapsed = (
            self._frozen_elapsed
            if self._frozen_elapsed is not None
            else time.monotonic() - self._t0
        )
        return self._origin + timedelta(seconds=elapsed + self._advanced)

    def restart(self) -> None:
        """Start counting real time from now (the services start listening)."""
        if self._frozen_elapsed is None:
            self._t0 = time.monotonic()

    @property
    def frozen(self) -> bool:
        """Whether time stands still."""
        return self._frozen_elapsed is not None

    def freeze(self) -> None:
        """Stop time (requests still work; nothing progresses)."""
        if self._frozen_elapsed is None:
            self._frozen_elapsed = time.monotonic() - self._t0

    def resume(self) -> None:
        """Let time run again from where it stood."""
        if self._frozen_elapsed is not None:
            self._t0 = time.monotonic() - self._frozen_elapsed
            self._frozen_elapsed = None

    def advance(self, seconds: float) -> None:
        """Jump forward."""
        if seconds < 0:
            msg = "the lab clock only moves forward"
            raise LabError(msg)
        self._advanced += seconds


def parse_duration(value: object) -> timedelta | None:
    """Parse a keep-alive like Ollama does: seconds (number) or a Go duration (``"5m"``).

    Negative means "forever" and returns ``None``.
    """
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, (int, float)):
        return None if value < 0 else timedelta(seconds=value)
    if not isinstance(value, str):
        raise TypeError(value)
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        return None if number < 0 else timedelta(seconds=number)
    match = _DURATION_RE.match(text)
    if not match:
        raise ValueError(value)
    if match.group(1):
        return None
    seconds = sum(
        float(amount) * _DURATION_UNITS[unit]
        for amount, unit in _DURATION_PART_RE.findall(match.group(2))
    )
    return timedelta(seconds=seconds)


def reader_duration(reader: _Reader, key: str, default: timedelta | None) -> timedelta | None:
    """A duration field of a scenario section (``None``: forever)."""
    if not reader.has(key):
        return default
    value = reader.raw(key)
    try:
        return parse_duration(value)
    except TypeError, ValueError:
        raise reader.fail(key, "a duration ('5m', '90s', seconds, or -1 for ever)", value) from None


def reader_time(reader: _Reader, key: str, now: datetime, default: object = "now") -> datetime:
    """A time field of a scenario section (relative like ``"-3m"`` or absolute)."""
    return reader.time(key, now, default)


def http_date(moment: datetime) -> str:
    """An HTTP ``Date`` header value."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def iso_ms(moment: datetime) -> str:
    """JavaScript's ``toISOString()``: milliseconds and ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def iso_us(moment: datetime) -> str:
    """Python/Django style: microseconds and ``+00:00`` (or the time's own offset)."""
    return moment.isoformat(timespec="microseconds")


# ---------------------------------------------------------------- faults


@dataclass(slots=True)
class Fault:
    """One injected failure."""

    status: int | None = None
    body: Any = None
    garbage: bool = False
    delay: float = 0.0
    hang: bool = False
    path: str = ""
    remaining: int | None = None

    def matches(self, path: str) -> bool:
        """Whether the fault applies to a request for ``path``."""
        return path.startswith(self.path) and (self.remaining is None or self.remaining > 0)


def parse_fault(body: Mapping[str, Any]) -> Fault:
    """A fault from a control request body."""
    status = body.get("status")
    if status is not None and (
        isinstance(status, bool)
        or not isinstance(status, int)
        or not _MIN_STATUS <= status <= _MAX_STATUS
    ):
        msg = "'status' must be an HTTP status code"
        raise LabError(msg)
    delay = body.get("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        msg = "'delay' must be a non-negative number of seconds"
        raise LabError(msg)
    count = body.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        msg = "'count' must be a positive integer"
        raise LabError(msg)
    fault = Fault(
        status=status,
        body=body.get("body"),
        garbage=body.get("garbage") is True,
        delay=float(delay),
        hang=body.get("hang") is True,
        path=str(body.get("path") or ""),
        remaining=count,
    )
    if fault.status is None and not (fault.garbage or fault.delay or fault.hang):
        msg = "a fault needs 'status', 'garbage', 'delay' or 'hang'"
        raise LabError(msg)
    return fault


class Faults:
    """The faults of one service."""

    def __init__(self) -> None:
        """No faults."""
        self.items: list[Fault] = []
        self._released = asyncio.Event()

    def add(self, fault: Fault) -> None:
        """Inject a fault (the newest one wins)."""
        if fault.hang:
            self._released = asyncio.Event()
        self.items.insert(0, fault)

    def clear(self) -> None:
        """Remove every fault and let hanging requests go."""
        self.items.clear()
        self.release()

    def release(self) -> None:
        """Let hanging requests answer (at clean-up, so that nothing stays pending)."""
        self._released.set()

    async def hang(self) -> None:
        """Wait until released (or an hour)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), HANG_SECONDS)

    def take(self, path: str) -> Fault | None:
        """The fault for this request, counting it."""
        for fault in self.items:
            if fault.matches(path):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None


def service_middleware(faults: Faults, clock: ServiceClock, sync: Callable[[], None]) -> Middleware:
    """Faults first, then bring the lab up to date, then the handler; every answer gets a ``Date``."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = faults.take(request.path)
        if fault is not None:
            if fault.hang:
                await faults.hang()
            if fault.delay:
                await asyncio.sleep(fault.delay)
        response: web.StreamResponse
        if fault is not None and fault.garbage:
            response = web.Response(
                status=fault.status or 200,
                text="<html>Bad Gateway</html>",
                content_type="text/html",
            )
        elif fault is not None and fault.status is not None:
            body = fault.body if fault.body is not None else {"error": "injected fault"}
            response = web.json_response(body, status=fault.status)
        else:
            sync()
            try:
                response = await handler(request)
            except web.HTTPException as err:
                response = web.Response(
                    status=err.status, text=err.text, content_type=err.content_type
                )
        response.headers["Date"] = http_date(clock.now())
        return response

    return middleware


def section_error(reader: _Reader, message: str) -> ScenarioError:
    """A scenario error located at a section."""
    return ScenarioError(f"{reader.path}: {message}")


# handler -> its routes: (application, method, path); "control" or "api" for the application.
_ROUTE_MARKS: dict[object, list[tuple[str, str, str]]] = {}


def _route_mark[HandlerT: Callable[..., Any]](
    application: str, method: str, path: str
) -> Callable[[HandlerT], HandlerT]:
    def mark(handler: HandlerT) -> HandlerT:
        _ROUTE_MARKS.setdefault(handler, []).append((application, method, path))
        return handler

    return mark


def control_route[HandlerT: Callable[..., Any]](
    method: str, path: str
) -> Callable[[HandlerT], HandlerT]:
    """Mark a method of an ``HTTPService`` as the control route ``method /control/<name><path>``."""
    return _route_mark("control", method, path)


def api_route[HandlerT: Callable[..., Any]](
    method: str, path: str
) -> Callable[[HandlerT], HandlerT]:
    """Mark a method of an ``HTTPService`` as the route ``method path`` of its own API.

    A ``GET`` route answers ``HEAD`` too, as ``aiohttp``'s ``add_get`` does.
    """
    return _route_mark("api", method, path)


class _HasPort(Protocol):
    @property
    def port(self) -> int: ...


class _Syncs(Protocol):
    def sync(self, now: datetime) -> None: ...

    def summary(self) -> dict[str, Any]: ...


class HTTPService[SectionT: _HasPort, StateT: _Syncs]:
    """What every simulated HTTP service shares: its section, clock, faults and state.

    A service names itself (``name``), gives a ``new_state`` that builds its state afresh (at
    start and for ``POST reset``) and marks its API's routes with ``@api_route`` and its own
    control routes with ``@control_route``; the fault and reset routes every service has are
    marked here. A service with middlewares of its own (authentication) sets their place around
    the lab's in ``middlewares``.
    """

    name: ClassVar[str]

    def __init__(
        self, section: SectionT, clock: ServiceClock, new_state: Callable[[], StateT]
    ) -> None:
        """Keep the parts; ``new_state`` builds the state as the scenario sets it."""
        self.section = section
        self.clock = clock
        self.faults = Faults()
        self.new_state = new_state
        self.state = new_state()

    @property
    def port(self) -> int:
        """The port the scenario asks for."""
        return self.section.port

    def sync(self) -> None:
        """Bring the state up to the lab clock."""
        self.state.sync(self.clock.now())

    def app(self, sync_all: Callable[[], None]) -> web.Application:
        """The API application: the ``@api_route`` routes behind ``middlewares``."""
        app = web.Application(
            middlewares=self.middlewares(service_middleware(self.faults, self.clock, sync_all))
        )
        app.router.add_routes(self.api_routes())
        return app

    def middlewares(self, lab: Middleware) -> list[Middleware]:
        """The API's middlewares, outermost first, given the lab's (``service_middleware``)."""
        return [lab]

    def control_routes(self) -> list[web.RouteDef]:
        """The control routes of this service (``@control_route`` methods) below ``/control/<name>``.

        The service's own routes come first, then the fault and reset routes every service has.
        """
        base = f"/control/{self.name}"
        return [
            web.route(method, base + path, handler)
            for method, path, handler in self._marked_routes("control")
        ]

    def api_routes(self) -> list[web.RouteDef]:
        """The routes of the service's own API (``@api_route`` methods)."""
        return [
            web.route(method, path, handler) for method, path, handler in self._marked_routes("api")
        ]

    def _marked_routes(self, application: str) -> list[tuple[str, str, Any]]:
        """(method, path, bound handler) of every route marked for ``application``, own first."""
        routes: list[tuple[str, str, Any]] = []
        for cls in type(self).__mro__:
            for name, member in vars(cls).items():
                marks = _ROUTE_MARKS.get(member, []) if callable(member) else []
                routes.extend(
                    (method, path, getattr(self, name))
                    for marked_for, method, path in marks
                    if marked_for == application
                )
        return routes

    @control_route("GET", "/state")
    async def control_state(self, _request: web.Request) -> web.Response:
        """The state, brought up to the lab clock (its ``summary``)."""
        self.sync()
        return json_response(self.state.summary())

    @control_route("POST", "/fault")
    async def control_fault(self, request: web.Request) -> web.Response:
        """Inject a fault."""
        self.faults.add(parse_fault(await control_body(request)))
        return json_response({"ok": True})

    @control_route("DELETE", "/fault")
    async def control_clear_faults(self, _request: web.Request) -> web.Response:
        """Remove every fault."""
        self.faults.clear()
        return json_response({"ok": True})

    @control_route("POST", "/reset")
    async def control_reset(self, _request: web.Request) -> web.Response:
        """Back to the scenario."""
        self.faults.clear()
        self.state = self.new_state()
        return json_response({"ok": True})
