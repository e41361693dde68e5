"""A small async client for n8n's public REST API (`/api/v1`), on an injected aiohttp session.

The API key goes in the `X-N8N-API-KEY` header and is never logged. Executions come newest first,
a page at a time (`limit` up to 250, then `nextCursor`, whose ids are strings).

What the real n8n (2.41.1) does, and this client relies on:
- API keys carry scopes. 401 means a wrong key; 403 means a valid key without the scope the
  call needs (`N8nScopeError` names it). Listing executions needs `execution:list`; a
  workflow's name needs `workflow:read` (optional: without it there are no names).
- The unfiltered list leaves running executions out: running ones are counted with
  `status=running`. A Wait node shorter than 65 s keeps its execution `running`; a longer one
  parks it as `waiting`, and `status=waiting` lists those (it works on 2.41.1).
- An execution killed by a restart ends as `crashed`, which `status=error` does not return:
  failures are `error` and `crashed` (`FAILED_STATUSES`), read with one filter each.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from http import HTTPStatus
from typing import Any, Final

from ..http_api import Answer, ApiKeyClient, Errors, Params
from .exceptions import (
    N8nAuthenticationError,
    N8nConnectionError,
    N8nInvalidResponseError,
    N8nResponseError,
    N8nScopeError,
)
from .models import Execution, ExecutionPage, Workflow

PAGE_LIMIT: Final = 250
# At most this many pages per count (1000 executions): enough for a home lab's day.
MAX_PAGES: Final = 4

# The API key scopes the client uses (n8n's names).
EXECUTION_LIST: Final = "execution:list"
"""Required: every count reads `GET /api/v1/executions`."""
WORKFLOW_READ: Final = "workflow:read"
"""Optional: the name of the last failed execution's workflow (`GET /api/v1/workflows/{id}`)."""
REQUIRED_SCOPES: Final = (EXECUTION_LIST, WORKFLOW_READ)
"""The scopes to give the key, required first."""
FAILED_STATUSES: Final = ("error", "crashed")
"""The end states of a failed execution (`crashed`: killed by a restart or out of memory)."""


class N8nClient(ApiKeyClient):
    """Talks to one n8n instance (e.g. `http://nas.local:30109`)."""

    service = "n8n"
    errors = Errors(N8nConnectionError, N8nResponseError, N8nInvalidResponseError)
    key_header = "X-N8N-API-KEY"
    running_filter_supported = True
    """False once the server refused `status=running` (n8n before 1.x knows no such filter)."""
    crashed_filter_supported = True
    """False once the server refused `status=crashed` (failures are then `error` only)."""

    async def _get(
        self,
        path: str,
        params: Params | None = None,
        *,
        auth: bool = True,
        scope: str = EXECUTION_LIST,
    ) -> Answer:
        answer = await self._http.request("GET", path, params=params, headers=self._key(auth=auth))
        if auth and answer.status == HTTPStatus.UNAUTHORIZED:
            msg = f"n8n refused the API key ({answer.status})"
            raise N8nAuthenticationError(msg)
        if auth and answer.status == HTTPStatus.FORBIDDEN:
            msg = f"GET {path}: the API key lacks the {scope} scope"
            raise N8nScopeError(msg, scope=scope, payload=answer.payload)
        return answer

    async def _get_json(
        self,
        path: str,
        params: Params | None = None,
        *,
        scope: str = EXECUTION_LIST,
    ) -> Any:
        answer = await self._get(path, params, scope=scope)
        payload = answer.payload
        message = payload.get("message") if isinstance(payload, Mapping) else None
        self._http.check(answer, message or "no details")
        return self._http.json(answer)

    async def ready(self) -> bool:
        """`GET /healthz/readiness`: True when n8n and its database are up (200), False on 503."""
        answer = await self._get("/healthz/readiness", auth=False)
        if answer.status == HTTPStatus.OK:
            return True
        if answer.status == HTTPStatus.SERVICE_UNAVAILABLE:
            return False
        msg = f"/healthz/readiness: HTTP {answer.status}"
        raise N8nResponseError(msg, status=answer.status)

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

    async def _count(self, status: str) -> int:
        total = 0
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await self.executions(status=status, cursor=cursor)
            total += sum(1 for execution in page.executions if execution.status == status)
            cursor = page.next_cursor
            if cursor is None:
                break
        return total

    async def running_count(self) -> int | None:
        """Executions running now; `None` when the server has no `running` filter (n8n < 1.x).

        A Wait node shorter than 65 s leaves its execution running (n8n waits in memory).
        """
        if not self.running_filter_supported:
            return None
        try:
            return await self._count("running")
        except N8nResponseError as err:
            if err.status != HTTPStatus.BAD_REQUEST:
                raise
            self.running_filter_supported = False
            return None

    async def waiting_count(self) -> int:
        """Executions parked by a Wait node (65 s or longer), a form or an approval."""
        return await self._count("waiting")

    async def _failed(
        self, status: str, since: datetime | None, limit: int, known: Collection[str] = ()
    ) -> list[Execution]:
        found: list[Execution] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            try:
                page = await self.executions(status=status, cursor=cursor, limit=limit)
            except N8nResponseError as err:
                if status == "crashed" and err.status == HTTPStatus.BAD_REQUEST:
                    # An n8n that knows no `crashed` filter (older releases): errors only.
                    self.crashed_filter_supported = False
                    return []
                raise
            for execution in page.executions:
                started = execution.started_at
                if since is not None and started is not None and started < since:
                    return found
                if execution.id in known:
                    return found  # newest first: the rest was read before
                found.append(execution)
            cursor = page.next_cursor
            if cursor is None or (since is None and len(found) >= limit):
                break
        return found

    def _statuses(self) -> tuple[str, ...]:
        return FAILED_STATUSES if self.crashed_filter_supported else ("error",)

    async def failures_since(
        self, since: datetime, *, known: Collection[str] = (), page_size: int = PAGE_LIMIT
    ) -> list[Execution]:
        """Executions that failed (`error` or `crashed`) and started at or after `since`.

        Newest first. `status=error` does not return crashed executions: one filter each.
        With `known` (ids read before), each list stops at the first known execution, so a
        caller that keeps the failures reads only the new ones, in pages of `page_size`.
        """
        failures: list[Execution] = []
        for status in self._statuses():
            failures += await self._failed(status, since, page_size, known)
        return _newest_first(failures)

    async def last_failure(self) -> Execution | None:
        """The newest failed (`error` or `crashed`) execution, however old."""
        failures: list[Execution] = []
        for status in self._statuses():
            failures += await self._failed(status, None, 1)
        ordered = _newest_first(failures)
        return ordered[0] if ordered else None

    async def workflow(self, workflow_id: str) -> Workflow | None:
        """A workflow's name, or `None` when it was deleted (needs the `workflow:read` scope)."""
        try:
            return Workflow.from_dict(
                await self._get_json(f"/api/v1/workflows/{workflow_id}", scope=WORKFLOW_READ)
            )
        except N8nScopeError:
            raise
        except N8nResponseError as err:
            if err.status == HTTPStatus.NOT_FOUND:
                return None
            raise


def _order(execution: Execution) -> tuple[float, int]:
    started = execution.started_at.timestamp() if execution.started_at else 0.0
    return started, int(execution.id) if execution.id.isdigit() else 0


def _newest_first(executions: list[Execution]) -> list[Execution]:
    return sorted(executions, key=_order, reverse=True)
