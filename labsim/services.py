"""The lab's HTTP services next to the TrueNAS API: Ollama, Paperless-ngx, Paperless-AI and n8n.

Each service whose section is in the scenario runs as an aiohttp application on a loopback port
of its own: the scenario's port (the TrueNAS app's, e.g. Ollama's 30068) when
``scenario_ports`` is set, otherwise a free one (tests). They share one lab clock
(``labsim.httpsvc.ServiceClock``); ``POST /control/services/clock`` freezes, resumes or advances
it. ``GET /control/services`` lists the URLs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar, Final, Protocol

from aiohttp import web

from .controlkit import body_seconds, control_body, json_response
from .httpsvc import Faults, ServiceClock
from .n8n import N8nSection, N8nService
from .ollama import OllamaSection, OllamaService
from .paperless import PaperlessSection, PaperlessService
from .paperless_ai import PaperlessAISection, PaperlessAIService
from .parts import LabError
from .scenario import Scenario, ScenarioError

SERVICE_NAMES: Final = ("ollama", "paperless", "paperless_ai", "n8n")

type Serve = Callable[[web.Application, str, int], Awaitable[int]]


class LabService(Protocol):
    """What every simulated service offers."""

    name: ClassVar[str]
    faults: Faults

    @property
    def port(self) -> int:
        """The port the scenario asks for."""

    def sync(self) -> None:
        """Bring its state up to the lab clock."""

    def app(self, sync_all: Callable[[], None]) -> web.Application:
        """Its HTTP application."""

    def control_routes(self) -> list[web.RouteDef]:
        """Its control routes."""


class LabServices:
    """The enabled services, their ports and their clock."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        clock_start: datetime | None = None,
        scenario_ports: bool = False,
    ) -> None:
        """Build the services the scenario has sections for (none are started yet)."""
        self.clock = ServiceClock(clock_start)
        self.scenario_ports = scenario_ports
        sections = scenario.sections
        self.services: dict[str, LabService] = {}
        ollama = sections.get("ollama")
        if isinstance(ollama, OllamaSection):
            self.services["ollama"] = OllamaService(ollama, self.clock)
        paperless = sections.get("paperless")
        paperless_service: PaperlessService | None = None
        if isinstance(paperless, PaperlessSection):
            paperless_service = PaperlessService(paperless, self.clock)
            self.services["paperless"] = paperless_service
        ai = sections.get("paperless_ai")
        if isinstance(ai, PaperlessAISection):
            if paperless_service is None:
                msg = "paperless_ai: needs a paperless section"
                raise ScenarioError(msg)
            self.services["paperless_ai"] = PaperlessAIService(ai, paperless_service, self.clock)
        n8n = sections.get("n8n")
        if isinstance(n8n, N8nSection):
            self.services["n8n"] = N8nService(n8n, self.clock)
        self.ports: dict[str, int] = {}
        self._host = "127.0.0.1"

    def __getitem__(self, name: str) -> Any:
        """A service by name (``KeyError`` when it is not in the scenario)."""
        return self.services[name]

    def sync(self) -> None:
        """Bring every service up to the lab clock (Paperless-ngx before Paperless-AI)."""
        for service in self.services.values():
            service.sync()

    async def start(self, serve: Serve, host: str) -> None:
        """Serve every service; ``serve(app, host, port)`` returns the bound port.

        The lab clock starts now (not when the simulator was built, nor while TLS certificates
        were being made), so the scenario's relative times hold from the first request.
        """
        self.clock.restart()
        for name, service in self.services.items():
            port = service.port if self.scenario_ports else 0
            self.ports[name] = await serve(service.app(self.sync), host, port)
        self._host = host

    def url(self, name: str) -> str | None:
        """``http://127.0.0.1:PORT`` of a running service, ``None`` when it is not running."""
        port = self.ports.get(name)
        if port is None:
            return None
        host = self._host
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def urls(self) -> dict[str, str | None]:
        """Every service's URL (``None`` for those not in the scenario)."""
        return {name: self.url(name) for name in SERVICE_NAMES}

    def stopped(self) -> None:
        """Let hanging requests go and forget the ports (the runners are being cleaned up)."""
        for service in self.services.values():
            service.faults.release()
        self.ports.clear()

    # ------------------------------------------------------------ control

    def control_routes(self) -> list[web.RouteDef]:
        """``/control/services`` plus every service's own routes."""
        routes = [
            web.get("/control/services", self.control_list),
            web.post("/control/services/clock", self.control_clock),
        ]
        for service in self.services.values():
            routes.extend(service.control_routes())
        return routes

    async def control_list(self, _request: web.Request) -> web.Response:
        """The URLs and the clock."""
        return json_response(
            {
                "urls": self.urls(),
                "clock": {"now": self.clock.now().isoformat(), "frozen": self.clock.frozen},
            }
        )

    async def control_clock(self, request: web.Request) -> web.Response:
        """``{"freeze": true}``, ``{"freeze": false}`` and/or ``{"advance": seconds}``."""
        body = await control_body(request)
        if "freeze" in body:
            self.sync()
            if body["freeze"] is True:
                self.clock.freeze()
            elif body["freeze"] is False:
                self.clock.resume()
            else:
                msg = "'freeze' must be true or false"
                raise LabError(msg)
        if "advance" in body:
            self.clock.advance(body_seconds(body, "advance", 0.0))
            self.sync()
        return json_response({"now": self.clock.now().isoformat(), "frozen": self.clock.frozen})
