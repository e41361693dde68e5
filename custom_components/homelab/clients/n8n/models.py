"""Typed answers of the n8n public API, declared once (`from_dict` reads each field by its type)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .._model import ident, nonempty
from ..http_api import ApiModel, source
from .exceptions import N8nInvalidResponseError


class _Model(ApiModel, invalid_error=N8nInvalidResponseError):
    __slots__ = ()


_ID = source(read=ident)
"""An id: a string since n8n 1.0, an integer before."""


@dataclass(frozen=True, slots=True)
class Execution(_Model):
    """One workflow execution; `id` and `status` are required."""

    id: str = field(metadata=_ID)
    status: str
    """canceled, crashed, error, new, running, success, unknown or waiting."""
    workflow_id: str | None = field(metadata=source("workflowId", read=ident))
    started_at: datetime | None = field(metadata=source("startedAt"))
    stopped_at: datetime | None = field(default=None, metadata=source("stoppedAt"))
    finished: bool = False
    mode: str | None = None
    wait_till: datetime | None = field(default=None, metadata=source("waitTill"))


@dataclass(frozen=True, slots=True)
class ExecutionPage(_Model):
    """One page of `GET /api/v1/executions` (`data`, required) and the cursor of the next one."""

    executions: tuple[Execution, ...] = field(metadata=source("data"))
    next_cursor: str | None = field(metadata=source("nextCursor", read=nonempty))


@dataclass(frozen=True, slots=True)
class Workflow(_Model):
    """A workflow's id and name, both required."""

    id: str = field(metadata=_ID)
    name: str
