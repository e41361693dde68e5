"""The Paperless-ngx REST API (``/api/...``), as the simulated server answers it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from labsim.httpsvc import ServiceClock, api_route
from labsim.paperless.control import PaperlessControl
from labsim.paperless.section import (
    ACTIVE_LIMIT,
    CONSUME,
    DEFAULT_PAGE_SIZE,
    FAILURE,
    HTML,
    JSON,
    NAME,
    NOT_FOUND_IDS,
    OWNER_ID,
    PENDING,
    REVOKED,
    STARTED,
    SUCCESS,
    TASK_ORDERING,
    TASK_STATES,
    USERNAME,
    PaperlessSection,
)
from labsim.paperless.state import Document, PaperlessState, PaperlessTask, api_versions

# ---------------------------------------------------------------- the API


def _ints(value: str | None) -> list[int] | None:
    if value is None or value == "":
        return None
    try:
        return [int(part) for part in value.split(",") if part]
    except ValueError:
        return None


class Answer(Exception):  # noqa: N818 - not an error: an early answer
    """Raised by a helper to answer at once (the API middleware sends ``response``)."""

    def __init__(self, response: web.Response) -> None:
        """Keep the answer."""
        super().__init__(response.status)
        self.response = response


def api_json(data: object, status: int = 200) -> web.Response:
    """A JSON answer as Django REST framework sends it: ``Content-Type: application/json``."""
    return web.Response(
        body=json.dumps(data, separators=(",", ":")).encode(), status=status, content_type=JSON
    )


def _html(text: str, status: int) -> web.Response:
    """An answer of Django itself: ``text/html; charset=utf-8``."""
    return web.Response(text=text, status=status, content_type=HTML, charset="utf-8")


def _forbidden() -> web.Response:
    """``HttpResponseForbidden("Insufficient permissions")``."""
    return _html("Insufficient permissions", 403)


def _paginate(
    request: web.Request,
    items: list[Any],
    *,
    all_ids: list[int] | None = None,
    display_count: bool = False,
) -> dict[str, Any]:
    """A ``StandardPagination`` page: ``all`` only in API 9, ``display_count`` for tags on 3.x."""
    try:
        size = max(int(request.query.get("page_size", DEFAULT_PAGE_SIZE)), 1)
        page = max(int(request.query.get("page", 1)), 1)
    except ValueError:
        raise Answer(api_json({"detail": "Invalid page."}, 404)) from None
    start = (page - 1) * size
    if start and start >= len(items):
        raise Answer(api_json({"detail": "Invalid page."}, 404))
    url = request.url
    result: dict[str, Any] = {
        "count": len(items),
        "next": str(url.update_query(page=page + 1)) if start + size < len(items) else None,
        "previous": str(url.update_query(page=page - 1)) if page > 1 else None,
    }
    if request["api_version"] < 10 and all_ids is not None:  # noqa: PLR2004 - API 10 drops it
        result["all"] = all_ids
    result["results"] = items[start : start + size]
    if display_count:
        result["display_count"] = len(items)
    return result


def _fields(request: web.Request, item: dict[str, Any]) -> dict[str, Any]:
    wanted = request.query.get("fields")
    if not wanted:
        return item
    keys = set(wanted.split(","))
    return {key: value for key, value in item.items() if key in keys}


def _choice_error(field_name: str, value: str) -> web.Response:
    return api_json(
        {field_name: [f"Select a valid choice. {value} is not one of the available choices."]}, 400
    )


class PaperlessService(PaperlessControl):
    """The Paperless-ngx REST API and its control routes."""

    name = NAME

    def __init__(self, section: PaperlessSection, clock: ServiceClock) -> None:
        """Prepare the state."""
        super().__init__(section, clock, partial(PaperlessState, section, clock))

    def middlewares(self, lab: Middleware) -> list[Middleware]:
        """Faults and delays come first; then authentication and versioning (``_api``)."""
        return [lab, self._api]

    @property
    def major(self) -> int:
        """The server's major version."""
        return self.state.major

    def _user(self, request: web.Request) -> str:
        """``ok``, ``anonymous`` (no token) or ``invalid`` (a wrong token)."""
        header = request.headers.get("Authorization", "")
        if not header:
            return "anonymous"
        return "ok" if header == f"Token {self.state.token}" else "invalid"

    def _version_headers(self, response: web.StreamResponse) -> None:
        allowed, _default = api_versions(self.state.version)
        response.headers["X-Api-Version"] = str(allowed[-1])
        response.headers["X-Version"] = self.state.version

    @web.middleware
    async def _api(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        """Token authentication, then Accept-header versioning, then the version headers.

        Django views outside the REST framework (the ``/api/`` redirect, the Swagger page)
        handle their own requests; only an authenticated answer carries the version headers.
        """
        self.state.charge(request.path)
        if request.path in ("/api/", "/api/schema/view/"):
            response: web.StreamResponse = await handler(request)
            return response
        user = self._user(request)
        if user == "anonymous":
            return api_json({"detail": "Authentication credentials were not provided."}, 401)
        if user == "invalid":
            return api_json({"detail": "Invalid token."}, 401)
        allowed, default = api_versions(self.state.version)
        version = default
        for part in request.headers.get("Accept", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == "version":
                try:
                    version = int(value)
                except ValueError:
                    version = -1
        if version not in allowed:
            response = api_json({"detail": 'Invalid version in "Accept" header.'}, 406)
        else:
            request["api_version"] = version
            try:
                response = await handler(request)
            except Answer as answer:
                response = answer.response
        self._version_headers(response)
        return response

    def _v3_only(self) -> None:
        if self.major < 3:  # noqa: PLR2004 - Paperless-ngx 3.x
            raise Answer(api_json({"detail": "Not found."}, 404))

    @api_route("GET", "/api/")
    async def root(self, _request: web.Request) -> web.Response:
        """``GET /api/``: since 2.15 a redirect to the Swagger page, without version headers."""
        return web.Response(
            status=302, headers={"Location": "schema/view/"}, content_type=HTML, charset="utf-8"
        )

    @api_route("GET", "/api/schema/view/")
    async def schema_view(self, request: web.Request) -> web.Response:
        """The Swagger page: HTML only (406 to a JSON ``Accept``); 500 to a wrong token.

        The version middleware reads the user after the view answered: a wrong token makes
        that authentication raise outside the REST framework's error handling.
        """
        user = self._user(request)
        if user == "invalid":
            return _html("<h1>Server Error (500)</h1>", 500)
        if "application/json" in request.headers.get("Accept", ""):
            response = _html("406 Not Acceptable", 406)
        else:
            response = _html("<!DOCTYPE html><html><title>Swagger UI</title></html>", 200)
        if user == "ok":
            self._version_headers(response)
        return response

    @api_route("GET", "/api/statistics/")
    async def statistics(self, _request: web.Request) -> web.Response:
        """``GET /api/statistics/`` (counts only the user's documents for a non-superuser)."""
        state = self.state
        documents = state.visible_documents()
        inbox = state.inbox_ids
        in_inbox = sum(1 for d in documents if d.tags & inbox)
        return api_json(
            {
                "documents_total": len(documents),
                "documents_inbox": in_inbox if inbox else None,
                "inbox_tag": min(inbox) if inbox else None,
                "inbox_tags": sorted(inbox) if inbox else None,
                "document_file_type_counts": (
                    [{"mime_type": "application/pdf", "mime_type_count": len(documents)}]
                    if documents
                    else []
                ),
                "character_count": 1800 * len(documents),
                "tag_count": len(state.tags),
                "correspondent_count": 42,
                "document_type_count": 12,
                "storage_path_count": 3,
                "current_asn": 0,
            }
        )

    @api_route("GET", "/api/status/")
    async def status(self, _request: web.Request) -> web.Response:
        """``GET /api/status/``: staff only (Django's HTML 403 otherwise). Slow on real servers."""
        state = self.state
        if not (state.staff or state.superuser):
            return _forbidden()
        now = self.clock.now()

        def error(component: str) -> str | None:
            return None if state.health[component] == "OK" else f"{component} is not healthy"

        tasks: dict[str, Any] = {
            "redis_url": "redis://redis:6379",
            "redis_status": state.health["redis"],
            "redis_error": error("redis"),
            "celery_status": state.health["celery"],
            "celery_url": "celery@paperless",
            "celery_error": error("celery"),
            "index_status": state.health["index"],
            "index_last_modified": state.time(now - timedelta(minutes=12)),
            "index_error": error("index"),
            "classifier_status": state.health["classifier"],
            "classifier_last_trained": state.time(now - timedelta(minutes=48)),
            "classifier_error": error("classifier"),
            "sanity_check_status": "OK",
            "sanity_check_last_run": state.time(now - timedelta(days=2)),
            "sanity_check_error": None,
        }
        if self.major >= 3:  # noqa: PLR2004 - 3.x adds the LLM index and a task summary
            recent = [t for t in state.tasks if t.created >= now - timedelta(days=30)]
            tasks |= {
                "llmindex_status": "DISABLED",
                "llmindex_last_modified": None,
                "llmindex_error": None,
                "summary": {
                    "days": 30,
                    "total_count": len(recent),
                    "pending_count": sum(1 for t in recent if t.status == PENDING),
                    "success_count": sum(1 for t in recent if t.status == SUCCESS),
                    "failure_count": sum(1 for t in recent if t.status == FAILURE),
                },
            }
        return api_json(
            {
                "pngx_version": state.version,
                "server_os": "Linux-6.12.15-production+truenas-x86_64-with-glibc2.36",
                "install_type": "docker",
                "storage": {"total": 23_991_808_425_984, "available": 15_991_808_425_984},
                "database": {
                    "type": "postgresql",
                    "url": "paperless",
                    "status": state.health["database"],
                    "error": error("database"),
                    "migration_status": {
                        "latest_migration": "documents.1071",
                        "unapplied_migrations": [],
                    },
                },
                "tasks": tasks,
            }
        )

    @api_route("GET", "/api/ui_settings/")
    async def ui_settings(self, _request: web.Request) -> web.Response:
        """``GET /api/ui_settings/``: the token's user (from the 2.20 and 3.0 sources)."""
        state = self.state
        permissions = ["view_document", "change_document", "view_tag", "view_paperlesstask"]
        if state.superuser:
            permissions += ["view_global_statistics", "view_system_monitoring"]
        return api_json(
            {
                "user": {
                    "id": state.user_id,
                    "username": USERNAME if state.user_id == OWNER_ID else f"user{state.user_id}",
                    "is_staff": state.staff,
                    "is_superuser": state.superuser,
                    "groups": [],
                },
                "settings": {
                    "update_checking": {"backend_setting": "default"},
                    "trash_delay": 30,
                    "version": state.version,
                    "app_title": None,
                    "app_logo": None,
                    "auditlog_enabled": True,
                    "email_enabled": False,
                },
                "permissions": permissions,
            }
        )

    def _listed_tasks(self, request: web.Request) -> list[PaperlessTask] | web.Response:
        v9 = request["api_version"] < 10  # noqa: PLR2004 - API 10
        state = self.state
        # 2.x records only consume_file tasks; 3.x every type, for both API versions.
        tasks = [
            t
            for t in state.tasks
            if (self.major >= 3 or t.task_type == CONSUME) and state.visible_task(t)  # noqa: PLR2004
        ]
        query = request.query
        if "status" in query:
            # 2.x: Celery's upper-case states; 3.x: lower case, whatever the API version.
            wanted: set[str] = set()
            for value in query.getall("status"):
                valid = value.isupper() if self.major < 3 else value.islower()  # noqa: PLR2004
                if not valid or value.upper() not in TASK_STATES:
                    return _choice_error("status", value)
                wanted.add(value.upper())
            tasks = [t for t in tasks if t.status in wanted]
        if "acknowledged" in query:
            flag = query["acknowledged"].lower() in ("true", "1")
            tasks = [t for t in tasks if t.acknowledged == flag]
        type_key = "task_name" if v9 else "task_type"
        if type_key in query:
            tasks = [t for t in tasks if t.task_type == query[type_key]]
        if "task_id" in query:
            tasks = [t for t in tasks if t.task_id == query["task_id"]]
        ordering = query.get("ordering", "-date_created")
        key = ordering.lstrip("-")
        if key not in TASK_ORDERING:
            key = "date_created"
        far = datetime.max.replace(tzinfo=UTC)

        def sort_key(task: PaperlessTask) -> tuple[Any, int]:
            if key == "date_done":
                return (task.done or far, task.id)
            if key in ("status", "task_type"):
                return (getattr(task, key), task.id)
            return (task.created, task.id)

        return sorted(tasks, key=sort_key, reverse=ordering.startswith("-"))

    @api_route("GET", "/api/tasks/")
    async def tasks(self, request: web.Request) -> web.Response:
        """``GET /api/tasks/``: a plain list in API 9 (never paginated), a page in API 10."""
        tasks = self._listed_tasks(request)
        if isinstance(tasks, web.Response):
            return tasks
        if request["api_version"] < 10:  # noqa: PLR2004 - API 10
            return api_json([self.state.task_v9(t) for t in tasks])
        return api_json(_paginate(request, [self.state.task_v10(t) for t in tasks]))

    @api_route("GET", "/api/tasks/status_counts/")
    async def status_counts(self, _request: web.Request) -> web.Response:
        """``GET /api/tasks/status_counts/`` (3.x)."""
        self._v3_only()
        tasks = [t for t in self.state.tasks if self.state.visible_task(t)]
        return api_json(
            {
                "all": len(tasks),
                "needs_attention": sum(1 for t in tasks if t.status in (FAILURE, REVOKED)),
                "in_progress": sum(1 for t in tasks if t.status in (PENDING, STARTED)),
                "completed": sum(1 for t in tasks if t.status == SUCCESS),
            }
        )

    @api_route("GET", "/api/tasks/active/")
    async def active(self, request: web.Request) -> web.Response:
        """``GET /api/tasks/active/`` (3.x): the newest 50 waiting or running tasks, newest first."""
        self._v3_only()
        active = sorted(
            (
                t
                for t in self.state.tasks
                if t.status in (PENDING, STARTED) and self.state.visible_task(t)
            ),
            key=lambda t: (t.created, t.id),
            reverse=True,
        )[:ACTIVE_LIMIT]
        shape = self.state.task_v10 if request["api_version"] >= 10 else self.state.task_v9  # noqa: PLR2004
        return api_json([shape(t) for t in active])

    @api_route("POST", "/api/tasks/acknowledge/")
    async def acknowledge(self, request: web.Request) -> web.Response:
        """``POST /api/tasks/acknowledge/ {"tasks": [ids]}`` (the web UI's "Dismiss")."""
        body = await _json_body(request)
        ids = body.get("tasks")
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            return api_json({"tasks": ["This field is required."]}, 400)
        count = 0
        for task in self.state.tasks:
            if task.id in ids and self.state.visible_task(task):
                task.acknowledged, count = True, count + 1
        return api_json({"result": count})

    def _filtered_documents(self, request: web.Request) -> list[Document]:
        docs = self.state.visible_documents()
        query = request.query
        if (ids := _ints(query.get("id__in"))) is not None:
            docs = [d for d in docs if d.id in ids]
        if (ids := _ints(query.get("tags__id__all"))) is not None:
            docs = [d for d in docs if set(ids) <= d.tags]
        if (ids := _ints(query.get("tags__id__none"))) is not None:
            docs = [d for d in docs if not set(ids) & d.tags]
        if (ids := _ints(query.get("tags__id__in"))) is not None:
            docs = [d for d in docs if set(ids) & d.tags]
        if "is_in_inbox" in query:
            inbox = self.state.inbox_ids
            flag = query["is_in_inbox"].lower() in ("true", "1")
            docs = [d for d in docs if bool(d.tags & inbox) == flag]
        ordering = query.get("ordering", "-created")
        key = ordering.lstrip("-")
        sort_key: Callable[[Document], Any] = {
            "added": lambda d: (d.added, d.id),
            "modified": lambda d: (d.modified, d.id),
            "title": lambda d: (d.title, d.id),
            "id": lambda d: d.id,
        }.get(key, lambda d: (d.created, d.id))
        return sorted(docs, key=sort_key, reverse=ordering.startswith("-"))

    @api_route("GET", "/api/documents/")
    async def documents(self, request: web.Request) -> web.Response:
        """``GET /api/documents/`` with the filters the integration and tests use."""
        docs = self._filtered_documents(request)
        items = [_fields(request, self.state.document(d)) for d in docs]
        return api_json(_paginate(request, items, all_ids=[d.id for d in docs]))

    @api_route("GET", "/api/tags/")
    async def tags(self, request: web.Request) -> web.Response:
        """``GET /api/tags/`` (3.x adds ``display_count``)."""
        tags = sorted(self.state.tags.values(), key=lambda t: t.name.casefold())
        query = request.query
        if "name__iexact" in query:
            tags = [t for t in tags if t.name.casefold() == query["name__iexact"].casefold()]
        if "name__icontains" in query:
            tags = [t for t in tags if query["name__icontains"].casefold() in t.name.casefold()]
        if (ids := _ints(query.get("id__in"))) is not None:
            tags = [t for t in tags if t.id in ids]
        return api_json(
            _paginate(
                request,
                [self.state.tag(t) for t in tags],
                all_ids=[t.id for t in tags],
                display_count=self.major >= 3,  # noqa: PLR2004 - 3.x
            )
        )

    def _checked_documents(self, body: Mapping[str, Any]) -> list[int] | web.Response:
        ids = body.get("documents")
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            return api_json({"documents": ["This field is required."]}, 400)
        visible = {d.id for d in self.state.visible_documents()}
        if len(set(ids)) != len(ids) or any(i not in visible for i in ids):
            return api_json({"documents": [NOT_FOUND_IDS]}, 400)
        if not self.state.change_documents:
            return _forbidden()
        return ids

    @api_route("POST", "/api/documents/bulk_edit/")
    async def bulk_edit(self, request: web.Request) -> web.Response:
        """``POST /api/documents/bulk_edit/``: reprocess, add_tag, remove_tag."""
        body = await _json_body(request)
        ids = self._checked_documents(body)
        if isinstance(ids, web.Response):
            return ids
        method = body.get("method")
        parameters = body.get("parameters") or {}
        if method == "reprocess":
            self.state.reprocess(ids)
        elif method in ("add_tag", "remove_tag"):
            tag_id = parameters.get("tag") if isinstance(parameters, Mapping) else None
            if tag_id not in self.state.tags:
                return api_json({"non_field_errors": ["Tag does not exist"]}, 400)
            for doc_id in ids:
                doc = self.state.documents[doc_id]
                if method == "add_tag":
                    doc.tags.add(tag_id)
                else:
                    doc.tags.discard(tag_id)
                doc.modified = self.clock.now()
            if ids:
                self.state.bulk_update()
        else:
            return api_json({"method": [f'"{method}" is not a valid choice.']}, 400)
        return api_json({"result": "OK"})

    @api_route("POST", "/api/documents/reprocess/")
    async def reprocess(self, request: web.Request) -> web.Response:
        """``POST /api/documents/reprocess/`` (3.x; on 2.x it is a document's detail URL: 405)."""
        if self.major < 3:  # noqa: PLR2004 - Paperless-ngx 3.x
            return api_json({"detail": 'Method "POST" not allowed.'}, 405)
        ids = self._checked_documents(await _json_body(request))
        if isinstance(ids, web.Response):
            return ids
        self.state.reprocess(ids)
        return api_json({"result": "OK"})

    @api_route("POST", "/api/documents/post_document/")
    async def post_document(self, request: web.Request) -> web.Response:
        """``POST /api/documents/post_document/``: queue an upload, answer its task id."""
        form = await request.post()
        upload = form.get("document")
        name = getattr(upload, "filename", None)
        if not isinstance(name, str) or not name:
            return api_json({"document": ["No file was submitted."]}, 400)
        task = self.state.consume(name, self.clock.now(), trigger="api_upload")
        return api_json(task.task_id)


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Answer(api_json({"detail": "JSON parse error"}, 400)) from None
    if not isinstance(body, dict):
        raise Answer(api_json({"detail": "Expected an object"}, 400))
    return body
