"""A small async client for n8n's public REST API (`/api/v1`), on an injected aiohttp session.

The API key goes in the `X-N8N-API-KEY` header and is never logged. Executions come newest first,
a page at a time (`limit` up to 250, then `nextCursor`).

Waiting executions (a Wait node, a form or an approval) are deliberately not counted: the public
API's `status=waiting` filter has been seen to return nothing while an execution was waiting, and
counting them from the unfiltered list would mean walking the whole execution history. A waiting
execution is parked, not load.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
import json
from typing import Any, Final

import aiohttp
from yarl import URL

from .exceptions import (
    N8nAuthenticationError,
    N8nConnectionError,
    N8nInvalidResponseError,
    N8nResponseError,
)
from .models import Execution, ExecutionPage, Workflow

DEFAULT_TIMEOUT: Final = 10.0
PAGE_LIMIT: Final = 250
# At most this many pages per count (1000 executions): enough for a home lab's day.
MAX_PAGES: Final = 4
HTTP_OK: Final = 200
HTTP_BAD_REQUEST: Final = 400
HTTP_NOT_FOUND: Final = 404
HTTP_UNAVAILABLE: Final = 503
_AUTH_STATUSES: Final = (401, 403)


def _server_time(headers: Mapping[str, str]) -> datetime | None:
    header = headers.get("Date")
    if not header:
        return None
    try:
        return parsedate_to_datetime(header)
    except TypeError, ValueError:
        return None


class N8nClient:
    """Talks to one n8n instance."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Prepare a client for `url` (e.g. `http://nas.local:30109`) and an API key."""
        self.base_url = URL(url.rstrip("/"))
        self._api_key = api_key
        self._session = session
        self._timeout = request_timeout
        self.server_time: datetime | None = None
        """The server's clock at its last answer (`Date` header)."""
        self.running_filter_supported = True
        """False once the server refused `status=running` (n8n before 1.x knows no such filter)."""

    async def _get(
        self, path: str, params: Mapping[str, str | int] | None = None, *, auth: bool = True
    ) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if auth:
            headers["X-N8N-API-KEY"] = self._api_key
        try:
            async with self._session.get(
                URL(f"{self.base_url}{path}", encoded=True),
                params=params,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                raw = await response.text()
                status = response.status
                self.server_time = _server_time(response.headers) or self.server_time
        except TimeoutError as err:
            msg = f"n8n at {self.base_url} did not answer in time"
            raise N8nConnectionError(msg) from err
        except aiohttp.ClientError as err:
            msg = f"cannot reach n8n at {self.base_url}: {err.__class__.__name__}"
            raise N8nConnectionError(msg) from err
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw
        if auth and status in _AUTH_STATUSES:
            msg = f"n8n refused the API key ({status})"
            raise N8nAuthenticationError(msg)
        return status, payload

    async def _get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        status, payload = await self._get(path, params)
        if status >= HTTP_BAD_REQUEST:
            message = payload.get("message") if isinstance(payload, Mapping) else None
            msg = f"GET {path}: HTTP {status}: {message or 'no details'}"
            raise N8nResponseError(msg, status=status, payload=payload)
        if isinstance(payload, str) or payload is None:
            msg = f"{path}: the answer is not JSON"
            raise N8nInvalidResponseError(msg, payload=str(payload)[:200])
        return payload

    async def ready(self) -> bool:
        """`GET /healthz/readiness`: True when n8n and its database are up (200), False on 503."""
        status, _ = await self._get("/healthz/readiness", auth=False)
        if status == HTTP_OK:
            return True
        if status == HTTP_UNAVAILABLE:
            return False
        msg = f"/healthz/readiness: HTTP {status}"
        raise N8nResponseError(msg, status=status)

    async def executions(
        self, *, status: str | None = None, limit: int = PAGE_LIMIT, cursor: str | None = None
    ) -> ExecutionPage:
        """One page of executions, newest first."""
        params: dict[str, str | int] = {"limit": min(max(limit, 1), PAGE_LIMIT)}
        if status is not None:
            params["status"] = status
        if cursor is not None:
            params["cursor"] = cursor
        return ExecutionPage.from_dict(await self._get_json("/api/v1/executions", params))

    async def running_count(self) -> int | None:
        """Executions running now; `None` when the server has no `running` filter (n8n < 1.x)."""
        if not self.running_filter_supported:
            return None
        total = 0
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            try:
                page = await self.executions(status="running", cursor=cursor)
            except N8nResponseError as err:
                if err.status != HTTP_BAD_REQUEST:
                    raise
                self.running_filter_supported = False
                return None
            total += sum(1 for execution in page.executions if execution.status == "running")
            cursor = page.next_cursor
            if cursor is None:
                break
        return total

    async def failures_since(self, since: datetime) -> list[Execution]:
        """Executions that ended in error and started at or after `since`, newest first."""
        failures: list[Execution] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await self.executions(status="error", cursor=cursor)
            for execution in page.executions:
                if execution.started_at is not None and execution.started_at < since:
                    return failures
                failures.append(execution)
            cursor = page.next_cursor
            if cursor is None:
                break
        return failures

    async def workflow(self, workflow_id: str) -> Workflow | None:
        """A workflow's name, or `None` when it was deleted."""
        try:
            return Workflow.from_dict(await self._get_json(f"/api/v1/workflows/{workflow_id}"))
        except N8nResponseError as err:
            if err.status == HTTP_NOT_FOUND:
                return None
            raise
