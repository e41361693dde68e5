"""Polls n8n: readiness, running and waiting executions, and the failures of the last 24 hours.

What counts comes from the real n8n (see `n8n.client`): running executions are read with the
`running` filter (the unfiltered list leaves them out); waiting ones (a Wait node of 65 s or more,
a form, an approval) with the `waiting` filter, which works on 2.41.1; failures are `error` and
`crashed` (a restart kills running executions as `crashed`).

The API key's scopes: without `execution:list` nothing can be read (the entry's update fails);
without `workflow:read` only the failed workflow's name is missing. Either way a repair issue
names the scope, and the key is not treated as refused: no reauth, the rest keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ..clients.n8n import REQUIRED_SCOPES, Execution, N8nClient, N8nScopeError
from ..const import DOMAIN
from .const import CONF_URL, poll_interval
from .coordinator import ServiceCoordinator

FAILURE_WINDOW: Final = timedelta(hours=24)
# The day's failures are kept between polls and only the new ones read (a busy n8n lists
# hundreds: parsing them at every poll cost the event loop up to 30 ms). All of them are read
# again this often, so one that failed late, behind newer ones, or was deleted, is caught.
FAILURE_RESYNC: Final = timedelta(minutes=10)
NEW_FAILURES_PAGE: Final = 20
# After a refused `workflow:read`, ask again this much later (the scope may have been added).
SCOPE_RETRY: Final = timedelta(minutes=30)
ISSUE_KEY: Final = "n8n_missing_scope"


@dataclass(frozen=True, slots=True)
class N8nData:
    """One poll of n8n."""

    ready: bool
    running: int | None
    """Executions running now (`None`: not ready, or an n8n without the `running` filter)."""
    failed_recent: int | None
    """Executions that ended `error` or `crashed` in the last 24 hours."""
    last_failure: Execution | None = None
    last_failure_workflow: str | None = None
    """The name of the last failed execution's workflow (`None`: deleted, or no `workflow:read`)."""
    waiting: int | None = None
    """Executions parked by a Wait node (65 s or more), a form or an approval."""


def missing_scope_issue_id(entry: ConfigEntry[Any], scope: str) -> str:
    """The repair issue raised when the entry's API key lacks `scope`."""
    return f"{entry.entry_id}_{ISSUE_KEY}_{scope.replace(':', '_')}"


class N8nCoordinator(ServiceCoordinator[N8nData]):
    """Reads `/healthz/readiness` and the public API's executions."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any], client: N8nClient) -> None:
        """Poll at the entry's interval."""
        super().__init__(
            hass, entry, service="n8n", interval=timedelta(seconds=poll_interval(entry))
        )
        self.client = client
        self._workflow_names: dict[str, str | None] = {}
        # The failures of the last FAILURE_WINDOW, by execution id, and when all were read.
        self._failures: dict[str, Execution] = {}
        self._failures_synced: datetime | None = None
        self._workflow_read_refused_at: datetime | None = None

    def _scope_missing(self, scope: str) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            missing_scope_issue_id(self.config_entry, scope),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR
            if scope == REQUIRED_SCOPES[0]
            else ir.IssueSeverity.WARNING,
            translation_key=ISSUE_KEY,
            translation_placeholders={
                "scope": scope,
                "entry": self.config_entry.title,
                "url": str(self.config_entry.data.get(CONF_URL, "")),
                "scopes": ", ".join(REQUIRED_SCOPES),
            },
        )

    def _scope_granted(self, scope: str) -> None:
        ir.async_delete_issue(self.hass, DOMAIN, missing_scope_issue_id(self.config_entry, scope))

    async def _workflow_name(self, workflow_id: str | None) -> str | None:
        if workflow_id is None:
            return None
        if workflow_id in self._workflow_names:
            return self._workflow_names[workflow_id]
        refused = self._workflow_read_refused_at
        if refused is not None and dt_util.utcnow() - refused < SCOPE_RETRY:
            return None
        try:
            workflow = await self.client.workflow(workflow_id)
        except N8nScopeError as err:
            # Not an authentication failure: the key works, only the names are missing.
            self._workflow_read_refused_at = dt_util.utcnow()
            self._scope_missing(err.scope)
            return None
        self._workflow_read_refused_at = None
        self._scope_granted(REQUIRED_SCOPES[1])
        self._workflow_names[workflow_id] = workflow.name if workflow else None
        return self._workflow_names[workflow_id]

    async def _failures_since(self, since: datetime, now: datetime) -> list[Execution]:
        synced = self._failures_synced
        if synced is None or now < synced or now - synced >= FAILURE_RESYNC:
            found = await self.client.failures_since(since)
            self._failures = {execution.id: execution for execution in found}
            self._failures_synced = now
        else:
            found = await self.client.failures_since(
                since, known=self._failures.keys(), page_size=NEW_FAILURES_PAGE
            )
            self._failures.update({execution.id: execution for execution in found})
        self._failures = {
            key: execution
            for key, execution in self._failures.items()
            if execution.started_at is None or execution.started_at >= since
        }
        # Newest first, as the client orders them.
        return sorted(
            self._failures.values(),
            key=lambda e: (
                e.started_at.timestamp() if e.started_at else 0.0,
                int(e.id) if e.id.isdigit() else 0,
            ),
            reverse=True,
        )

    @override
    async def _fetch(self) -> N8nData:
        if not await self.client.ready():
            # The database is not ready: the API would only answer errors.
            return N8nData(ready=False, running=None, failed_recent=None)
        try:
            running = await self.client.running_count()
        except N8nScopeError as err:
            # Without `execution:list` nothing can be read; the update fails (no reauth).
            self._scope_missing(err.scope)
            raise
        self._scope_granted(REQUIRED_SCOPES[0])
        waiting = await self.client.waiting_count()
        now = self.client.server_time or dt_util.utcnow()
        failures = await self._failures_since(now - FAILURE_WINDOW, now)
        # Nothing failed today: the last failure may be older.
        last = failures[0] if failures else await self.client.last_failure()
        return N8nData(
            ready=True,
            running=running,
            failed_recent=len(failures),
            last_failure=last,
            last_failure_workflow=await self._workflow_name(last.workflow_id if last else None),
            waiting=waiting,
        )
