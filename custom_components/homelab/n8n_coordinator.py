"""Polls n8n: readiness, running executions and the failures of the last 24 hours.

Waiting executions are not counted (see `n8n.client`): the API's `status=waiting` filter is
unreliable, and a waiting execution is parked, not load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .n8n import Execution, N8nClient
from .pipeline_const import poll_interval
from .pipeline_coordinator import ServiceCoordinator

FAILURE_WINDOW: Final = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class N8nData:
    """One poll of n8n."""

    ready: bool
    running: int | None
    """Executions running now (`None`: not ready, or an n8n without the `running` filter)."""
    failed_recent: int | None
    last_failure: Execution | None = None
    last_failure_workflow: str | None = None
    """The name of the last failed execution's workflow (`None` when it was deleted)."""


class N8nCoordinator(ServiceCoordinator[N8nData]):
    """Reads `/healthz/readiness` and the public API's executions."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any], client: N8nClient) -> None:
        """Poll at the entry's interval."""
        super().__init__(
            hass, entry, service="n8n", interval=timedelta(seconds=poll_interval(entry))
        )
        self.client = client
        self._workflow_names: dict[str, str | None] = {}

    async def _workflow_name(self, workflow_id: str | None) -> str | None:
        if workflow_id is None:
            return None
        if workflow_id not in self._workflow_names:
            workflow = await self.client.workflow(workflow_id)
            self._workflow_names[workflow_id] = workflow.name if workflow else None
        return self._workflow_names[workflow_id]

    @override
    async def _fetch(self) -> N8nData:
        if not await self.client.ready():
            # The database is not ready: the API would only answer errors.
            return N8nData(ready=False, running=None, failed_recent=None)
        running = await self.client.running_count()
        now = self.client.server_time or dt_util.utcnow()
        failures = await self.client.failures_since(now - FAILURE_WINDOW)
        last = failures[0] if failures else None
        if last is None:
            # Nothing failed today: the last failure may be older.
            older = await self.client.executions(status="error", limit=1)
            last = older.executions[0] if older.executions else None
        return N8nData(
            ready=True,
            running=running,
            failed_recent=len(failures),
            last_failure=last,
            last_failure_workflow=await self._workflow_name(last.workflow_id if last else None),
        )
