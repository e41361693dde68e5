"""A small async client for the Paperless-ngx REST API, on an injected aiohttp session.

Authentication is `Authorization: Token <token>` (never logged). The API version is negotiated
once: the first request (`GET /api/statistics/`, which answers JSON on every supported release)
asks for version 9, which Paperless-ngx 2.18 to 2.20 and every 3.x allow, and reads
`X-Api-Version` (the highest version the server allows) from the answer; the client then speaks
10 to a 3.x server and 9 to a 2.x one. `GET /api/` is never used: since 2.15 it redirects to the
Swagger page, which refuses a JSON `Accept` with 406 (and answers 500 to a wrong token).

The two versions differ for tasks. Version 9 lists them as a plain JSON list (never paginated)
filtered by `status`, in upper case on 2.x (`PENDING`) but in lower case on 3.x, which refuses
the upper-case values with 400. Version 10 paginates them (`count`), and no paginated answer
carries the `all` list of ids any more. `/api/tasks/active/` lists only the newest 50, so the
queue is read as two filtered pages ordered oldest first: the running tasks, and the waiting
ones (whose `count` is the depth). Acknowledged tasks are left out everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ..http_api import ApiClient, Errors, Params
from .exceptions import (
    PaperlessAuthenticationError,
    PaperlessBadRequestError,
    PaperlessConnectionError,
    PaperlessInvalidResponseError,
    PaperlessPermissionError,
    PaperlessResponseError,
    PaperlessUnsupportedVersionError,
)
from .models import (
    PENDING,
    STARTED,
    DocumentPage,
    Statistics,
    SystemStatus,
    Tag,
    Task,
    TaskQueue,
    UserInfo,
    mapping,
    page_results,
    required_int,
)

SUPPORTED_VERSIONS: Final = (9, 10)
FIRST_VERSION: Final = 9
DEFAULT_TIMEOUT: Final = 15.0
FAILED_WINDOW: Final = timedelta(hours=24)
# One page of failed tasks is enough to count those of the last 24 hours on a home server.
FAILED_PAGE: Final = 100
# Running tasks are as many as Celery workers (PAPERLESS_TASK_WORKERS, 1 by default) plus
# orphans: one page shows them all on a home server; `count` stays right beyond it.
RUNNING_PAGE: Final = 50
MAX_IDS_PER_QUERY: Final = 100
TAG_PAGE_SIZE: Final = 1000
MAX_TAG_PAGES: Final = 10
# Documents with a tag are listed by id in pages of this size (up to 10 pages).
ID_PAGE_SIZE: Final = 1000
MAX_ID_PAGES: Final = 10
VERSION_PROBE: Final = "/api/statistics/"
_STATUS_ERRORS: Final[dict[int, type[PaperlessResponseError]]] = {
    400: PaperlessBadRequestError,
    403: PaperlessPermissionError,
    406: PaperlessUnsupportedVersionError,
}


def _fields(payload: Any) -> set[str]:
    """The field names a DRF validation error names (`{"status": ["..."]}`)."""
    return {str(key) for key in payload} if isinstance(payload, Mapping) else set()


def _detail(payload: Any) -> str:
    """A readable message from a DRF error body (`{"detail": ...}` or `{"field": [...]}`)."""
    if isinstance(payload, Mapping):
        if isinstance(payload.get("detail"), str):
            return str(payload["detail"])
        for value in payload.values():
            if isinstance(value, list) and value:
                return str(value[0])
            if isinstance(value, str):
                return value
    if isinstance(payload, str) and payload.strip():
        return payload.strip()[:200]
    return "no details"


class PaperlessClient(ApiClient):
    """Talks to one Paperless-ngx server."""

    service = "Paperless-ngx"
    errors = Errors(PaperlessConnectionError, PaperlessResponseError, PaperlessInvalidResponseError)
    auth_scheme = "Token"
    default_timeout = DEFAULT_TIMEOUT

    api_version: int | None = None
    """The negotiated API version (9 or 10), once a request was made."""
    server_version: str | None = None
    """The server's version from `X-Version`, e.g. `2.20.15`."""
    _v9_lower: bool | None = None
    """Whether API 9 takes status filters in lower case, once the server said so."""

    # ------------------------------------------------------------------ transport

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        if self.api_version is None:
            if method == "GET" and path == VERSION_PROBE and not params:
                # The statistics are the version probe: one request, not two.
                payload = await self._send(method, path, FIRST_VERSION)
                self.api_version = self.api_version or FIRST_VERSION
                return payload
            await self.negotiate()
        return await self._send(method, path, self.api_version or FIRST_VERSION, params, body)

    async def _send(
        self,
        method: str,
        path: str,
        version: int,
        params: Params | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        answer = await self._http.request(
            method,
            path,
            params=params,
            body=body,
            headers={"Accept": f"application/json; version={version}"},
        )
        if "X-Version" in answer.headers:
            self.server_version = answer.headers["X-Version"]
        payload = answer.payload
        if answer.status == 401:  # noqa: PLR2004 - HTTP status
            msg = f"Paperless-ngx refused the token: {_detail(payload)}"
            raise PaperlessAuthenticationError(msg)
        self._http.check(answer, _detail(payload), kinds=_STATUS_ERRORS)
        if isinstance(payload, str):
            raise self._http.not_json(answer)
        allowed = answer.headers.get("X-Api-Version")
        if allowed is not None and self.api_version is None:
            self._pick_version(allowed)
        return payload

    def _pick_version(self, allowed: str) -> None:
        try:
            highest = int(allowed)
        except ValueError:
            highest = FIRST_VERSION
        self.api_version = max(v for v in SUPPORTED_VERSIONS if v <= max(highest, FIRST_VERSION))

    @property
    def server_major(self) -> int | None:
        """The server's major version (2 or 3) from `X-Version`, when the server sent it."""
        if not self.server_version:
            return None
        try:
            return int(self.server_version.split(".", 1)[0])
        except ValueError:
            return None

    async def negotiate(self) -> int:
        """Find the API version to speak (10 on Paperless-ngx 3.x, 9 on 2.x) and check the token.

        `GET /api/statistics/` answers JSON with `X-Api-Version` on 2.x and 3.x alike; a wrong
        token gets 401 there (`PaperlessAuthenticationError`).
        """
        self.api_version = None
        await self._send("GET", VERSION_PROBE, FIRST_VERSION)
        if self.api_version is None:
            # No X-Api-Version (a proxy dropped it): 9 works on every supported server.
            self.api_version = FIRST_VERSION
        return self.api_version

    # ------------------------------------------------------------------ reading

    async def statistics(self) -> Statistics:
        """Document counts."""
        return Statistics.from_dict(await self._request("GET", "/api/statistics/"))

    async def status(self) -> SystemStatus:
        """Health of database, Redis, Celery, index and classifier (needs a staff user).

        Expensive: the real server takes 2 to 3 s to answer (it pings Redis, Celery and the
        index); read it rarely.
        """
        return SystemStatus.from_dict(await self._request("GET", "/api/status/"))

    async def user_info(self) -> UserInfo:
        """Who the token belongs to: staff, superuser, and the user's permissions."""
        return UserInfo.from_dict(await self._request("GET", "/api/ui_settings/"))

    async def task_queue(self, *, failures: bool = True) -> TaskQueue:
        """Tasks waiting and running, the oldest of them, and recent unacknowledged failures.

        `failures=False` skips reading the failures (one request less; `failed_recent` is 0).
        """
        if self.api_version is None:
            await self.negotiate()
        if (self.api_version or FIRST_VERSION) >= 10:  # noqa: PLR2004 - API version
            return await self._task_queue_v10(failures=failures)
        return await self._task_queue_v9(failures=failures)

    async def recent_failures(self) -> int:
        """Failed tasks not acknowledged, failed within the last 24 hours."""
        if self.api_version is None:
            await self.negotiate()
        if (self.api_version or FIRST_VERSION) >= 10:  # noqa: PLR2004 - API version
            _count, failed = await self._tasks_page("failure", "-date_created", FAILED_PAGE)
        else:
            failed = await self._tasks_v9("FAILURE", {"acknowledged": "false"})
        return self._queue(0, 0, (), (), failed).failed_recent

    # --- API 9: plain lists

    def _v9_lower_case(self) -> bool:
        """Whether API 9 status filters are lower case: on 3.x they are, on 2.x upper case."""
        if self._v9_lower is not None:
            return self._v9_lower
        return (self.server_major or 2) >= 3  # noqa: PLR2004 - Paperless-ngx 3.x

    async def _task_queue_v9(self, *, failures: bool) -> TaskQueue:
        unacked = {"acknowledged": "false"}
        pending = await self._tasks_v9("PENDING", unacked)
        started = await self._tasks_v9("STARTED", unacked)
        failed = await self._tasks_v9("FAILURE", unacked) if failures else []
        return self._queue(len(pending), len(started), [*pending, *started], started, failed)

    async def _tasks_v9(self, status: str, filters: Mapping[str, str]) -> list[Task]:
        """One status's tasks, in the case the server takes (learned from a 400 when unsure)."""
        for _attempt in range(2):
            lower = self._v9_lower_case()
            value = status.lower() if lower else status
            try:
                data = await self._request(
                    "GET", "/api/tasks/", params={"status": value, **filters}
                )
            except PaperlessBadRequestError as err:
                # "Select a valid choice. PENDING is not one of the available choices."
                if self._v9_lower is not None or "status" not in _fields(err.payload):
                    raise
                self._v9_lower = not lower
                continue
            self._v9_lower = lower
            return [Task.from_dict(item) for item in page_results(data, "tasks")]
        msg = f"/api/tasks/: neither case of status={status} is accepted"
        raise PaperlessInvalidResponseError(msg)  # pragma: no cover - flips at most once

    # --- API 10: pages with a count

    async def _tasks_page(self, status: str, ordering: str, size: int) -> tuple[int, list[Task]]:
        data = await self._request(
            "GET",
            "/api/tasks/",
            params={
                "status": status,
                "acknowledged": "false",
                "ordering": ordering,
                "page_size": size,
            },
        )
        page = mapping(data, "tasks")
        tasks = [Task.from_dict(item) for item in page_results(page, "tasks")]
        return required_int(page, "count"), tasks

    async def _task_queue_v10(self, *, failures: bool) -> TaskQueue:
        started_count, running = await self._tasks_page("started", "date_created", RUNNING_PAGE)
        pending_count, first_pending = await self._tasks_page("pending", "date_created", 1)
        failed: list[Task] = []
        if failures:
            _count, failed = await self._tasks_page("failure", "-date_created", FAILED_PAGE)
        return self._queue(
            pending_count, started_count, [*running, *first_pending], running, failed
        )

    def _queue(
        self,
        pending: int,
        started: int,
        unfinished: Iterable[Task],
        running: Iterable[Task],
        failed: Iterable[Task],
    ) -> TaskQueue:
        now = self.server_time or datetime.now(UTC)
        waiting = [
            task
            for task in unfinished
            if task.created is not None and task.status in (PENDING, STARTED)
        ]
        oldest = min(waiting, key=lambda task: (task.created, task.id), default=None)
        since = now - FAILED_WINDOW
        return TaskQueue(
            pending=pending,
            started=started,
            oldest=oldest.created if oldest is not None else None,
            failed_recent=sum(
                1
                for task in failed
                if not task.acknowledged and (task.done or task.created or now) >= since
            ),
            server_time=self.server_time,
            oldest_task=oldest,
            running=tuple(sorted(running, key=lambda task: (task.created or now, task.id))),
        )

    async def find_tag(self, name: str) -> Tag | None:
        """The tag called `name` (case-insensitive), or `None`."""
        data = await self._request("GET", "/api/tags/", params={"name__iexact": name.strip()})
        tags = [Tag.from_dict(item) for item in page_results(data, "tags")]
        return next((tag for tag in tags if tag.name.casefold() == name.strip().casefold()), None)

    async def tags(self) -> list[Tag]:
        """Every tag, each with its document count."""
        tags: list[Tag] = []
        for page in range(1, MAX_TAG_PAGES + 1):
            data = await self._request(
                "GET", "/api/tags/", params={"page_size": TAG_PAGE_SIZE, "page": page}
            )
            tags.extend(Tag.from_dict(item) for item in page_results(data, "tags"))
            if not isinstance(data, Mapping) or not data.get("next"):
                break
        return tags

    async def count_documents(
        self, *, with_tag: int | None = None, without_tag: int | None = None
    ) -> int:
        """How many documents have the tag `with_tag` / lack the tag `without_tag`."""
        params: dict[str, str | int] = {"page_size": 1, "fields": "id"}
        if with_tag is not None:
            params["tags__id__all"] = with_tag
        if without_tag is not None:
            params["tags__id__none"] = without_tag
        page = DocumentPage.from_dict(await self._request("GET", "/api/documents/", params=params))
        return page.count

    async def documents_with_tag(self, tag_id: int, *, limit: int) -> DocumentPage:
        """The documents with the tag, oldest first: `ids` the first `limit`, `all_ids` every one.

        API 10 pages carry no `all` list, so the ids are read page by page (`count` says how
        many there are; beyond 10,000 ids, `all_ids` stops short of `count`).
        """
        ids: list[int] = []
        count = 0
        for page in range(1, MAX_ID_PAGES + 1):
            params: dict[str, str | int] = {
                "tags__id__all": tag_id,
                "page_size": ID_PAGE_SIZE,
                "ordering": "added",
                "fields": "id",
            }
            if page > 1:
                params["page"] = page
            data = await self._request("GET", "/api/documents/", params=params)
            parsed = DocumentPage.from_dict(data)
            count = parsed.count
            ids.extend(parsed.ids)
            if not parsed.ids or len(ids) >= count or not mapping(data, "documents").get("next"):
                break
        wanted = max(limit, 0)
        return DocumentPage(count=count, ids=tuple(ids[:wanted]), all_ids=tuple(ids))

    async def existing_documents(self, ids: Iterable[int]) -> set[int]:
        """Which of `ids` exist (and are visible to the token's user)."""
        wanted = sorted(set(ids))
        found: set[int] = set()
        for start in range(0, len(wanted), MAX_IDS_PER_QUERY):
            chunk = wanted[start : start + MAX_IDS_PER_QUERY]
            params: dict[str, str | int] = {
                "id__in": ",".join(str(i) for i in chunk),
                "page_size": len(chunk),
                "fields": "id",
            }
            page = DocumentPage.from_dict(
                await self._request("GET", "/api/documents/", params=params)
            )
            found.update(page.ids)
        return found

    # ------------------------------------------------------------------ changing

    async def reprocess(self, ids: Iterable[int]) -> None:
        """Queue the documents for reprocessing: OCR and metadata run again on the stored original.

        API 10 uses `POST /api/documents/reprocess/`; API 9 the `reprocess` bulk edit (which
        3.x still accepts but deprecates). Unknown ids: `PaperlessBadRequestError`;
        missing permission: `PaperlessPermissionError`.
        """
        documents = list(dict.fromkeys(ids))
        if not documents:
            return
        if self.api_version is None:
            await self.negotiate()
        if (self.api_version or FIRST_VERSION) >= 10:  # noqa: PLR2004 - API version
            try:
                await self._request(
                    "POST", "/api/documents/reprocess/", body={"documents": documents}
                )
            except PaperlessResponseError as err:
                if err.status != 405:  # noqa: PLR2004 - 2.x: "Method POST not allowed"
                    raise
            else:
                return
        await self._bulk_edit(documents, "reprocess", {})

    async def acknowledge_tasks(self, ids: Iterable[int]) -> int:
        """Dismiss tasks (as the web UI's "Dismiss" does); how many were acknowledged.

        Paperless-ngx never finishes a task whose worker was killed: it stays `started` for
        ever. Acknowledged, it no longer counts as waiting or running here.
        """
        tasks = list(dict.fromkeys(ids))
        if not tasks:
            return 0
        data = await self._request("POST", "/api/tasks/acknowledge/", body={"tasks": tasks})
        result = mapping(data, "acknowledge").get("result")
        return result if isinstance(result, int) and not isinstance(result, bool) else 0

    async def remove_tag(self, ids: Iterable[int], tag_id: int) -> None:
        """Remove a tag from the documents."""
        documents = list(dict.fromkeys(ids))
        if documents:
            await self._bulk_edit(documents, "remove_tag", {"tag": tag_id})

    async def _bulk_edit(self, ids: list[int], method: str, parameters: dict[str, Any]) -> None:
        await self._request(
            "POST",
            "/api/documents/bulk_edit/",
            body={"documents": ids, "method": method, "parameters": parameters},
        )
