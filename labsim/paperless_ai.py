"""A simulated Paperless-AI: ``GET /health`` and ``GET /api/processing-status``.

Scenario section ``paperless_ai`` (absent: no Paperless-AI; it needs ``paperless``)::

    paperless_ai:
      port: 30226
      api_key: ...                 # the x-api-key header
      processed_tag: ai-processed  # what it adds to each document it has analysed
      processing_seconds: 25       # one document
      pause_seconds: 5             # between two documents
      processed_today: 37
      current: {document: 1284, started: "-5s"}   # optional: a document being processed

It works through the Paperless-ngx documents that lack the processed tag, newest first, one at a
time, and tags each one when done. It stops while its health is not ``healthy``.

The answers follow ``clusterzx/paperless-ai`` (v3.0.9, ``routes/setup.js``, ``models/document.js``):

* ``/health`` is the router's: ``200 {"status": "healthy"}``, ``503`` for ``database_error``,
  ``500 {"status": "error", "message": ...}``; it never says ``not_configured`` (that check is
  commented out, and ``server.js``'s own ``/health`` is shadowed by the router mounted first);
* every other route goes through the router's middleware: without the right ``x-api-key`` (and
  no JWT) it redirects ``302`` to ``/login``; not set up yet, it redirects to ``/setup``;
* ``startTime`` and ``processed_at`` are SQLite ``CURRENT_TIMESTAMP``: ``YYYY-MM-DD HH:MM:SS`` in
  UTC, no zone; ``currentlyProcessing`` only shows a document started in the last 30 seconds.

Control routes (``/control/paperless_ai/...``): ``GET state``, ``POST health {"status"}``,
``POST api_key {"api_key"}``, ``POST fault`` / ``DELETE fault``, ``POST reset``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Final

from aiohttp import web

from .controlkit import body_text, control_body, json_response
from .httpsvc import HTTPService, ServiceClock, api_route, control_route
from .paperless import PaperlessService
from .parts import LabError
from .scenario import _Reader, section_parser

NAME: Final = "paperless_ai"
HEALTH_STATES: Final = ("healthy", "not_configured", "database_error", "error")
HEALTH_MESSAGES: Final = {
    "database_error": "Database check failed",
    "error": "SQLITE_IOERR: disk I/O error",
}
HEALTH_STATUS: Final = {"database_error": 503, "error": 500}
# getActiveProcessing: start_time >= datetime('now', '-30 seconds').
ACTIVE_WINDOW: Final = timedelta(seconds=30)
LOGIN_PAGE: Final = "<!DOCTYPE html><html><head><title>Login - Paperless-AI</title></head></html>"


@dataclass(slots=True)
class PaperlessAISection:
    """The parsed ``paperless_ai`` section."""

    port: int = 0
    api_key: str = ""
    processed_tag: str = "ai-processed"
    processing_seconds: float = 25.0
    pause_seconds: float = 5.0
    processed_today: int = 0
    current_document: int | None = None
    current_started: datetime | None = None


@section_parser(NAME, optional=True)
def parse_section(reader: _Reader, now: datetime) -> PaperlessAISection:
    """Parse the ``paperless_ai`` section."""
    current = reader.child("current", reader.mapping("current"))
    given = {
        "api_key": reader.text("api_key", required=True),
        "current_document": current.integer("document", 0) or None,
        "current_started": current.opt_time("started", now),
    }
    current.finish()
    return reader.fill(PaperlessAISection, given)


@dataclass(slots=True)
class Processed:
    """A document Paperless-AI is working on, or has finished."""

    document: int
    title: str
    at: datetime


class PaperlessAIState:
    """What Paperless-AI is doing, moved forward by ``sync``."""

    def __init__(
        self, section: PaperlessAISection, paperless: PaperlessService, clock: ServiceClock
    ) -> None:
        """Start from the scenario."""
        self.section = section
        self.paperless = paperless
        self.clock = clock
        self.api_key = section.api_key
        self.health = "healthy"
        self.processed_today = section.processed_today
        self.current: Processed | None = None
        self.last: Processed | None = None
        self.idle_since = clock.now()
        documents = paperless.state.documents
        if section.current_document in documents:
            doc = documents[section.current_document]
            self.current = Processed(doc.id, doc.title, section.current_started or clock.now())
        self._day = clock.now().date()

    def _next_document(self) -> int | None:
        state = self.paperless.state
        tag = state.tag_named(self.section.processed_tag)
        waiting = [d.id for d in state.documents.values() if tag is None or tag.id not in d.tags]
        return max(waiting, default=None)

    def sync(self, now: datetime) -> None:
        """Process documents up to ``now``."""
        if self.health != "healthy":
            self.idle_since = max(self.idle_since, now)
            return
        work = timedelta(seconds=self.section.processing_seconds)
        pause = timedelta(seconds=self.section.pause_seconds)
        while True:
            if self.current is None:
                start = self.idle_since + pause
                doc_id = self._next_document()
                if doc_id is None or start > now:
                    break
                doc = self.paperless.state.documents[doc_id]
                self.current = Processed(doc.id, doc.title, start)
            finish = self.current.at + work
            if finish > now:
                break
            self.paperless.state.add_tag([self.current.document], self.section.processed_tag)
            if finish.date() != self._day:
                self._day, self.processed_today = finish.date(), 0
            self.processed_today += 1
            self.last = Processed(self.current.document, self.current.title, finish)
            self.current, self.idle_since = None, finish
        if self.current is None:
            self.idle_since = max(self.idle_since, now - pause)

    def summary(self) -> dict[str, Any]:
        """``GET /control/paperless_ai/state``: the processing status and the health."""
        return {**self.status(), "health": self.health}

    def status(self) -> dict[str, Any]:
        """The ``/api/processing-status`` answer (``getCurrentProcessingStatus``)."""
        current = self.current
        if current is not None and current.at < self.clock.now() - ACTIVE_WINDOW:
            current = None  # still working on it, but older than the 30 s the query looks at
        last = self.last
        return {
            "currentlyProcessing": {
                "documentId": current.document,
                "title": current.title,
                "startTime": sqlite_time(current.at),
                "status": "processing",
            }
            if current
            else None,
            "lastProcessed": {
                "documentId": last.document,
                "title": last.title,
                "processed_at": sqlite_time(last.at),
            }
            if last
            else None,
            "processedToday": self.processed_today,
            "isProcessing": current is not None,
        }


def sqlite_time(moment: datetime) -> str:
    """SQLite's ``CURRENT_TIMESTAMP`` / ``datetime()``: UTC, seconds, no zone."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _redirect(location: str) -> web.Response:
    """Express's ``res.redirect``: 302 with a short text body."""
    return web.Response(
        status=302, text=f"Found. Redirecting to {location}", headers={"Location": location}
    )


class PaperlessAIService(HTTPService["PaperlessAISection", "PaperlessAIState"]):
    """The Paperless-AI endpoints and their control routes."""

    name = NAME

    def __init__(
        self, section: PaperlessAISection, paperless: PaperlessService, clock: ServiceClock
    ) -> None:
        """Prepare the state (on top of the simulated Paperless-ngx)."""
        super().__init__(section, clock, partial(PaperlessAIState, section, paperless, clock))
        self.paperless = paperless

    @api_route("GET", "/health")
    async def health(self, _request: web.Request) -> web.Response:
        """``GET /health`` (public; ``not_configured`` still reads healthy, as the real router)."""
        status = self.state.health
        if status in HEALTH_STATUS:
            body = {"status": status, "message": HEALTH_MESSAGES[status]}
            return json_response(body, HEALTH_STATUS[status])
        return json_response({"status": "healthy"})

    @api_route("GET", "/login")
    async def login(self, _request: web.Request) -> web.Response:
        """``GET /login``: the HTML login page (public)."""
        return web.Response(text=LOGIN_PAGE, content_type="text/html")

    @api_route("GET", "/api/processing-status")
    async def processing_status(self, request: web.Request) -> web.Response:
        """``GET /api/processing-status`` behind the router's middleware (``x-api-key``)."""
        key = request.headers.get("x-api-key")
        if not key or key != self.state.api_key:
            return _redirect("/login")
        if self.state.health == "not_configured":
            return _redirect("/setup")
        return json_response(self.state.status())

    # ------------------------------------------------------------ control

    async def control_state(self, request: web.Request) -> web.Response:
        """What it is doing; Paperless-ngx, whose documents it works on, is brought up first."""
        self.paperless.sync()
        return await super().control_state(request)

    @control_route("POST", "/health")
    async def control_health(self, request: web.Request) -> web.Response:
        """Set the health (``healthy``, ``not_configured``, ``database_error``, ``error``)."""
        status = (await control_body(request)).get("status")
        if status not in HEALTH_STATES:
            msg = f"'status' must be one of {', '.join(HEALTH_STATES)}"
            raise LabError(msg)
        self.sync()
        self.state.health = str(status)
        return json_response({"health": self.state.health})

    @control_route("POST", "/api_key")
    async def control_api_key(self, request: web.Request) -> web.Response:
        """Replace the API key."""
        self.state.api_key = body_text(await control_body(request), "api_key")
        return json_response({"ok": True})
