"""The control routes of the simulated Paperless-ngx (``/control/paperless/...``)."""

from __future__ import annotations

from aiohttp import web

from labsim.controlkit import body_text, body_time, control_body, json_response
from labsim.httpsvc import HTTPService, control_route
from labsim.paperless.section import COMPONENTS, HEALTH_STATES, NAME, PaperlessSection
from labsim.paperless.state import PaperlessState
from labsim.parts import LabError


class PaperlessControl(HTTPService[PaperlessSection, PaperlessState]):
    """The control routes; ``PaperlessService`` adds the API."""

    name = NAME

    # ------------------------------------------------------------ control

    @control_route("POST", "/consume")
    async def control_consume(self, request: web.Request) -> web.Response:
        """Queue files: ``{"files": [...]}`` or ``{"count": n}``; ``fail`` makes them fail."""
        body = await control_body(request)
        self.sync()
        files = body.get("files")
        if files is None:
            count = body.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                msg = "'count' must be a positive integer"
                raise LabError(msg)
            start = len(self.state.tasks) + 1
            files = [f"scan_{start + i:04d}.pdf" for i in range(count)]
        if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
            msg = "'files' must be a list of file names"
            raise LabError(msg)
        created = body_time(body, "created", self.clock.now())
        fail = body.get("fail")
        tags = body.get("tags") or []
        if not isinstance(tags, list):
            msg = "'tags' must be a list of tag names"
            raise LabError(msg)
        tasks = [
            self.state.consume(
                name, created, fail=str(fail) if fail else None, tags=[str(t) for t in tags]
            )
            for name in files
        ]
        return json_response({"tasks": [task.id for task in tasks]}, 201)

    @control_route("POST", "/fail")
    async def control_fail(self, request: web.Request) -> web.Response:
        """Fail waiting and running tasks now (all, or ``task_ids``)."""
        body = await control_body(request)
        self.sync()
        ids = body.get("task_ids")
        if ids is not None and not isinstance(ids, list):
            msg = "'task_ids' must be a list"
            raise LabError(msg)
        reason = str(body.get("reason") or "Injected failure: the consumer crashed.")
        return json_response({"failed": self.state.fail(ids, reason)})

    @control_route("POST", "/stall")
    async def control_stall(self, request: web.Request) -> web.Response:
        """Stop (``true``) or restart (``false``) the workers without an error status."""
        stalled = (await control_body(request)).get("stalled", True) is True
        self.sync()
        if self.state.stalled and not stalled:
            self.state.resume_running()
        self.state.stalled = stalled
        return json_response(self.state.summary())

    @control_route("POST", "/kill_worker")
    async def control_kill_worker(self, _request: web.Request) -> web.Response:
        """Kill the worker: its running tasks stay ``STARTED`` for ever (orphans)."""
        self.sync()
        return json_response({"orphaned": self.state.kill_worker()})

    @control_route("GET", "/cost")
    async def control_cost(self, _request: web.Request) -> web.Response:
        """Requests answered and their modelled server time since the last reset."""
        state = self.state
        return json_response(
            {
                "requests": state.cost_requests,
                "server_seconds": round(state.cost_seconds, 3),
                "by_path": dict(sorted(state.cost_by_path.items())),
            }
        )

    @control_route("DELETE", "/cost")
    async def control_clear_cost(self, _request: web.Request) -> web.Response:
        """Start counting afresh."""
        self.state.cost_requests, self.state.cost_seconds = 0, 0.0
        self.state.cost_by_path.clear()
        return json_response({"ok": True})

    @control_route("POST", "/health")
    async def control_health(self, request: web.Request) -> web.Response:
        """Set components' states, e.g. ``{"celery": "ERROR"}``."""
        body = await control_body(request)
        self.sync()
        was_up = self.state.workers_up
        for component, value in body.items():
            if component not in COMPONENTS or str(value).upper() not in HEALTH_STATES:
                msg = f"expected {{component: OK|WARNING|ERROR}} for {', '.join(COMPONENTS)}"
                raise LabError(msg)
            self.state.health[component] = str(value).upper()
        if not was_up and self.state.workers_up:
            self.state.resume_running()
        return json_response(self.state.summary())

    @control_route("POST", "/version")
    async def control_version(self, request: web.Request) -> web.Response:
        """Switch the server version (2.x: API 9; 3.x: API 10)."""
        version = (await control_body(request)).get("version")
        if not isinstance(version, str) or not version[:1].isdigit():
            msg = "'version' must be like '3.0.5'"
            raise LabError(msg)
        self.state.version = version
        return json_response(self.state.summary())

    @control_route("POST", "/user")
    async def control_user(self, request: web.Request) -> web.Response:
        """The token's user: ``staff``, ``superuser``, ``user_id`` and ``change_documents``.

        ``staff`` also sets ``superuser`` unless that is given; a ``user_id`` other than the
        archive's owner (3) owns none of its documents and consume tasks.
        """
        body = await control_body(request)
        state = self.state
        if "staff" in body:
            state.staff = state.superuser = body["staff"] is True
        if "superuser" in body:
            state.superuser = body["superuser"] is True
        if "user_id" in body:
            user_id = body["user_id"]
            if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id < 1:
                msg = "'user_id' must be a positive integer"
                raise LabError(msg)
            state.user_id = user_id
        if "change_documents" in body:
            state.change_documents = body["change_documents"] is True
        return json_response(
            {
                "staff": state.staff,
                "superuser": state.superuser,
                "user_id": state.user_id,
                "change_documents": state.change_documents,
            }
        )

    @control_route("POST", "/token")
    async def control_token(self, request: web.Request) -> web.Response:
        """Replace the API token (the old one stops working)."""
        self.state.token = body_text(await control_body(request), "token")
        return json_response({"ok": True})

    @control_route("POST", "/tag")
    async def control_tag(self, request: web.Request) -> web.Response:
        """Tag documents: ``{"name": "automation-failed", "documents": [1, 2]}``."""
        body = await control_body(request)
        name, ids = body.get("name"), body.get("documents", [])
        if not isinstance(name, str) or not name or not isinstance(ids, list):
            msg = "expected {'name': tag, 'documents': [ids]}"
            raise LabError(msg)
        unknown = [i for i in ids if i not in self.state.documents]
        if unknown:
            msg = f"unknown documents {unknown}"
            raise LabError(msg, 404)
        tag = self.state.add_tag(ids, name)
        return json_response({"tag": tag.id})
