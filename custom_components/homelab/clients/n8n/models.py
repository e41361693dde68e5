"""Typed answers of the n8n public API, parsed in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from ..http_api import Reader, iso_time, optional_str
from .exceptions import N8nInvalidResponseError

_read = Reader(N8nInvalidResponseError)


@dataclass(frozen=True, slots=True)
class Execution:
    """One workflow execution."""

    id: str
    status: str
    """canceled, crashed, error, new, running, success, unknown or waiting."""
    workflow_id: str | None
    started_at: datetime | None
    stopped_at: datetime | None = None
    finished: bool = False
    mode: str | None = None
    wait_till: datetime | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse an execution; `id` and `status` are required (ids are strings since n8n 1.0)."""
        item = _read.mapping(data, "execution")
        execution_id = item.get("id")
        if not isinstance(execution_id, (str, int)) or isinstance(execution_id, bool):
            msg = "execution: 'id' is missing"
            raise N8nInvalidResponseError(msg, payload=item)
        workflow = item.get("workflowId")
        return cls(
            id=str(execution_id),
            status=_read.text(item, "status", "execution"),
            workflow_id=str(workflow) if isinstance(workflow, (str, int)) else None,
            started_at=iso_time(item.get("startedAt")),
            stopped_at=iso_time(item.get("stoppedAt")),
            finished=item.get("finished") is True,
            mode=optional_str(item.get("mode")),
            wait_till=iso_time(item.get("waitTill")),
        )


@dataclass(frozen=True, slots=True)
class ExecutionPage:
    """One page of `GET /api/v1/executions` and the cursor of the next one."""

    executions: tuple[Execution, ...]
    next_cursor: str | None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse `{"data": [...], "nextCursor": ...}`."""
        item = _read.mapping(data, "executions")
        executions = _read.items(item, "data", "executions")
        cursor = item.get("nextCursor")
        return cls(
            executions=tuple(Execution.from_dict(entry) for entry in executions),
            next_cursor=cursor if isinstance(cursor, str) and cursor else None,
        )


@dataclass(frozen=True, slots=True)
class Workflow:
    """A workflow's id and name."""

    id: str
    name: str

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a workflow; `id` and `name` are required."""
        item = _read.mapping(data, "workflow")
        name = item.get("name")
        workflow_id = item.get("id")
        if not isinstance(name, str) or not isinstance(workflow_id, (str, int)):
            msg = "workflow: 'id' or 'name' is missing"
            raise N8nInvalidResponseError(msg, payload=item)
        return cls(id=str(workflow_id), name=name)
