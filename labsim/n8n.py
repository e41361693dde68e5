"""A simulated n8n: ``/healthz``, ``/healthz/readiness`` and the public API's executions/workflows.

It behaves like the real n8n 2.41.1 (checked by ``tests/n8n/test_contract.py``, which runs the
same checks against both):

- API keys carry scopes: a call outside them answers 403 ``{"message": "Forbidden"}``; a wrong or
  missing key answers 401 ``{"message": "Unauthorized"}``.
- The unfiltered execution list leaves running (and new) executions out; ``status=running``
  lists them. A Wait node shorter than 65 s keeps its execution ``running`` (n8n waits in
  memory); a longer one parks it as ``waiting``, with ``waitTill`` and ``stoppedAt`` set.
  ``status=waiting`` works.
- A restart (``POST /control/n8n/restart``) ends every running execution as ``crashed``, which
  ``status=error`` does not return; waiting executions survive it.
- Cursors are base64 JSON ``{"lastId": "<id as a string>", "limit": n}``; ``nextCursor`` is null
  when nothing follows. Executions have no ``customData``.

Scenario section ``n8n`` (absent: no n8n)::

    n8n:
      port: 30109
      version: 2.36.5
      api_key: ...                   # the X-N8N-API-KEY header
      scopes: [execution:list, workflow:read]   # the key's scopes (absent: every scope)
      legacy_status_filter: false    # true: an old n8n that knows no status=running (400)
      waiting_filter_bug: false      # true: an old n8n whose status=waiting answers [] (seen
                                     # once on an older release; 2.41.1 is fine)
      workflows:
        - {id: kTq3wV9xYb2LmN4p, name: Paperless to Vikunja}
      executions:                    # ids 1, 2, ... in this order (newest last)
        - {workflow: kTq3wV9xYb2LmN4p, status: error, started: "-3h", seconds: 4}
        - {workflow: kTq3wV9xYb2LmN4p, status: running, started: "-20s", seconds: 60}

A running execution ends ``seconds`` after it started, as ``outcome`` (``success`` by default).
A ``waiting`` one waits ``seconds`` (under 65: it is ``running`` instead, as in n8n).
Pages are newest first with a cursor, like n8n's.

Control routes (``/control/n8n/...``): ``GET state``, ``POST executions {"workflow", "status",
"seconds", "outcome"}``, ``POST executions/{id}/fail``, ``POST ready {"ready"}``,
``POST api_key {"api_key", "scopes", "add"}`` (``add``: keep the other keys), ``POST restart``
(running executions crash), ``POST fault`` / ``DELETE fault``, ``POST reset``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
import json
from typing import Any, Final

from aiohttp import web

from .controlkit import body_seconds, body_text, control_body, json_response
from .httpsvc import HTTPService, ServiceClock, api_route, control_route, iso_ms, section_error
from .parts import LabError
from .scenario import _Reader, section_parser

NAME: Final = "n8n"
STATUSES: Final = (
    "canceled",
    "crashed",
    "error",
    "new",
    "running",
    "success",
    "unknown",
    "waiting",
)
# n8n-workflow's ExecutionStatusList: every status is a valid filter.
FILTER_STATUSES: Final = STATUSES
LEGACY_FILTER_STATUSES: Final = ("error", "success", "waiting")
# What recovery after a restart marks `crashed` (n8n-workflow's CRASHABLE_EXECUTION_STATUSES).
CRASHABLE_STATUSES: Final = ("new", "running", "unknown")
# Left out of the unfiltered list (n8n 2.41.1 lists finished and waiting executions only).
UNLISTED_STATUSES: Final = ("new", "running")
DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 250
# n8n waits in memory, keeping the execution running, for a Wait shorter than this.
WAIT_IN_MEMORY_SECONDS: Final = 65.0
# A waiting or crashed execution's stoppedAt: its last saved progress, just after it started.
PROGRESS_SAVED_AFTER: Final = timedelta(milliseconds=40)
SCOPES: Final = (
    "execution:list",
    "execution:read",
    "workflow:list",
    "workflow:read",
)


@dataclass(slots=True)
class WorkflowDef:
    """A workflow."""

    id: str
    name: str
    active: bool = True


@dataclass(slots=True)
class ExecutionDef:
    """An execution."""

    id: int
    workflow: str
    status: str
    started: datetime
    ends: datetime | None = None
    outcome: str = "success"
    mode: str = "trigger"
    wait_till: datetime | None = None
    stopped: datetime | None = None
    """When it stopped (ended, parked or crashed); None while running."""

    @property
    def finished(self) -> bool:
        """n8n's ``finished``: true only for a success."""
        return self.status == "success"


@dataclass(slots=True)
class N8nSection:
    """The parsed ``n8n`` section."""

    port: int = 0
    version: str = "2.36.5"
    api_key: str = ""
    scopes: tuple[str, ...] | None = None
    """The key's scopes (``None``: every scope)."""
    legacy_status_filter: bool = False
    waiting_filter_bug: bool = False
    workflows: list[WorkflowDef] = field(default_factory=list)
    executions: list[ExecutionDef] = field(default_factory=list)


@section_parser(NAME, optional=True)
def parse_section(reader: _Reader, now: datetime) -> N8nSection:
    """Parse the ``n8n`` section."""
    workflows = [item.fill(WorkflowDef) for item in reader.items("workflows")]
    known = {workflow.id for workflow in workflows}
    executions = []
    for index, item in enumerate(reader.items("executions")):
        status = item.text("status", "success")
        if status not in STATUSES:
            raise item.fail("status", f"one of {', '.join(STATUSES)}", status)
        started = item.time("started", now, "now")
        seconds = item.number("seconds", 5.0)
        execution = ExecutionDef(
            id=index + 1,
            workflow=item.text("workflow", required=True),
            status=status,
            started=started,
            ends=started + timedelta(seconds=seconds),
            outcome=item.text("outcome", "success"),
            mode=item.text("mode", "trigger"),
        )
        _wait(execution, seconds)
        if status not in ("running", "waiting", "new"):
            execution.stopped = execution.ends
        item.finish()
        if execution.workflow not in known:
            raise section_error(item, f"unknown workflow {execution.workflow!r}")
        executions.append(execution)
    scopes = reader.raw("scopes")
    if scopes is not None and (
        not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes)
    ):
        raise reader.fail("scopes", "a list of scopes", scopes)
    given = {
        "api_key": reader.text("api_key", required=True),
        "scopes": tuple(scopes) if scopes is not None else None,
        "workflows": workflows,
        "executions": executions,
    }
    return reader.fill(N8nSection, given)


def _wait(execution: ExecutionDef, seconds: float) -> None:
    """A ``waiting`` execution parks for ``seconds``; a short wait stays ``running`` in memory."""
    if execution.status != "waiting":
        return
    if seconds < WAIT_IN_MEMORY_SECONDS:
        execution.status = "running"
        return
    execution.wait_till = execution.started + timedelta(seconds=seconds)
    execution.stopped = execution.started + PROGRESS_SAVED_AFTER


class N8nState:
    """Workflows and executions, moved forward by ``sync``."""

    def __init__(self, section: N8nSection, clock: ServiceClock) -> None:
        """Start from the scenario."""
        self.section = section
        self.clock = clock
        self.keys: dict[str, tuple[str, ...] | None] = {section.api_key: section.scopes}
        self.ready = True
        self.workflows = {workflow.id: workflow for workflow in section.workflows}
        # Copies: executions move on, the section stays as the scenario set it (for a reset).
        self.executions = [replace(execution) for execution in section.executions]

    def sync(self, now: datetime) -> None:
        """End running executions whose time has come; resume those whose wait is over."""
        for execution in self.executions:
            if execution.status == "running" and execution.ends and execution.ends <= now:
                execution.status = execution.outcome
                execution.stopped = execution.ends
            elif (
                execution.status == "waiting" and execution.wait_till and execution.wait_till <= now
            ):
                execution.status = execution.outcome
                execution.stopped = execution.wait_till
                execution.wait_till = None

    def summary(self) -> dict[str, Any]:
        """``GET /control/n8n/state``: ready, and how many executions have each status."""
        counts: dict[str, int] = {}
        for execution in self.executions:
            counts[execution.status] = counts.get(execution.status, 0) + 1
        return {"ready": self.ready, "executions": counts}

    def restart(self) -> int:
        """n8n restarted: what was running crashed (waiting executions are kept in the database)."""
        crashed = 0
        for execution in self.executions:
            if execution.status in CRASHABLE_STATUSES:
                execution.status = "crashed"
                execution.stopped = execution.started + PROGRESS_SAVED_AFTER
                crashed += 1
        return crashed

    def start(self, workflow: str, status: str, seconds: float, outcome: str) -> ExecutionDef:
        """A new execution of ``workflow`` starting now."""
        now = self.clock.now()
        execution = ExecutionDef(
            id=max((e.id for e in self.executions), default=0) + 1,
            workflow=workflow,
            status=status,
            started=now,
            ends=now + timedelta(seconds=seconds),
            outcome=outcome,
            mode="webhook",
        )
        _wait(execution, seconds)
        if status not in ("running", "waiting", "new"):
            execution.stopped = execution.ends
        self.executions.append(execution)
        return execution

    def execution(self, execution: ExecutionDef) -> dict[str, Any]:
        """An execution as the public API shows it."""
        stopped = execution.stopped
        return {
            "id": str(execution.id),
            "finished": execution.finished,
            "mode": execution.mode,
            "retryOf": None,
            "retrySuccessId": None,
            "status": execution.status,
            "startedAt": iso_ms(execution.started),
            "stoppedAt": iso_ms(stopped) if stopped else None,
            "workflowId": execution.workflow,
            "waitTill": iso_ms(execution.wait_till) if execution.wait_till else None,
        }

    def workflow(self, workflow: WorkflowDef) -> dict[str, Any]:
        """A workflow as the public API shows it."""
        created = iso_ms(self.clock.now() - timedelta(days=90))
        return {
            "id": workflow.id,
            "name": workflow.name,
            "active": workflow.active,
            "createdAt": created,
            "updatedAt": created,
            "nodes": [],
            "connections": {},
            "settings": {"executionOrder": "v1"},
            "tags": [],
        }


def _cursor(last_id: int, limit: int) -> str:
    # n8n's ids are strings, in the cursor too: {"lastId":"4","limit":1}.
    payload = json.dumps({"lastId": str(last_id), "limit": limit}, separators=(",", ":"))
    return base64.b64encode(payload.encode()).decode()


def _uncursor(cursor: str) -> tuple[int, int] | None:
    try:
        data = json.loads(base64.b64decode(cursor))
        return int(data["lastId"]), int(data["limit"])
    except ValueError, KeyError, TypeError:
        return None


class N8nService(HTTPService["N8nSection", "N8nState"]):
    """The n8n endpoints and their control routes."""

    name = NAME

    def __init__(self, section: N8nSection, clock: ServiceClock) -> None:
        """Prepare the state."""
        super().__init__(section, clock, partial(N8nState, section, clock))

    def _refused(self, request: web.Request, scope: str) -> web.Response | None:
        key = request.headers.get("X-N8N-API-KEY")
        if key is None or key not in self.state.keys:
            return json_response({"message": "Unauthorized"}, 401)
        scopes = self.state.keys[key]
        if scopes is not None and scope not in scopes:
            return json_response({"message": "Forbidden"}, 403)
        return None

    @api_route("GET", "/healthz")
    async def healthz(self, _request: web.Request) -> web.Response:
        """``GET /healthz``."""
        return json_response({"status": "ok"})

    @api_route("GET", "/healthz/readiness")
    async def readiness(self, _request: web.Request) -> web.Response:
        """``GET /healthz/readiness``: 503 while the database is not ready."""
        if self.state.ready:
            return json_response({"status": "ok"})
        return json_response({"status": "error"}, 503)

    @api_route("GET", "/api/v1/executions")
    async def executions(self, request: web.Request) -> web.Response:
        """``GET /api/v1/executions``: newest first, ``status``/``workflowId`` filters, cursor."""
        if (refused := self._refused(request, "execution:list")) is not None:
            return refused
        query = request.query
        try:
            limit = int(query.get("limit", DEFAULT_LIMIT))
        except ValueError:
            limit = -1
        if not 1 <= limit <= MAX_LIMIT:
            return json_response({"message": f"request/query/limit must be <= {MAX_LIMIT}"}, 400)
        allowed = LEGACY_FILTER_STATUSES if self.section.legacy_status_filter else FILTER_STATUSES
        status = query.get("status")
        if status is not None and status not in allowed:
            return json_response(
                {
                    "message": "request/query/status must be equal to one of the allowed values: "
                    + ", ".join(allowed)
                },
                400,
            )
        executions = sorted(self.state.executions, key=lambda e: e.id, reverse=True)
        if status is not None:
            if status == "waiting" and self.section.waiting_filter_bug:
                executions = []
            executions = [e for e in executions if e.status == status]
        else:
            executions = [e for e in executions if e.status not in UNLISTED_STATUSES]
        if "workflowId" in query:
            executions = [e for e in executions if e.workflow == query["workflowId"]]
        if "cursor" in query:
            decoded = _uncursor(query["cursor"])
            if decoded is None:
                return json_response({"message": "An invalid cursor was provided"}, 400)
            executions = [e for e in executions if e.id < decoded[0]]
        page = executions[:limit]
        more = len(executions) > limit
        return json_response(
            {
                "data": [self.state.execution(e) for e in page],
                "nextCursor": _cursor(page[-1].id, limit) if more else None,
            }
        )

    @api_route("GET", "/api/v1/workflows")
    async def workflows(self, request: web.Request) -> web.Response:
        """``GET /api/v1/workflows``."""
        if (refused := self._refused(request, "workflow:list")) is not None:
            return refused
        return json_response(
            {
                "data": [self.state.workflow(w) for w in self.state.workflows.values()],
                "nextCursor": None,
            }
        )

    @api_route("GET", "/api/v1/workflows/{id}")
    async def workflow(self, request: web.Request) -> web.Response:
        """``GET /api/v1/workflows/{id}``."""
        if (refused := self._refused(request, "workflow:read")) is not None:
            return refused
        workflow = self.state.workflows.get(request.match_info["id"])
        if workflow is None:
            return json_response({"message": "Not Found"}, 404)
        return json_response(self.state.workflow(workflow))

    # ------------------------------------------------------------ control

    @control_route("POST", "/executions")
    async def control_start(self, request: web.Request) -> web.Response:
        """Start an execution: ``{"workflow", "status": running|waiting|error|success, ...}``."""
        body = await control_body(request)
        self.sync()
        workflow = body.get("workflow") or next(iter(self.state.workflows), None)
        match = [w.id for w in self.state.workflows.values() if workflow in (w.id, w.name)]
        if not match:
            msg = f"unknown workflow {workflow!r}"
            raise LabError(msg, 404)
        status = body.get("status", "running")
        outcome = body.get("outcome", "success")
        if status not in STATUSES or outcome not in STATUSES:
            msg = f"'status' and 'outcome' must be one of {', '.join(STATUSES)}"
            raise LabError(msg)
        seconds = body_seconds(body, "seconds", 30.0)
        execution = self.state.start(match[0], str(status), seconds, str(outcome))
        return json_response({"id": str(execution.id)}, 201)

    @control_route("POST", "/executions/{id}/fail")
    async def control_fail(self, request: web.Request) -> web.Response:
        """End a running execution in error now."""
        self.sync()
        try:
            execution_id = int(request.match_info["id"])
        except ValueError:
            execution_id = -1
        for execution in self.state.executions:
            if execution.id == execution_id:
                execution.status, execution.ends = "error", self.clock.now()
                execution.stopped = execution.ends
                return json_response(self.state.execution(execution))
        msg = f"unknown execution {request.match_info['id']}"
        raise LabError(msg, 404)

    @control_route("POST", "/ready")
    async def control_ready(self, request: web.Request) -> web.Response:
        """Readiness (``false``: /healthz/readiness answers 503)."""
        self.state.ready = (await control_body(request)).get("ready", True) is True
        return json_response({"ready": self.state.ready})

    @control_route("POST", "/api_key")
    async def control_api_key(self, request: web.Request) -> web.Response:
        """Replace the API key (``add``: one more key), with ``scopes`` (absent: every scope)."""
        body = await control_body(request)
        key, scopes = body_text(body, "api_key"), body.get("scopes")
        if scopes is not None and (
            not isinstance(scopes, list) or not all(scope in SCOPES for scope in scopes)
        ):
            msg = f"'scopes' must be a list of {', '.join(SCOPES)}"
            raise LabError(msg)
        if body.get("add") is not True:
            self.state.keys.clear()
        self.state.keys[key] = tuple(scopes) if scopes is not None else None
        return json_response({"ok": True})

    @control_route("POST", "/restart")
    async def control_restart(self, _request: web.Request) -> web.Response:
        """n8n restarts: running executions end as ``crashed``."""
        self.sync()
        return json_response({"crashed": self.state.restart()})
