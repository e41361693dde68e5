"""A small async client for the Paperless-ngx REST API, on an injected aiohttp session.

Authentication is `Authorization: Token <token>` (never logged). The API version is negotiated
once: the first request asks for version 9, which Paperless-ngx 2.18 to 2.20 and every 3.x allow,
and reads `X-Api-Version` (the highest version the server allows) from the answer; the client then
speaks 10 to a 3.x server and 9 to a 2.x one. The two versions differ for tasks: version 9 lists
them as a plain JSON list filtered by an upper-case `status`; version 10 paginates them and adds
`/api/tasks/status_counts/` and `/api/tasks/active/`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
import json
from typing import Any, Final

import aiohttp
from yarl import URL

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
MAX_IDS_PER_QUERY: Final = 100
TAG_PAGE_SIZE: Final = 1000
MAX_TAG_PAGES: Final = 10
_STATUS_ERRORS: Final[dict[int, type[PaperlessResponseError]]] = {
    400: PaperlessBadRequestError,
    403: PaperlessPermissionError,
    406: PaperlessUnsupportedVersionError,
}


def _server_time(headers: Mapping[str, str]) -> datetime | None:
    header = headers.get("Date")
    if not header:
        return None
    try:
        return parsedate_to_datetime(header)
    except TypeError, ValueError:
        return None


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


class PaperlessClient:
    """Talks to one Paperless-ngx server."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: aiohttp.ClientSession,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Prepare a client for `url` (e.g. `http://nas.local:30070`) and an API token."""
        self.base_url = URL(url.rstrip("/"))
        self._token = token
        self._session = session
        self._timeout = request_timeout
        self.api_version: int | None = None
        """The negotiated API version (9 or 10), once a request was made."""
        self.server_version: str | None = None
        """The server's version from `X-Version`, e.g. `2.20.15`."""
        self.server_time: datetime | None = None
        """The server's clock at its last answer (`Date` header)."""

    # ------------------------------------------------------------------ transport

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        if self.api_version is None:
            await self.negotiate()
        return await self._send(method, path, self.api_version or FIRST_VERSION, params, body)

    async def _send(
        self,
        method: str,
        path: str,
        version: int,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        headers = {
            "Accept": f"application/json; version={version}",
            "Authorization": f"Token {self._token}",
        }
        try:
            async with self._session.request(
                method,
                URL(f"{self.base_url}{path}", encoded=True),
                params=params,
                json=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                raw = await response.text()
                status = response.status
                self.server_time = _server_time(response.headers) or self.server_time
                if "X-Version" in response.headers:
                    self.server_version = response.headers["X-Version"]
                allowed = response.headers.get("X-Api-Version")
        except TimeoutError as err:
            msg = f"Paperless-ngx at {self.base_url} did not answer in time"
            raise PaperlessConnectionError(msg) from err
        except aiohttp.ClientError as err:
            msg = f"cannot reach Paperless-ngx at {self.base_url}: {err.__class__.__name__}"
            raise PaperlessConnectionError(msg) from err
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw
        if status == 401:  # noqa: PLR2004 - HTTP status
            msg = f"Paperless-ngx refused the token: {_detail(payload)}"
            raise PaperlessAuthenticationError(msg)
        if status >= 400:  # noqa: PLR2004 - HTTP error statuses
            error = _STATUS_ERRORS.get(status, PaperlessResponseError)
            msg = f"{method} {path}: HTTP {status}: {_detail(payload)}"
            raise error(msg, status=status, payload=payload)
        if isinstance(payload, str):
            msg = f"{path}: the answer is not JSON"
            raise PaperlessInvalidResponseError(msg, payload=payload[:200])
        if allowed is not None and self.api_version is None:
            self._pick_version(allowed)
        return payload

    def _pick_version(self, allowed: str) -> None:
        try:
            highest = int(allowed)
        except ValueError:
            highest = FIRST_VERSION
        self.api_version = max(v for v in SUPPORTED_VERSIONS if v <= max(highest, FIRST_VERSION))

    async def negotiate(self) -> int:
        """Find the API version to speak (10 on Paperless-ngx 3.x, 9 on 2.x) and check the token."""
        self.api_version = None
        await self._send("GET", "/api/", FIRST_VERSION)
        if self.api_version is None:
            # No X-Api-Version (a proxy dropped it): 9 works on every supported server.
            self.api_version = FIRST_VERSION
        return self.api_version

    # ------------------------------------------------------------------ reading

    async def statistics(self) -> Statistics:
        """Document counts."""
        return Statistics.from_dict(await self._request("GET", "/api/statistics/"))

    async def status(self) -> SystemStatus:
        """Health of database, Redis, Celery, index and classifier (needs a staff user)."""
        return SystemStatus.from_dict(await self._request("GET", "/api/status/"))

    async def task_queue(self) -> TaskQueue:
        """Tasks waiting and running, the oldest of them, and recent unacknowledged failures."""
        if self.api_version is None:
            await self.negotiate()
        if (self.api_version or FIRST_VERSION) >= 10:  # noqa: PLR2004 - API version
            return await self._task_queue_v10()
        return await self._task_queue_v9()

    async def _task_queue_v9(self) -> TaskQueue:
        pending = await self._tasks_v9("PENDING")
        started = await self._tasks_v9("STARTED")
        failed = await self._tasks_v9("FAILURE", acknowledged="false")
        return self._queue(len(pending), len(started), [*pending, *started], failed)

    async def _tasks_v9(self, status: str, **filters: str) -> list[Task]:
        data = await self._request("GET", "/api/tasks/", params={"status": status, **filters})
        return [Task.from_dict(item) for item in page_results(data, "tasks")]

    async def _task_queue_v10(self) -> TaskQueue:
        counts = mapping(await self._request("GET", "/api/tasks/status_counts/"), "status_counts")
        in_progress = required_int(counts, "in_progress", "status_counts")
        active = [
            Task.from_dict(item)
            for item in page_results(await self._request("GET", "/api/tasks/active/"), "active")
        ]
        started = sum(1 for task in active if task.status == STARTED)
        failed_page = await self._request(
            "GET",
            "/api/tasks/",
            params={
                "status": "failure",
                "acknowledged": "false",
                "ordering": "-date_created",
                "page_size": FAILED_PAGE,
            },
        )
        failed = [Task.from_dict(item) for item in page_results(failed_page, "tasks")]
        return self._queue(max(in_progress - started, 0), started, active, failed)

    def _queue(
        self, pending: int, started: int, unfinished: Iterable[Task], failed: Iterable[Task]
    ) -> TaskQueue:
        now = self.server_time or datetime.now(UTC)
        created = [
            task.created
            for task in unfinished
            if task.created is not None and task.status in (PENDING, STARTED)
        ]
        since = now - FAILED_WINDOW
        return TaskQueue(
            pending=pending,
            started=started,
            oldest=min(created, default=None),
            failed_recent=sum(
                1
                for task in failed
                if not task.acknowledged and (task.done or task.created or now) >= since
            ),
            server_time=self.server_time,
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
        """Up to `limit` ids of documents with the tag, oldest first, and how many there are."""
        params: dict[str, str | int] = {
            "tags__id__all": tag_id,
            "page_size": max(limit, 1),
            "ordering": "added",
            "fields": "id",
        }
        return DocumentPage.from_dict(await self._request("GET", "/api/documents/", params=params))

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
            await self._request("POST", "/api/documents/reprocess/", body={"documents": documents})
        else:
            await self._bulk_edit(documents, "reprocess", {})

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
