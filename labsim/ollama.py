"""A simulated Ollama server: ``/``, ``/api/version``, ``/api/tags``, ``/api/ps``, ``/api/generate``.

Scenario section ``ollama`` (absent: no Ollama)::

    ollama:
      port: 30068                 # the TrueNAS app's port (tests bind a free one)
      version: 0.9.6
      default_keep_alive: 5m      # OLLAMA_KEEP_ALIVE
      vram: 12 GiB                # GPU memory; models that do not fit are split with the CPU
      max_loaded: 3               # OLLAMA_MAX_LOADED_MODELS
      bearer_token: null          # set to require "Authorization: Bearer ..." (a reverse proxy)
      loopback_only: false        # OLLAMA_HOST=127.0.0.1: a non-local Host name gets an empty 403
      models:
        - {name: "qwen3:14b", size: 9.3 GB, family: qwen3, parameter_size: 14.8B,
           quantization: Q4_K_M, modified: "-12d"}
      loaded:
        - {name: "qwen3:14b", last_used: "-1m", keep_alive: 5m}     # -1: never unload

The scheduler is modelled on Ollama's: a finished request sets ``expires_at = now + keep_alive``;
a running request stops the idle timer (``expires_at`` stays, and may pass); while a model loads
for its first request ``/api/ps`` reports ``now + keep_alive``; a negative keep-alive is Go's
largest duration (``expires_at`` 292 years on); ``keep_alive: 0`` with an empty prompt unloads.
An unload asked while requests run sets ``expires_at`` to that moment and the session to 0 (the
model goes when they end, unless a later request brings its own keep-alive), as ``expireRunner``.

Answers follow the server's version (``api/types.go`` of ``ollama/ollama``): ``/api/ps`` has
``context_length`` from 0.10.0; ``/api/tags`` has ``capabilities`` and ``details.context_length``
/ ``embedding_length`` from 0.30.0. ``created_at`` is UTC, ``expires_at`` and ``modified_at`` are in
the server's zone. Error bodies are ``{"error": "..."}`` with Go's messages.

Control routes (``/control/ollama/...``): ``GET state``, ``POST load {"model", "keep_alive"}``,
``POST unload {"model"}`` (no model: all), ``POST request {"model", "seconds", "keep_alive"}``
(a request in flight for that long), ``POST token {"token"}``, ``POST fault`` /
``DELETE fault``, ``POST reset``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
import hashlib
import ipaddress
import json
import re
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.typedefs import Middleware

from .controlkit import body_seconds, control_body, json_response
from .httpsvc import (
    HTTPService,
    ServiceClock,
    api_route,
    control_route,
    parse_duration,
    reader_duration,
    section_error,
)
from .parts import LabError
from .scenario import _Reader, section_parser, size_field

NAME: Final = "ollama"
GO_MAX_DURATION: Final = timedelta(microseconds=(2**63 - 1) // 1000)
DEFAULT_KEEP_ALIVE: Final = timedelta(minutes=5)
DEFAULT_CONTEXT: Final = 4096
KV_BYTES_PER_TOKEN: Final = 131_072
BANNER: Final = "Ollama is running"
# Versions where an answer gained fields (api/types.go).
PS_CONTEXT_LENGTH_SINCE: Final = (0, 10, 0)
TAGS_CAPABILITIES_SINCE: Final = (0, 30, 0)
EMBEDDING_FAMILIES: Final = frozenset({"bert", "nomic-bert", "nomic-bert-moe"})
EMBEDDING_LENGTH: Final = 768
_GO_UNITS: Final = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_GO_DURATION_RE: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([a-z\u00b5\u03bc]+)")


def version_tuple(version: str) -> tuple[int, ...]:
    """``0.9.6`` -> ``(0, 9, 6)`` (a suffix like ``-rc1`` is ignored)."""
    parts = []
    for part in version.split("-", 1)[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def api_keep_alive(value: object) -> timedelta | None:
    """``keep_alive`` as ``api.Duration.UnmarshalJSON`` reads it; ``None`` is "forever".

    A number is seconds; a string is Go's ``time.ParseDuration`` (a unit is required: ``"300"``
    is refused); anything negative is Go's largest duration. Raises ``ValueError`` with Go's text.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        kind = {bool: "bool", list: "[]interface {}", dict: "map[string]interface {}"}
        msg = f"Unsupported type: '{kind.get(type(value), type(value).__name__)}'"
        raise ValueError(msg)  # noqa: TRY004 - the API answers 400 with this text
    if not isinstance(value, str):
        return None if value < 0 else timedelta(seconds=value)
    text = value
    body = text.lstrip("+-")
    negative = text.startswith("-")
    if body == "0":
        return timedelta(0)
    if not body:
        msg = f'time: invalid duration "{text}"'
        raise ValueError(msg)
    seconds = 0.0
    position = 0
    for match in _GO_DURATION_RE.finditer(body):
        if match.start() != position:
            break
        unit = match.group(2)
        if unit not in _GO_UNITS:
            msg = f'time: unknown unit "{unit}" in duration "{text}"'
            raise ValueError(msg)
        seconds += float(match.group(1)) * _GO_UNITS[unit]
        position = match.end()
    if position != len(body):
        if body[position:].replace(".", "").isdigit():
            msg = f'time: missing unit in duration "{text}"'
        else:
            msg = f'time: invalid duration "{text}"'
        raise ValueError(msg)
    return None if negative and seconds else timedelta(seconds=seconds)


@dataclass(slots=True)
class ModelDef:
    """A model on disk."""

    name: str
    size: int
    modified_at: datetime
    family: str = "llama"
    parameter_size: str = "7B"
    quantization: str = "Q4_K_M"
    context_length: int = DEFAULT_CONTEXT

    @property
    def digest(self) -> str:
        """A stable sha256-looking digest."""
        return hashlib.sha256(self.name.encode()).hexdigest()

    @property
    def embedding(self) -> bool:
        """An embedding model (no completion)."""
        return self.family in EMBEDDING_FAMILIES

    def details(self, *, lengths: bool = False) -> dict[str, Any]:
        """The ``details`` object (``lengths``: with the 0.30 list's context/embedding length)."""
        details: dict[str, Any] = {
            "parent_model": "",
            "format": "gguf",
            "family": self.family,
            "families": [self.family],
            "parameter_size": self.parameter_size,
            "quantization_level": self.quantization,
        }
        if lengths:
            details["context_length"] = self.context_length
            if self.embedding:
                details["embedding_length"] = EMBEDDING_LENGTH
        return details

    def capabilities(self) -> list[str]:
        """What ``/api/tags`` lists from 0.30.0."""
        return ["embedding"] if self.embedding else ["completion"]

    def memory(self, context: int) -> int:
        """Bytes in memory once loaded: weights plus the KV cache for the context."""
        return int(self.size * 1.05) + context * KV_BYTES_PER_TOKEN


@dataclass(slots=True)
class LoadedDef:
    """A model loaded when the lab starts."""

    name: str
    last_used: datetime
    keep_alive: timedelta | None
    context_length: int | None = None


@dataclass(slots=True)
class OllamaSection:
    """The parsed ``ollama`` section."""

    port: int = 0
    version: str = "0.9.6"
    default_keep_alive: timedelta | None = DEFAULT_KEEP_ALIVE
    vram: int = size_field(0)
    max_loaded: int = 3
    bearer_token: str | None = None
    loopback_only: bool = False
    timezone: str = "UTC"
    models: list[ModelDef] = field(default_factory=list)
    loaded: list[LoadedDef] = field(default_factory=list)


@section_parser(NAME, optional=True)
def parse_section(reader: _Reader, now: datetime) -> OllamaSection:
    """Parse the ``ollama`` section."""
    models: list[ModelDef] = []
    for item in reader.items("models"):
        model = ModelDef(
            name=item.text("name", required=True),
            size=item.size("size", required=True),
            modified_at=item.time("modified", now, "-30d"),
            family=item.text("family", "llama"),
            parameter_size=item.text("parameter_size", "7B"),
            quantization=item.text("quantization", "Q4_K_M"),
            context_length=item.integer("context_length", DEFAULT_CONTEXT),
        )
        item.finish()
        if any(other.name == model.name for other in models):
            raise section_error(item, f"duplicate model {model.name!r}")
        models.append(model)
    names = {model.name for model in models}
    loaded: list[LoadedDef] = []
    for item in reader.items("loaded"):
        entry = LoadedDef(
            name=item.text("name", required=True),
            last_used=item.time("last_used", now, "now"),
            keep_alive=reader_duration(item, "keep_alive", DEFAULT_KEEP_ALIVE),
            context_length=item.integer("context_length", 0) or None,
        )
        item.finish()
        if entry.name not in names:
            raise section_error(item, f"{entry.name!r} is not in ollama.models")
        loaded.append(entry)
    given = {
        "default_keep_alive": reader_duration(reader, "default_keep_alive", DEFAULT_KEEP_ALIVE),
        "bearer_token": reader.opt_text("bearer_token") or None,
        "models": models,
        "loaded": loaded,
    }
    return reader.fill(OllamaSection, given)


# ---------------------------------------------------------------- scheduler


@dataclass(slots=True)
class Runner:
    """A model in memory."""

    model: ModelDef
    size: int
    size_vram: int
    context_length: int
    session: timedelta
    """The keep-alive (Go's largest duration for "forever")."""
    expires_at: datetime | None
    """``None`` while the first request runs (``/api/ps`` then shows now + session)."""
    requests: list[datetime] = field(default_factory=list)
    """When each running request ends."""


class OllamaState:
    """The models on disk and in memory, moved forward by ``sync``."""

    def __init__(self, section: OllamaSection, clock: ServiceClock) -> None:
        """Load the scenario's models."""
        self.section = section
        self.clock = clock
        self.token = section.bearer_token
        self.models = {model.name: model for model in section.models}
        self.runners: dict[str, Runner] = {}
        self.calls: list[dict[str, Any]] = []
        for loaded in section.loaded:
            runner = self._place(self.models[loaded.name], loaded.context_length)
            runner.session = self._session(loaded.keep_alive)
            runner.expires_at = loaded.last_used + runner.session
        self._synced = clock.now()

    def _session(self, keep_alive: timedelta | None) -> timedelta:
        return GO_MAX_DURATION if keep_alive is None else keep_alive

    def _place(self, model: ModelDef, context: int | None) -> Runner:
        """Load ``model``: evict the idlest model when at the limit; fill VRAM first."""
        if len(self.runners) >= max(self.section.max_loaded, 1):
            idle = [r for r in self.runners.values() if not r.requests]
            if idle:
                victim = min(idle, key=lambda r: r.expires_at or self.clock.now())
                del self.runners[victim.model.name]
        context = context or model.context_length
        size = model.memory(context)
        free_vram = max(self.section.vram - sum(r.size_vram for r in self.runners.values()), 0)
        runner = Runner(
            model=model,
            size=size,
            size_vram=min(size, free_vram),
            context_length=context,
            session=self._session(self.section.default_keep_alive),
            expires_at=None,
        )
        self.runners[model.name] = runner
        return runner

    def sync(self, now: datetime) -> None:
        """Finish requests and unload expired models, in time order, up to ``now``."""
        while True:
            events: list[tuple[datetime, int, Runner]] = []
            for runner in self.runners.values():
                if runner.requests:
                    events.append((min(runner.requests), 0, runner))
                elif runner.expires_at is not None:
                    events.append((runner.expires_at, 1, runner))
            due = [event for event in events if event[0] <= now]
            if not due:
                break
            moment, kind, runner = min(due, key=lambda event: (event[0], event[1]))
            if kind == 0:
                runner.requests.remove(moment)
                if not runner.requests:
                    self._idle(runner, moment)
            else:
                del self.runners[runner.model.name]
        self._synced = now

    def _idle(self, runner: Runner, moment: datetime) -> None:
        if runner.session <= timedelta(0):
            del self.runners[runner.model.name]
        else:
            runner.expires_at = moment + runner.session

    def model(self, name: str) -> ModelDef | None:
        """An installed model by name (``llama3.2`` means ``llama3.2:latest``)."""
        return self.models.get(name) or self.models.get(f"{name}:latest")

    def run(self, model: ModelDef, keep_alive: object, seconds: float) -> Runner:
        """A request for ``model`` that runs ``seconds`` from now (0: finished at once)."""
        now = self.clock.now()
        runner = self.runners.get(model.name)
        if runner is None:
            runner = self._place(model, None)
        if keep_alive is not None:
            runner.session = self._session(parse_duration(keep_alive))
        if seconds > 0:
            runner.requests.append(now + timedelta(seconds=seconds))
        elif not runner.requests:
            self._idle(runner, now)
        return runner

    def unload(self, model: ModelDef) -> None:
        """``keep_alive: 0`` with no prompt: unload now, or once the running requests end.

        As Ollama's ``expireRunner``: ``expires_at`` becomes now and the session 0, so a later
        request without a keep-alive of its own does not keep the model either.
        """
        runner = self.runners.get(model.name)
        if runner is None:
            return
        if runner.requests:
            runner.expires_at = self.clock.now()
            runner.session = timedelta(0)
        else:
            del self.runners[model.name]

    # ------------------------------------------------------------ JSON

    def go_time(self, moment: datetime, *, utc: bool = False) -> str:
        """Go's RFC 3339 with nanoseconds, in the server's time zone (or UTC)."""
        local = moment.astimezone(UTC if utc else ZoneInfo(self.section.timezone))
        text = local.strftime("%Y-%m-%dT%H:%M:%S")
        if local.microsecond:
            text += f".{local.microsecond:06d}000".rstrip("0")
        offset = local.strftime("%z")
        return text + ("Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}")

    def since(self, version: tuple[int, ...]) -> bool:
        """The simulated server is at ``version`` or later."""
        return version_tuple(self.section.version) >= version

    def ps(self) -> dict[str, Any]:
        """The ``/api/ps`` answer, longest time left first (whole seconds, stable)."""
        now = self.clock.now()
        items = []
        for runner in self.runners.values():
            expires = runner.expires_at or (now + runner.session)
            items.append((expires, runner))
        items.sort(key=lambda item: int(item[0].timestamp()), reverse=True)
        models = []
        for expires, runner in items:
            entry: dict[str, Any] = {
                "name": runner.model.name,
                "model": runner.model.name,
                "size": runner.size,
                "digest": runner.model.digest,
                "details": runner.model.details(),
                "expires_at": self.go_time(expires),
                "size_vram": runner.size_vram,
            }
            if self.since(PS_CONTEXT_LENGTH_SINCE):
                entry["context_length"] = runner.context_length
            models.append(entry)
        return {"models": models}

    def tags(self) -> dict[str, Any]:
        """The ``/api/tags`` answer, newest first."""
        models = sorted(self.models.values(), key=lambda m: m.modified_at, reverse=True)
        lengths = self.since(TAGS_CAPABILITIES_SINCE)
        items = []
        for model in models:
            entry: dict[str, Any] = {
                "name": model.name,
                "model": model.name,
                "modified_at": self.go_time(model.modified_at),
                "size": model.size,
                "digest": model.digest,
                "details": model.details(lengths=lengths),
            }
            if lengths:
                entry["capabilities"] = model.capabilities()
            items.append(entry)
        return {"models": items}

    def summary(self) -> dict[str, Any]:
        """What the control API shows."""
        return {
            "installed": sorted(self.models),
            "loaded": {
                name: {
                    "size": runner.size,
                    "size_vram": runner.size_vram,
                    "expires_at": runner.expires_at.isoformat() if runner.expires_at else None,
                    "running_requests": len(runner.requests),
                }
                for name, runner in self.runners.items()
            },
            "calls": list(self.calls),
        }


# ---------------------------------------------------------------- the service


class OllamaService(HTTPService["OllamaSection", "OllamaState"]):
    """The Ollama HTTP API and its control routes."""

    name = NAME

    def __init__(self, section: OllamaSection, clock: ServiceClock) -> None:
        """Prepare the state."""
        super().__init__(section, clock, partial(OllamaState, section, clock))

    def middlewares(self, lab: Middleware) -> list[Middleware]:
        """The host and token checks answer before any fault or delay."""
        return [self._auth, lab]

    @web.middleware
    async def _auth(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if self.section.loopback_only and not _allowed_host(request.host):
            # allowedHostsMiddleware (server/routes.go): c.AbortWithStatus(403), no body.
            return web.Response(status=403)
        token = self.state.token
        if token and request.headers.get("Authorization") != f"Bearer {token}":
            return web.Response(status=401, text="Unauthorized")
        response: web.StreamResponse = await handler(request)
        return response

    @api_route("GET", "/")
    async def banner(self, _request: web.Request) -> web.Response:
        """``GET /``."""
        return web.Response(text=BANNER)

    @api_route("GET", "/api/version")
    async def version(self, _request: web.Request) -> web.Response:
        """``GET /api/version``."""
        return json_response({"version": self.section.version})

    @api_route("GET", "/api/tags")
    async def tags(self, _request: web.Request) -> web.Response:
        """``GET /api/tags``."""
        return json_response(self.state.tags())

    @api_route("GET", "/api/ps")
    async def ps(self, _request: web.Request) -> web.Response:
        """``GET /api/ps``."""
        return json_response(self.state.ps())

    @api_route("POST", "/api/generate")
    @api_route("POST", "/api/chat")
    async def generate(self, request: web.Request) -> web.Response:
        """``POST /api/generate`` and ``/api/chat``: load, unload, or answer at once."""
        # Gin's ShouldBindJSON: an empty body is io.EOF; anything else that does not decode into
        # the request struct is Go's json error, both 400 (server/routes.go, GenerateHandler).
        raw = await request.text()
        if not raw.strip():
            return json_response({"error": "missing request body"}, 400)
        try:
            body = json.loads(raw)
        except ValueError:
            return json_response({"error": "invalid character looking for beginning of value"}, 400)
        kind = "ChatRequest" if request.path.endswith("/chat") else "GenerateRequest"
        if not isinstance(body, dict):
            what = "array" if isinstance(body, list) else type(body).__name__
            msg = f"json: cannot unmarshal {what} into Go value of type api.{kind}"
            return json_response({"error": msg}, 400)
        keep_alive = body.get("keep_alive")
        try:
            duration = None if keep_alive is None else api_keep_alive(keep_alive)
        except ValueError as err:
            return json_response({"error": str(err)}, 400)
        name = body.get("model") or ""
        if not isinstance(name, str):
            what = "number" if isinstance(name, (int, float)) else type(name).__name__
            msg = f"json: cannot unmarshal {what} into Go struct field {kind}.model of type string"
            return json_response({"error": msg}, 400)
        # An empty name is not "model is required": parseAndValidateModelRef fails and the
        # handler falls back to its 404 (writeModelRefParseError).
        model = self.state.model(name.strip()) if name.strip() else None
        if model is None:
            return json_response({"error": f"model '{name}' not found"}, 404)
        chat = request.path.endswith("/chat")
        empty = not body.get("messages") if chat else not body.get("prompt")
        # created_at is time.Now().UTC(), unlike expires_at (the server's zone).
        created = self.state.go_time(self.clock.now(), utc=True)
        self.state.calls.append(
            {"path": request.path, "model": model.name, "keep_alive": keep_alive}
        )
        if empty and duration == timedelta(0):
            self.state.unload(model)
            return json_response(_answer(name, created, chat, "unload"))
        self.state.run(model, None if keep_alive is None else _forever(duration), 0)
        if empty:
            return json_response(_answer(name, created, chat, "load"))
        answer = _answer(name, created, chat, "stop")
        text = "Simulated answer."
        if chat:
            answer["message"]["content"] = text
        else:
            answer["response"] = text
        if body.get("stream", True) is not False:
            return web.Response(text=json.dumps(answer) + "\n", content_type="application/x-ndjson")
        return json_response(answer)

    # ------------------------------------------------------------ control

    def _model(self, body: dict[str, Any]) -> ModelDef:
        name = body.get("model")
        model = self.state.model(name) if isinstance(name, str) else None
        if model is None:
            msg = f"unknown model {name!r}"
            raise LabError(msg, 404)
        return model

    @control_route("POST", "/load")
    async def control_load(self, request: web.Request) -> web.Response:
        """Load a model as a client would (an empty request)."""
        body = await control_body(request)
        self.sync()
        self.state.run(self._model(body), body.get("keep_alive"), 0)
        return json_response(self.state.summary())

    @control_route("POST", "/unload")
    async def control_unload(self, request: web.Request) -> web.Response:
        """Unload one model, or every model."""
        body = await control_body(request)
        self.sync()
        if body.get("model") is None:
            for name in list(self.state.runners):
                self.state.unload(self.state.models[name])
        else:
            self.state.unload(self._model(body))
        return json_response(self.state.summary())

    @control_route("POST", "/request")
    async def control_request(self, request: web.Request) -> web.Response:
        """Start a request that runs for ``seconds`` of lab time."""
        body = await control_body(request)
        self.sync()
        seconds = body_seconds(body, "seconds", 30.0)
        self.state.run(self._model(body), body.get("keep_alive"), seconds)
        return json_response(self.state.summary())

    @control_route("POST", "/token")
    async def control_token(self, request: web.Request) -> web.Response:
        """Require a bearer token (``null``: none)."""
        token = (await control_body(request)).get("token")
        self.state.token = str(token) if token else None
        return json_response({"ok": True})


def _allowed_host(host_header: str) -> bool:
    """Ollama's check of the ``Host`` header when it listens on a loopback address."""
    host = host_header.lower()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return address.is_loopback or address.is_private or address.is_unspecified
    if host in ("", "localhost"):
        return True
    return any(host.endswith(f".{tld}") for tld in ("localhost", "local", "internal"))


def _forever(duration: timedelta | None) -> object:
    """A parsed keep-alive back in the form ``OllamaState.run`` takes (``-1``: forever)."""
    return -1 if duration is None else duration.total_seconds()


def _answer(model: str, created: str, chat: bool, reason: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "model": model,
        "created_at": created,
        "done": True,
        "done_reason": reason,
    }
    if chat:
        answer["message"] = {"role": "assistant", "content": ""}
    else:
        answer["response"] = ""
    return answer
